// hub/store: the SQLite IntentStore. PutIntent latency with synchronous FULL
// (an fsync per commit: the default, survives power loss) and NORMAL
// (survives a crash only), and GetIntent / ListIntents over 10,000 intents.
// Wall-clock times: a commit mostly waits on the disk.
// Run: ./build/bin/hub_store_bench
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "hub/store/intent_store.h"

namespace {

using srfleet::hub::IntentRecord;
using srfleet::hub::IntentStore;
using srfleet::hub::OpenSqliteIntentStore;
using srfleet::hub::SqliteStoreOptions;

// A directory under /tmp for one database, removed with the object.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "hub_store_bench_XXXXXX").string();
    if (mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// About the size of a small SemanticRouter manifest (~1.5 KB).
IntentRecord Intent(int i) {
  IntentRecord r;
  r.ns = "llm";
  r.name = absl::StrCat("router-", i);
  r.id = absl::StrCat(r.ns, "/", r.name);
  r.manifest_json = absl::StrCat(R"({"apiVersion":"vllm.ai/v1alpha1","kind":"SemanticRouter","metadata":{"name":")",
                                 r.name, R"(","namespace":"llm"},"spec":{"config":")", std::string(1400, 'x'), "\"}}");
  r.placement = R"({"selector":{"matchLabels":{"tier":"gold"}}})";
  return r;
}

std::unique_ptr<IntentStore> Open(const TempDir& dir, bool synchronous_full, benchmark::State& state) {
  SqliteStoreOptions options;
  options.path = dir.path() + "/hub.db";
  options.synchronous_full = synchronous_full;
  auto store = OpenSqliteIntentStore(options);
  if (!store.ok()) {
    state.SkipWithError(std::string(store.status().message()).c_str());
    return nullptr;
  }
  return std::move(*store);
}

void BM_PutIntent(benchmark::State& state) {
  const bool full = state.range(0) != 0;
  TempDir dir;
  auto store = Open(dir, full, state);
  if (!store) return;
  constexpr int kIds = 100;
  int i = 0;
  for (auto _ : state) {
    auto r = store->PutIntent(Intent(i++ % kIds), 0);
    if (!r.ok()) {
      state.SkipWithError(std::string(r.status().message()).c_str());
      break;
    }
  }
  state.SetLabel(full ? "synchronous=FULL" : "synchronous=NORMAL");
}
BENCHMARK(BM_PutIntent)->ArgName("full")->Arg(1)->Arg(0)->UseRealTime()->Unit(benchmark::kMicrosecond);

// One store with n intents, built once and shared by the read benchmarks.
struct Populated {
  TempDir dir;
  std::unique_ptr<IntentStore> store;
  int n = 0;
};

Populated* PopulatedStore(int n, benchmark::State& state) {
  static std::unique_ptr<Populated> populated;
  if (populated && populated->n == n) return populated.get();
  populated.reset();
  auto p = std::make_unique<Populated>();
  p->store = Open(p->dir, /*synchronous_full=*/false, state);
  if (!p->store) return nullptr;
  for (int i = 0; i < n; ++i) {
    auto r = p->store->PutIntent(Intent(i), 0);
    if (!r.ok()) {
      state.SkipWithError(std::string(r.status().message()).c_str());
      return nullptr;
    }
  }
  p->n = n;
  populated = std::move(p);
  return populated.get();
}

void BM_GetIntent(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  Populated* p = PopulatedStore(n, state);
  if (p == nullptr) return;
  uint64_t x = 88172645463325252ull;  // xorshift: random ids, no cache-friendly order
  for (auto _ : state) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    auto r = p->store->GetIntent(absl::StrCat("llm/router-", x % static_cast<uint64_t>(n)));
    if (!r.ok()) {
      state.SkipWithError(std::string(r.status().message()).c_str());
      break;
    }
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_GetIntent)->ArgName("intents")->Arg(10000)->Unit(benchmark::kMicrosecond);

void BM_ListIntents(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  Populated* p = PopulatedStore(n, state);
  if (p == nullptr) return;
  for (auto _ : state) {
    auto list = p->store->ListIntents();
    if (!list.ok() || list->size() != static_cast<size_t>(n)) {
      state.SkipWithError("ListIntents failed or returned the wrong count");
      break;
    }
    benchmark::DoNotOptimize(list);
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_ListIntents)->ArgName("intents")->Arg(10000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
