// A node's attributes as the plan hands them over: ints, floats, strings and lists of those, by
// name. Getters take the ONNX default; a present attribute of the wrong kind is a TypeError naming it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "../core/status.h"

namespace octet {

class Attributes {
 public:
  enum class Kind { kInt, kFloat, kString, kInts, kFloats, kStrings };

  void set_int(const std::string& name, int64_t v) { put(name, Kind::kInt).i = v; }
  void set_float(const std::string& name, float v) { put(name, Kind::kFloat).f = v; }
  void set_string(const std::string& name, std::string v) { put(name, Kind::kString).s = std::move(v); }
  void set_ints(const std::string& name, std::vector<int64_t> v) { put(name, Kind::kInts).ints = std::move(v); }
  void set_floats(const std::string& name, std::vector<float> v) { put(name, Kind::kFloats).floats = std::move(v); }
  void set_strings(const std::string& name, std::vector<std::string> v) { put(name, Kind::kStrings).strings = std::move(v); }

  bool has(const std::string& name) const { return values_.count(name) != 0; }

  int64_t get_int(const std::string& name, int64_t fallback) const {
    const Value* v = find(name, Kind::kInt, "an int");
    return v ? v->i : fallback;
  }
  // An int attribute is also accepted where a float is expected (exporters write alpha=1 as an int).
  float get_float(const std::string& name, float fallback) const {
    auto it = values_.find(name);
    if (it == values_.end()) return fallback;
    if (it->second.kind == Kind::kInt) return static_cast<float>(it->second.i);
    return find(name, Kind::kFloat, "a float")->f;
  }
  std::string get_string(const std::string& name, const std::string& fallback) const {
    const Value* v = find(name, Kind::kString, "a string");
    return v ? v->s : fallback;
  }
  std::vector<int64_t> get_ints(const std::string& name, std::vector<int64_t> fallback = {}) const {
    const Value* v = find(name, Kind::kInts, "a list of ints");
    return v ? v->ints : fallback;
  }
  std::vector<float> get_floats(const std::string& name, std::vector<float> fallback = {}) const {
    const Value* v = find(name, Kind::kFloats, "a list of floats");
    return v ? v->floats : fallback;
  }
  std::vector<std::string> get_strings(const std::string& name, std::vector<std::string> fallback = {}) const {
    const Value* v = find(name, Kind::kStrings, "a list of strings");
    return v ? v->strings : fallback;
  }
  int64_t require_int(const std::string& name) const {
    const Value* v = find(name, Kind::kInt, "an int");
    if (!v) throw_type("attribute '" + name + "' is required");
    return v->i;
  }

 private:
  struct Value {
    Kind kind = Kind::kInt;
    int64_t i = 0;
    float f = 0;
    std::string s;
    std::vector<int64_t> ints;
    std::vector<float> floats;
    std::vector<std::string> strings;
  };

  Value& put(const std::string& name, Kind kind) {
    Value& v = values_[name];
    v = Value();
    v.kind = kind;
    return v;
  }
  const Value* find(const std::string& name, Kind kind, const char* what) const {
    auto it = values_.find(name);
    if (it == values_.end()) return nullptr;
    if (it->second.kind != kind) throw_type("attribute '" + name + "' must be " + what);
    return &it->second;
  }

  std::map<std::string, Value> values_;
};

}  // namespace octet
