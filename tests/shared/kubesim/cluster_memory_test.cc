// The cost of idle simulated clusters: bootstrap objects, no watches. Real
// heap use is measured by counting allocations in this test binary.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <new>
#include <vector>

#include "shared/kubesim/cluster.h"
#include "tests/shared/kubesim/cluster_test_support.h"

namespace {
std::atomic<int64_t> g_live_bytes{0};

// Every allocation carries its size in a 16-byte header.
void* Allocate(std::size_t n) {
  void* p = std::malloc(n + 16);
  if (!p) throw std::bad_alloc();
  *static_cast<std::size_t*>(p) = n;
  g_live_bytes.fetch_add(static_cast<int64_t>(n), std::memory_order_relaxed);
  return static_cast<char*>(p) + 16;
}
void Release(void* p) noexcept {
  if (!p) return;
  char* base = static_cast<char*>(p) - 16;
  g_live_bytes.fetch_sub(static_cast<int64_t>(*reinterpret_cast<std::size_t*>(base)), std::memory_order_relaxed);
  std::free(base);
}
}  // namespace

void* operator new(std::size_t n) { return Allocate(n); }
void* operator new[](std::size_t n) { return Allocate(n); }
void operator delete(void* p) noexcept { Release(p); }
void operator delete[](void* p) noexcept { Release(p); }
void operator delete(void* p, std::size_t) noexcept { Release(p); }
void operator delete[](void* p, std::size_t) noexcept { Release(p); }

namespace srfleet::kubesim {
namespace {

TEST(ClusterMemoryTest, ThousandIdleClustersFitTheBudget) {
  constexpr int kClusters = 1000;
  // Warm the process-wide singletons (built-in registry, loose types).
  { Cluster warm(testing::TestOptions()); }
  int64_t before = g_live_bytes.load();
  std::vector<std::unique_ptr<Cluster>> clusters;
  clusters.reserve(kClusters);
  int64_t vector_bytes = g_live_bytes.load() - before;
  for (int i = 0; i < kClusters; ++i) {
    ClusterOptions o = testing::TestOptions();
    o.name = "sim-" + std::to_string(i);
    clusters.push_back(std::make_unique<Cluster>(o));
  }
  int64_t total = g_live_bytes.load() - before - vector_bytes;
  int64_t per_cluster = total / kClusters;
  size_t approx = clusters[0]->ApproximateMemoryBytes();
  std::printf("1000 idle clusters: %lld bytes allocated in total, %lld bytes per cluster "
              "(ApproximateMemoryBytes: %zu), %zu objects each\n",
              static_cast<long long>(total), static_cast<long long>(per_cluster), approx,
              clusters[0]->object_count());
  EXPECT_LE(per_cluster, 100 * 1024);
  EXPECT_LE(approx, 100u * 1024u);
  EXPECT_EQ(clusters[0]->open_watches(), 0u);
  // The estimate is within a factor of two of what was really allocated.
  EXPECT_GT(static_cast<int64_t>(approx) * 2, per_cluster);
  EXPECT_LT(static_cast<int64_t>(approx), per_cluster * 2);
  clusters.clear();
  EXPECT_LE(g_live_bytes.load() - before, 64 * 1024);  // nothing leaks
}

}  // namespace
}  // namespace srfleet::kubesim
