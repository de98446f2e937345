// The plan checks a wrong description instead of trusting it (every error names the value or node),
// builds its operators once, and runs correctly from several threads at once.
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "../graph/plan.h"
#include "test_main.h"

namespace octet::test {

namespace {

PlanValueSpec arena_value(const std::string& name, Shape shape, int64_t offset) {
  PlanValueSpec v;
  v.name = name;
  v.dtype = DType::kFloat32;
  v.shape = std::move(shape);
  v.kind = PlanValueSpec::Kind::kArena;
  v.offset = offset;
  return v;
}

PlanValueSpec io_value(const std::string& name, Shape shape, PlanValueSpec::Kind kind, int64_t index) {
  PlanValueSpec v;
  v.name = name;
  v.dtype = DType::kFloat32;
  v.shape = std::move(shape);
  v.kind = kind;
  v.index = index;
  return v;
}

NodeSpec node(const std::string& op, std::vector<int> inputs, std::vector<int> outputs) {
  NodeSpec n;
  n.op_type = op;
  n.name = op + "_node";
  n.opset = 17;
  n.inputs = std::move(inputs);
  n.outputs = std::move(outputs);
  return n;
}

// x (input) → Relu → t (arena) → Add(t, c) → y (output), c a constant.
PlanSpec relu_add_plan(int64_t n) {
  PlanSpec spec;
  spec.values.push_back(io_value("x", {n}, PlanValueSpec::Kind::kInput, 0));
  spec.values.push_back(arena_value("t", {n}, 0));
  PlanValueSpec c;
  c.name = "c";
  c.dtype = DType::kFloat32;
  c.shape = {1};
  c.kind = PlanValueSpec::Kind::kConstant;
  c.constant = std::make_shared<AlignedBuffer>(sizeof(float));
  *c.constant->as<float>() = 0.5f;
  spec.values.push_back(std::move(c));
  spec.values.push_back(io_value("y", {n}, PlanValueSpec::Kind::kOutput, 0));
  spec.nodes.push_back(node("Relu", {0}, {1}));
  spec.nodes.push_back(node("Add", {1, 2}, {3}));
  spec.arena_bytes = (n * 4 + 63) / 64 * 64;
  spec.inputs = {0};
  spec.outputs = {3};
  return spec;
}

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(plan_runs_and_reuses_its_arena_across_threads) {
  auto session = std::make_shared<SessionState>();
  const int64_t n = 1000;
  Plan plan(session, relu_add_plan(n), 2);
  plan.build();
  plan.build();  // idempotent
  std::vector<std::thread> threads;
  std::vector<int> bad(4, 0);
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      std::vector<float> x(n), y(n);
      for (int round = 0; round < 50; ++round) {
        for (int64_t i = 0; i < n; ++i) x[i] = static_cast<float>((i * 7 + t * 13 + round) % 21) - 10.0f;
        plan.run({x.data()}, {y.data()}, 1 + round % 2);
        for (int64_t i = 0; i < n; ++i)
          if (y[i] != std::max(x[i], 0.0f) + 0.5f) ++bad[t];
      }
    });
  for (auto& t : threads) t.join();
  for (int t = 0; t < 4; ++t) CHECK(bad[t] == 0) << "thread " << t << ": " << bad[t] << " wrong elements";
  CHECK(plan.pooled_bytes() > 0);
}

TEST(plan_rejects_wrong_descriptions) {
  auto session = std::make_shared<SessionState>();
  auto expect_error = [&](PlanSpec spec, const std::string& needle) {
    const std::string msg = error_of([&] { Plan plan(session, std::move(spec), 1); });
    CHECK(msg.find(needle) != std::string::npos) << "expected an error containing '" << needle << "', got '" << msg << "'";
  };
  {
    PlanSpec s = relu_add_plan(100);
    s.arena_bytes = 64;  // 400 bytes do not fit
    expect_error(std::move(s), "'t'");
  }
  {
    PlanSpec s = relu_add_plan(100);
    s.values[1].offset = 4;  // unaligned
    expect_error(std::move(s), "aligned");
  }
  {
    PlanSpec s = relu_add_plan(100);
    s.nodes[1].outputs = {2};  // writes the constant
    expect_error(std::move(s), "read-only");
  }
  {
    PlanSpec s = relu_add_plan(100);
    s.nodes[0].outputs = {3};  // y written twice
    expect_error(std::move(s), "two nodes");
  }
  {
    PlanSpec s = relu_add_plan(100);
    s.nodes[0].inputs = {17};
    expect_error(std::move(s), "out of range");
  }
  {
    PlanSpec s = relu_add_plan(100);
    s.values[1].shape = {int64_t{1} << 40, int64_t{1} << 40};
    expect_error(std::move(s), "too large");
  }
  {
    PlanSpec s = relu_add_plan(100);
    s.values[1].kind = PlanValueSpec::Kind::kInitializer;
    s.values[1].index = 3;  // the session has none
    expect_error(std::move(s), "initializer index");
  }
  {
    PlanSpec s = relu_add_plan(100);
    s.values[0].dtype = static_cast<DType>(8);  // string
    expect_error(std::move(s), "dtype");
  }
}

TEST(plan_build_names_the_node_of_an_error) {
  auto session = std::make_shared<SessionState>();
  PlanSpec s = relu_add_plan(10);
  s.nodes[0].op_type = "NoSuchOp";
  s.nodes[0].name = "mystery";
  Plan plan(session, std::move(s), 1);
  const std::string msg = error_of([&] { plan.build(); });
  CHECK(msg.find("mystery") != std::string::npos && msg.find("NoSuchOp") != std::string::npos) << msg;
  const std::string again = error_of([&] { plan.build(); });
  CHECK(again == msg) << "a failed build must fail the same way again: " << again;
  // Output shape disagreeing with the operator's own arithmetic.
  PlanSpec s2 = relu_add_plan(10);
  s2.values[3].shape = {11};
  s2.arena_bytes = 64;
  Plan plan2(session, std::move(s2), 1);
  const std::string msg2 = error_of([&] { plan2.build(); });
  CHECK(msg2.find("Add_node") != std::string::npos) << msg2;
}

}  // namespace octet::test
