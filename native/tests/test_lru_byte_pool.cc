// The result-buffer pool's policy (core/lru_byte_pool.h): blocks come back by exact size; over the
// budget the oldest go, whatever their size; the newest of a size is taken first; a block larger
// than the budget is never held.
#include <vector>

#include "../core/lru_byte_pool.h"
#include "test_main.h"

namespace octet::test {

namespace {
char g_memory[64];  // distinct addresses to stand for blocks (never dereferenced)
void* block(int i) { return &g_memory[i]; }
}  // namespace

TEST(lru_byte_pool_returns_blocks_by_exact_size) {
  LruBytePool pool(1000);
  CHECK(pool.take(100) == nullptr);
  CHECK(pool.give(block(0), 100).empty());
  CHECK(pool.give(block(1), 200).empty());
  CHECK(pool.held_bytes() == 300);
  CHECK(pool.take(150) == nullptr);
  CHECK(pool.take(200) == block(1));
  CHECK(pool.take(200) == nullptr);
  CHECK(pool.take(100) == block(0));
  CHECK(pool.held_bytes() == 0);
}

TEST(lru_byte_pool_evicts_the_oldest_whatever_their_size) {
  LruBytePool pool(1000);
  // One model's results fill the pool...
  for (int i = 0; i < 4; ++i) CHECK(pool.give(block(i), 250).empty());
  // ...then another model's: each evicts the oldest of the first size, and is kept.
  std::vector<LruBytePool::Block> out = pool.give(block(10), 300);
  CHECK(out.size() == 2) << out.size();
  CHECK(out[0].data == block(0) && out[0].bytes == 250);
  CHECK(out[1].data == block(1) && out[1].bytes == 250);
  CHECK(pool.held_bytes() == 800);
  CHECK(pool.take(300) == block(10));
  // Equal sizes: the remaining ones are still there, the newest first.
  CHECK(pool.take(250) == block(3));
  CHECK(pool.take(250) == block(2));
  CHECK(pool.take(250) == nullptr);
}

TEST(lru_byte_pool_takes_the_block_given_last) {
  // The block given last is the one most likely still in cache: a result disposed of after a run is
  // the memory the next run of that shape writes.
  LruBytePool pool(1000);
  for (int i = 0; i < 3; ++i) CHECK(pool.give(block(i), 100).empty());
  CHECK(pool.take(100) == block(2));
  CHECK(pool.give(block(5), 100).empty());
  CHECK(pool.take(100) == block(5));
  CHECK(pool.take(100) == block(1));
  CHECK(pool.take(100) == block(0));
  CHECK(pool.take(100) == nullptr);
}

TEST(lru_byte_pool_never_holds_a_block_over_the_budget) {
  LruBytePool pool(1000);
  CHECK(pool.give(block(0), 600).empty());
  std::vector<LruBytePool::Block> out = pool.give(block(1), 1001);
  CHECK(out.size() == 1 && out[0].data == block(1));
  CHECK(pool.held_bytes() == 600);
  CHECK(pool.take(600) == block(0));
}

}  // namespace octet::test
