// small_alloc_test.cpp — the size-class allocator: every size class round-trips its bytes,
// objects never overlap, and objects freed on another thread are safe to reuse there.
#include "small_alloc.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

namespace gorodis::testing {
namespace {

struct Allocation {
  unsigned char* data;
  std::size_t bytes;
};

void fill(const Allocation& a) {
  std::memset(a.data, static_cast<int>(a.bytes & 0xff), a.bytes);
}

bool intact(const Allocation& a) {
  for (std::size_t i = 0; i < a.bytes; ++i) {
    if (a.data[i] != static_cast<unsigned char>(a.bytes & 0xff)) return false;
  }
  return true;
}

TEST(SmallAlloc, EverySizeRoundTripsWithoutOverlap) {
  std::vector<Allocation> live;
  for (int round = 0; round < 20; ++round) {
    for (std::size_t bytes = 1; bytes <= small_alloc::kMaxPooledSize + 40; bytes += 3) {
      Allocation a{static_cast<unsigned char*>(small_alloc::allocate(bytes)), bytes};
      EXPECT_EQ(reinterpret_cast<std::uintptr_t>(a.data) % 8, 0u) << bytes;
      fill(a);
      live.push_back(a);
    }
  }
  for (const Allocation& a : live) EXPECT_TRUE(intact(a)) << a.bytes;
  for (const Allocation& a : live) small_alloc::deallocate(a.data, a.bytes);
}

TEST(SmallAlloc, SizesRoundToEightBytes) {
  if (!small_alloc::kPooled) {
    EXPECT_EQ(small_alloc::allocation_size(31), 31u);  // operator new's own size
    GTEST_SKIP() << "the pool is bypassed in sanitized builds";
  }
  EXPECT_EQ(small_alloc::allocation_size(1), 8u);
  EXPECT_EQ(small_alloc::allocation_size(31), 32u);
  EXPECT_EQ(small_alloc::allocation_size(33), 40u);
  EXPECT_EQ(small_alloc::allocation_size(256), 256u);
  EXPECT_EQ(small_alloc::allocation_size(257), 257u);
}

TEST(SmallAlloc, ObjectsFreedOnAnotherThreadAreReusable) {
  std::vector<Allocation> made;
  for (int i = 0; i < 10000; ++i) {
    Allocation a{static_cast<unsigned char*>(small_alloc::allocate(24)), 24};
    fill(a);
    made.push_back(a);
  }
  std::thread other([&] {
    for (const Allocation& a : made) small_alloc::deallocate(a.data, a.bytes);
    // That thread now reuses them.
    std::vector<Allocation> again;
    for (int i = 0; i < 10000; ++i) {
      Allocation a{static_cast<unsigned char*>(small_alloc::allocate(24)), 24};
      fill(a);
      again.push_back(a);
    }
    for (const Allocation& a : again) {
      EXPECT_TRUE(intact(a));
      small_alloc::deallocate(a.data, a.bytes);
    }
  });
  other.join();
}

}  // namespace
}  // namespace gorodis::testing
