#include "plan_from_js.h"

#include <cmath>
#include <cstring>
#include <limits>

#include "args.h"

namespace octet::addon {

namespace {

Napi::Value field(const Napi::Object& o, const char* name) { return o.Get(name); }

Napi::Object object_at(const Napi::Value& v, const std::string& what) {
  if (!v.IsObject() || v.IsArray()) throw_type(what + " must be an object");
  return v.As<Napi::Object>();
}

Napi::Array array_at(const Napi::Value& v, const std::string& what) {
  if (!v.IsArray()) throw_type(what + " must be an array");
  return v.As<Napi::Array>();
}

std::string string_at(const Napi::Value& v, const std::string& what) {
  if (!v.IsString()) throw_type(what + " must be a string");
  return v.As<Napi::String>().Utf8Value();
}

double number_at(const Napi::Value& v, const std::string& what) {
  if (!v.IsNumber()) throw_type(what + " must be a number");
  return v.As<Napi::Number>().DoubleValue();
}

// An integer in int64's range; values beyond it (INT64_MAX written as a double) saturate.
int64_t int_at(const Napi::Value& v, const std::string& what) {
  const double d = number_at(v, what);
  if (std::isnan(d) || d != std::floor(d)) throw_range(what + " must be an integer, got " + std::to_string(d));
  if (d >= 9.2233720368547758e18) return std::numeric_limits<int64_t>::max();
  if (d <= -9.2233720368547758e18) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(d);
}


std::vector<int64_t> ints_at(const Napi::Value& v, const std::string& what) {
  Napi::Array a = array_at(v, what);
  std::vector<int64_t> out(a.Length());
  for (uint32_t i = 0; i < a.Length(); ++i) out[i] = int_at(a.Get(i), what + "[" + std::to_string(i) + "]");
  return out;
}

// Value ids: -1 (an omitted optional input/output) or a non-negative int; the plan checks the range.
std::vector<int> ids_at(const Napi::Value& v, const std::string& what) {
  std::vector<int> out;
  for (int64_t id : ints_at(v, what)) {
    if (id < -1 || id > std::numeric_limits<int>::max()) throw_range(what + ": value id " + std::to_string(id) + " is out of range");
    out.push_back(static_cast<int>(id));
  }
  return out;
}

Shape shape_at(const Napi::Value& v, const std::string& what) {
  Shape s = ints_at(v, what);
  if (s.size() > 64) throw_range(what + " has rank " + std::to_string(s.size()) + ", more than 64");
  for (int64_t d : s)
    if (d < 0) throw_range(what + " has a negative dimension: " + shape_string(s));
  return s;
}

DType dtype_at(const Napi::Value& v, const std::string& what) {
  const int64_t code = int_at(v, what);
  if (code < 0 || code > 64 || !dtype_known(static_cast<int32_t>(code))) throw_type(what + ": unsupported dtype code " + std::to_string(code));
  return static_cast<DType>(code);
}

void attributes_from_js(const Napi::Value& v, Attributes& attrs, const std::string& what) {
  Napi::Array list = array_at(v, what);
  for (uint32_t i = 0; i < list.Length(); ++i) {
    const std::string where = what + "[" + std::to_string(i) + "]";
    Napi::Object a = object_at(list.Get(i), where);
    const std::string name = string_at(field(a, "name"), where + ".name");
    const std::string type = string_at(field(a, "type"), where + ".type");
    const Napi::Value value = field(a, "value");
    const std::string vw = where + " ('" + name + "')";
    if (type == "int") {
      attrs.set_int(name, int_at(value, vw));
    } else if (type == "float") {
      attrs.set_float(name, static_cast<float>(number_at(value, vw)));
    } else if (type == "string") {
      attrs.set_string(name, string_at(value, vw));
    } else if (type == "ints") {
      attrs.set_ints(name, ints_at(value, vw));
    } else if (type == "floats") {
      Napi::Array arr = array_at(value, vw);
      std::vector<float> f(arr.Length());
      for (uint32_t k = 0; k < arr.Length(); ++k) f[k] = static_cast<float>(number_at(arr.Get(k), vw));
      attrs.set_floats(name, std::move(f));
    } else if (type == "strings") {
      Napi::Array arr = array_at(value, vw);
      std::vector<std::string> s(arr.Length());
      for (uint32_t k = 0; k < arr.Length(); ++k) s[k] = string_at(arr.Get(k), vw);
      attrs.set_strings(name, std::move(s));
    } else {
      throw_type(where + ": unknown attribute type '" + type + "'");
    }
  }
}

std::shared_ptr<AlignedBuffer> copy_bytes(const Napi::Value& v, const std::string& what) {
  ArrayView view = typed_array(v, Name{what.c_str(), "data"});
  auto buffer = std::make_shared<AlignedBuffer>(view.byte_length());
  if (view.byte_length() > 0) std::memcpy(buffer->data(), view.data, view.byte_length());
  return buffer;
}

}  // namespace

PlanSpec plan_from_js(const Napi::Object& plan) {
  PlanSpec spec;
  Napi::Array values = array_at(field(plan, "values"), "plan.values");
  spec.values.resize(values.Length());
  for (uint32_t i = 0; i < values.Length(); ++i) {
    const std::string where = "plan.values[" + std::to_string(i) + "]";
    Napi::Object o = object_at(values.Get(i), where);
    PlanValueSpec& v = spec.values[i];
    v.name = string_at(field(o, "name"), where + ".name");
    v.dtype = dtype_at(field(o, "dtype"), where + ".dtype");
    v.shape = shape_at(field(o, "shape"), where + ".shape");
    Napi::Object storage = object_at(field(o, "storage"), where + ".storage");
    const std::string kind = string_at(field(storage, "kind"), where + ".storage.kind");
    if (kind == "arena") {
      v.kind = PlanValueSpec::Kind::kArena;
      v.offset = int_at(field(storage, "offset"), where + ".storage.offset");
    } else if (kind == "initializer" || kind == "input" || kind == "output") {
      v.kind = kind == "initializer" ? PlanValueSpec::Kind::kInitializer : kind == "input" ? PlanValueSpec::Kind::kInput : PlanValueSpec::Kind::kOutput;
      v.index = int_at(field(storage, "index"), where + ".storage.index");
    } else if (kind == "constant") {
      v.kind = PlanValueSpec::Kind::kConstant;
      v.constant = copy_bytes(field(storage, "data"), where + ".storage");
    } else {
      throw_type(where + ".storage.kind: unknown storage '" + kind + "'");
    }
  }
  Napi::Array nodes = array_at(field(plan, "nodes"), "plan.nodes");
  spec.nodes.resize(nodes.Length());
  for (uint32_t i = 0; i < nodes.Length(); ++i) {
    const std::string where = "plan.nodes[" + std::to_string(i) + "]";
    Napi::Object o = object_at(nodes.Get(i), where);
    NodeSpec& n = spec.nodes[i];
    n.op_type = string_at(field(o, "opType"), where + ".opType");
    n.domain = string_at(field(o, "domain"), where + ".domain");
    n.name = string_at(field(o, "name"), where + ".name");
    n.opset = static_cast<int>(int_at(field(o, "opset"), where + ".opset"));
    n.inputs = ids_at(field(o, "inputs"), where + ".inputs");
    n.outputs = ids_at(field(o, "outputs"), where + ".outputs");
    attributes_from_js(field(o, "attributes"), n.attrs, where + ".attributes");
  }
  spec.arena_bytes = int_at(field(plan, "arenaBytes"), "plan.arenaBytes");
  spec.inputs = ids_at(field(plan, "inputs"), "plan.inputs");
  spec.outputs = ids_at(field(plan, "outputs"), "plan.outputs");
  return spec;
}

namespace {
// The JS objects whose memory initializers point into. Deleted with the SessionState, which only
// ever happens on the JavaScript thread (the session handle, a finished run's OnOK, removePlan).
struct KeptArrays {
  std::vector<Napi::ObjectReference> arrays;  // one per initializer; empty where the bytes were copied
};
}  // namespace

void drop_initializer_reference(SessionState& state, size_t index) {
  auto* kept = static_cast<KeptArrays*>(state.owner.get());
  if (kept != nullptr && index < kept->arrays.size()) kept->arrays[index].Reset();
}

void initializers_from_js(const Napi::Array& list, SessionState& state) {
  auto kept = std::make_shared<KeptArrays>();
  kept->arrays.resize(list.Length());
  state.initializers.resize(list.Length());
  for (uint32_t i = 0; i < list.Length(); ++i) {
    const std::string where = "initializers[" + std::to_string(i) + "]";
    Napi::Object o = object_at(list.Get(i), where);
    SessionState::Initializer& init = state.initializers[i];
    init.dtype = dtype_at(field(o, "dtype"), where + ".dtype");
    const Napi::Value pack_only = o.Get("packOnly");
    if (!pack_only.IsUndefined() && !pack_only.IsBoolean()) throw_type(where + ".packOnly must be a boolean");
    init.pack_only = pack_only.IsBoolean() && pack_only.As<Napi::Boolean>().Value();
    init.shape = shape_at(field(o, "shape"), where + ".shape");
    int64_t numel = 1;
    for (int64_t d : init.shape) {
      if (d > 0 && numel > (int64_t{1} << 40) / d) throw_range(where + ": shape " + shape_string(init.shape) + " is too large");
      numel *= d;
    }
    const Napi::Value data = field(o, "data");
    ArrayView view = typed_array(data, Name{where.c_str(), "data"});
    const size_t expected = static_cast<size_t>(numel) * dtype_size(init.dtype);
    if (view.byte_length() != expected)
      throw_range(where + ": data has " + std::to_string(view.byte_length()) + " bytes, " + dtype_name(init.dtype) + " " + shape_string(init.shape) + " needs " + std::to_string(expected));
    Napi::TypedArray typed = data.As<Napi::TypedArray>();
    const size_t slack = typed.ArrayBuffer().ByteLength() - typed.ByteOffset() - typed.ByteLength();
    init.bytes = expected;
    if (slack >= kOverReadPadding && expected > 0) {
      init.data = static_cast<const uint8_t*>(view.data);
      kept->arrays[i] = Napi::Persistent(data.As<Napi::Object>());
    } else {
      init.copy.resize(expected);
      if (expected > 0) std::memcpy(init.copy.data(), view.data, expected);
      init.data = init.copy.data();
    }
  }
  state.owner = kept;
}

}  // namespace octet::addon
