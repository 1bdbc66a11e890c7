// kubesim cost and speed: memory of idle simulated clusters (the fleet
// benchmarks run thousands in one process) and in-process request rates.
// Run: ./build/bin/kubesim_bench
#include <benchmark/benchmark.h>

#include <fstream>
#include <memory>
#include <string>
#include <unistd.h>
#include <vector>

#include "shared/kubesim/cluster.h"

namespace {

using srfleet::kubesim::ApiRequest;
using srfleet::kubesim::Cluster;
using srfleet::kubesim::ClusterOptions;

// Resident set size from /proc/self/statm, in bytes.
double RssBytes() {
  std::ifstream statm("/proc/self/statm");
  long pages_total = 0, pages_resident = 0;
  statm >> pages_total >> pages_resident;
  return static_cast<double>(pages_resident) * static_cast<double>(sysconf(_SC_PAGESIZE));
}

void BM_IdleClusterMemory(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  double per_cluster = 0, approx = 0;
  for (auto _ : state) {
    double before = RssBytes();
    std::vector<std::unique_ptr<Cluster>> clusters;
    clusters.reserve(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) {
      ClusterOptions options;
      options.name = "sim-" + std::to_string(i);
      clusters.push_back(std::make_unique<Cluster>(options));
    }
    double after = RssBytes();
    per_cluster = (after - before) / n;
    approx = 0;
    for (const auto& c : clusters) approx += static_cast<double>(c->ApproximateMemoryBytes());
    approx /= n;
  }
  state.counters["rss_bytes_per_cluster"] = per_cluster;
  state.counters["approx_bytes_per_cluster"] = approx;
}
BENCHMARK(BM_IdleClusterMemory)->Arg(1000)->Iterations(1)->Unit(benchmark::kMillisecond);

ApiRequest Request(const std::string& method, const std::string& target, const std::string& body = "",
                   const std::string& content_type = "application/json") {
  ApiRequest r;
  r.method = method;
  r.target = target;
  r.body = body;
  r.headers = {{"content-type", content_type}, {"accept", "application/json"}};
  r.user_agent = "kubesim-bench";
  return r;
}

void BM_InProcessGet(benchmark::State& state) {
  Cluster cluster;
  cluster.Handle(Request("POST", "/api/v1/namespaces/default/configmaps",
                         R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"b"},"data":{"k":"v"}})"));
  for (auto _ : state) {
    auto result = cluster.Handle(Request("GET", "/api/v1/namespaces/default/configmaps/b"));
    benchmark::DoNotOptimize(result);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_InProcessGet);

void BM_InProcessApplyNoOp(benchmark::State& state) {
  Cluster cluster;
  const std::string body =
      R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"b","namespace":"default"},"data":{"k":"v"}})";
  const std::string target = "/api/v1/namespaces/default/configmaps/b?fieldManager=bench";
  cluster.Handle(Request("PATCH", target, body, "application/apply-patch+yaml"));
  for (auto _ : state) {
    auto result = cluster.Handle(Request("PATCH", target, body, "application/apply-patch+yaml"));
    benchmark::DoNotOptimize(result);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_InProcessApplyNoOp);

}  // namespace

BENCHMARK_MAIN();
