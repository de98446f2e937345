#include "op.h"

namespace octet {

namespace {
std::string node_label(const NodeSpec& node) {
  return (node.name.empty() ? std::string("node") : "node '" + node.name + "'") + " (" + node.op_type + ")";
}
}  // namespace

void throw_node_type(const NodeSpec& node, const std::string& message) { throw_type(node_label(node) + ": " + message); }
void throw_node_range(const NodeSpec& node, const std::string& message) { throw_range(node_label(node) + ": " + message); }

const ValueInfo& OpInit::input(size_t i) const {
  if (!has_input(i)) throw_node_type(node, "input " + std::to_string(i) + " is required");
  return *inputs[i];
}

const ValueInfo& OpInit::output(size_t i) const {
  if (!has_output(i)) throw_node_type(node, "output " + std::to_string(i) + " is required");
  return *outputs[i];
}

bool WeightCache::release(uint64_t id) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = entries_.lower_bound({id, std::string()});
  if (it == entries_.end() || it->first.first != id) return false;
  released_.insert(id);
  return true;
}

void WeightCache::forget(uint64_t id) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto it = entries_.lower_bound({id, std::string()}); it != entries_.end() && it->first.first == id;) it = entries_.erase(it);
}

std::vector<std::string> OpRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& [key, factory] : table_) out.push_back(key.first.empty() ? key.second : key.first + "." + key.second);
  return out;
}

}  // namespace octet
