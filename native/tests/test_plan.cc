// The plan checks a wrong description instead of trusting it (every error names the value or node),
// builds its operators once, and runs correctly from several threads at once.
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "../core/isa.h"
#include "../core/model_memory.h"
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

namespace {

// x [m, k] (input) → MatMul with initializer 0, w [k, n] → y [m, n] (output).
PlanSpec matmul_plan(int64_t m, int64_t k, int64_t n) {
  PlanSpec spec;
  spec.values.push_back(io_value("x", {m, k}, PlanValueSpec::Kind::kInput, 0));
  PlanValueSpec w = io_value("w", {k, n}, PlanValueSpec::Kind::kInitializer, 0);
  spec.values.push_back(std::move(w));
  spec.values.push_back(io_value("y", {m, n}, PlanValueSpec::Kind::kOutput, 0));
  spec.nodes.push_back(node("MatMul", {0, 1}, {2}));
  spec.inputs = {0};
  spec.outputs = {2};
  return spec;
}

}  // namespace

TEST(weight_cache_keys_release_and_forget) {
  WeightCache cache;
  ValueInfo v;
  v.dtype = DType::kFloat32;
  v.constant_key = 12345;
  int made = 0;
  auto make = [&] {
    ++made;
    return std::make_shared<const int>(made);
  };
  CHECK(*cache.get<int>(v, "a", make) == 1);
  CHECK(*cache.get<int>(v, "a", make) == 1) << "a second get must find the first packing";
  CHECK(made == 1);
  cache.forget(12345);
  CHECK(*cache.get<int>(v, "a", make) == 2) << "forget must drop the packing";
  CHECK(!cache.release(999)) << "nothing packed under 999: nothing to release";
  CHECK(cache.release(12345));
  CHECK(*cache.get<int>(v, "a", make) == 2) << "a released constant still finds its packing";
  const std::string msg = error_of([&] { cache.get<int>(v, "b", make); });
  CHECK(msg.find("released after packing") != std::string::npos) << "got '" << msg << "'";
  CHECK(made == 2) << "make must not run for a released constant";
}

TEST(plan_initializer_released_after_packing_serves_later_plans) {
  auto session = std::make_shared<SessionState>();
  const int64_t k = 37, n = 19;
  std::vector<float> w(static_cast<size_t>(k * n));
  for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<float>(static_cast<int>(i * 7 % 23) - 11) / 8.0f;
  session->initializers.resize(2);
  for (auto& init : session->initializers) {
    init.dtype = DType::kFloat32;
    init.shape = {k, n};
    init.bytes = w.size() * sizeof(float);
    init.copy.resize(init.bytes);
    std::memcpy(init.copy.data(), w.data(), init.bytes);
    init.data = init.copy.data();
  }
  auto run = [&](Plan& plan, int64_t m) {
    std::vector<float> x(static_cast<size_t>(m * k)), y(static_cast<size_t>(m * n));
    for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(static_cast<int>(i * 5 % 17) - 8) / 4.0f;
    plan.run({x.data()}, {y.data()}, 1);
    // Small integers over 8 and 4: every product and sum is exact in float, whatever the order.
    for (int64_t r = 0; r < m; ++r)
      for (int64_t c = 0; c < n; ++c) {
        float acc = 0;
        for (int64_t j = 0; j < k; ++j) acc += x[static_cast<size_t>(r * k + j)] * w[static_cast<size_t>(j * n + c)];
        CHECK(y[static_cast<size_t>(r * n + c)] == acc) << "m=" << m << " y[" << r << "," << c << "]";
      }
    return y;
  };
  Plan first(session, matmul_plan(2, k, n), 1);
  first.build();
  const std::vector<float> y2 = run(first, 2);
  CHECK(!session->release_packed(1)) << "initializer 1 was never packed";
  CHECK(session->initializers[1].data == session->initializers[1].copy.data());
  CHECK(session->release_packed(0));
  CHECK(session->initializers[0].released);
  CHECK(session->release_packed(0)) << "releasing twice is harmless";
  session->drop_released_copy(0);
  CHECK(session->initializers[0].copy.size() == 0) << "the raw copy must be freed";
  CHECK(session->initializers[0].data != nullptr) << "a released weight is still a constant";
  // A plan for another batch size, made after the release, finds the packing.
  Plan second(session, matmul_plan(2, k, n), 1);
  second.build();
  CHECK(run(second, 2) == y2) << "a plan made after the release must give the same bits";
  Plan third(session, matmul_plan(5, k, n), 1);
  third.build();
  run(third, 5);
}

TEST(plan_build_releases_a_pack_only_weight_at_its_last_use) {
  auto session = std::make_shared<SessionState>();
  const int64_t k = 1024, n = 16;  // 64 KiB: whole pages to give back
  const size_t bytes = static_cast<size_t>(k * n) * sizeof(float);
  auto* model = static_cast<uint8_t*>(allocate_model_memory(bytes + 8192));
  CHECK(model != nullptr);
  auto* w = reinterpret_cast<float*>(model + 100);  // not page-aligned, as in a file
  for (int64_t i = 0; i < k * n; ++i) w[i] = static_cast<float>(i % 7) - 3.0f;
  session->initializers.resize(1);
  SessionState::Initializer& init = session->initializers[0];
  init.dtype = DType::kFloat32;
  init.shape = {k, n};
  init.bytes = bytes;
  init.data = reinterpret_cast<const uint8_t*>(w);
  init.pack_only = true;
  Plan plan(session, matmul_plan(3, k, n), 1);
  plan.build();
  CHECK(init.released) << "the build must release a pack-only weight once packed";
  // Its whole pages were given back: they read as zeros now (the bytes next to them are kept).
  int zeros = 0;
  for (int64_t i = 0; i < k * n; ++i) zeros += w[i] == 0.0f && i % 7 != 3 ? 1 : 0;
  CHECK(zeros > k * n / 2) << zeros << " zeros";
  CHECK(w[0] == -3.0f) << "bytes on a page shared with other data must stay";
  std::vector<float> x(static_cast<size_t>(3 * k), 1.0f), y(static_cast<size_t>(3 * n));
  plan.run({x.data()}, {y.data()}, 1);
  for (int64_t c = 0; c < n; ++c) {
    float acc = 0;
    for (int64_t j = 0; j < k; ++j) acc += static_cast<float>((j * n + c) % 7) - 3.0f;
    CHECK(y[static_cast<size_t>(c)] == acc) << "column " << c << " must use the packed weight";
  }
  free_model_memory(model, bytes + 8192);
}

}  // namespace octet::test
