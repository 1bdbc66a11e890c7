// The Kubernetes client's speed: requests per second over one keep-alive
// connection (GET of a ConfigMap from kubesim, HTTPS and plain HTTP), watch
// events decoded per second (decoder alone, and end to end from kubesim).
// Run: ./build/bin/kube_client_bench
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "shared/kube/kube_client.h"
#include "shared/kube/watch_event.h"
#include "shared/kubesim/cluster.h"
#include "shared/kubesim/sim_server.h"

namespace {

using srfleet::Json;
namespace kube = srfleet::kube;
namespace kubesim = srfleet::kubesim;

constexpr char kToken[] = "bench-token";

struct Sim {
  std::unique_ptr<kubesim::Cluster> cluster = std::make_unique<kubesim::Cluster>();
  std::unique_ptr<kubesim::SimServer> server;
  std::unique_ptr<kube::KubeClient> client;

  bool Start(bool tls, std::string* error) {
    kubesim::SimServerOptions options;
    options.tls = tls;
    options.bearer_token = kToken;
    absl::StatusOr<std::unique_ptr<kubesim::SimServer>> s = kubesim::SimServer::Start(options);
    if (!s.ok()) {
      *error = std::string(s.status().message());
      return false;
    }
    server = *std::move(s);
    server->Mount("", cluster.get());
    kube::RestConfig config;
    config.server = server->Url();
    config.ca_pem = server->ca_pem();
    config.bearer_token = kToken;
    config.qps = 0;  // measure the client, not its limiter
    absl::StatusOr<std::unique_ptr<kube::KubeClient>> c = kube::KubeClient::New(config);
    if (!c.ok()) {
      *error = std::string(c.status().message());
      return false;
    }
    client = *std::move(c);
    return true;
  }
  ~Sim() {
    client.reset();
    if (server) server->Stop();
  }
};

Json ConfigMap(const std::string& name, int size) {
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", name}, {"namespace", "default"}, {"labels", {{"app", "bench"}}}}},
          {"data", {{"config.yaml", std::string(static_cast<size_t>(size), 'x')}}}};
}

void GetConfigMap(benchmark::State& state, bool tls) {
  Sim sim;
  std::string error;
  if (!sim.Start(tls, &error)) {
    state.SkipWithError(error.c_str());
    return;
  }
  const kube::ResourceRef ref = kube::ResourceRef::Core("configmaps", "default", "bench");
  if (!sim.client->Create(ref, ConfigMap("bench", 1024)).ok()) {
    state.SkipWithError("create failed");
    return;
  }
  for (auto _ : state) {
    absl::StatusOr<Json> cm = sim.client->Get(ref);
    if (!cm.ok()) {
      state.SkipWithError(std::string(cm.status().message()).c_str());
      break;
    }
    benchmark::DoNotOptimize(cm);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["connections"] = static_cast<double>(sim.client->transport_stats().connections_opened);
}

void BM_GetConfigMapHttps(benchmark::State& state) { GetConfigMap(state, true); }
void BM_GetConfigMapHttp(benchmark::State& state) { GetConfigMap(state, false); }
BENCHMARK(BM_GetConfigMapHttps)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_GetConfigMapHttp)->UseRealTime()->Unit(benchmark::kMicrosecond);

// Decoder alone: a stream of realistic events cut into 4 KiB reads.
void BM_WatchDecode(benchmark::State& state) {
  std::string stream;
  const int events = 1000;
  for (int i = 0; i < events; ++i) {
    Json e = {{"type", "MODIFIED"}, {"object", ConfigMap("cm-" + std::to_string(i), 300)}};
    e["object"]["metadata"]["resourceVersion"] = std::to_string(1000 + i);
    stream += e.dump() + "\n";
  }
  int64_t decoded = 0;
  for (auto _ : state) {
    kube::WatchLineDecoder decoder;
    for (size_t off = 0; off < stream.size(); off += 4096) {
      (void)decoder.Feed(std::string_view(stream).substr(off, 4096), [&](std::string_view line) {
        absl::StatusOr<kube::WatchEvent> event = kube::ParseWatchEvent(line);
        benchmark::DoNotOptimize(event);
        ++decoded;
      });
    }
  }
  state.SetItemsProcessed(decoded);
  state.SetBytesProcessed(static_cast<int64_t>(stream.size()) * state.iterations());
}
BENCHMARK(BM_WatchDecode)->Unit(benchmark::kMillisecond);

// End to end: a watch from resourceVersion "" replays every existing object
// as ADDED through kubesim, TLS, the chunked reader and the decoder.
void BM_WatchEndToEnd(benchmark::State& state) {
  Sim sim;
  std::string error;
  if (!sim.Start(true, &error)) {
    state.SkipWithError(error.c_str());
    return;
  }
  const int objects = static_cast<int>(state.range(0));
  const kube::ResourceRef cms = kube::ResourceRef::Core("configmaps", "default");
  for (int i = 0; i < objects; ++i) {
    if (!sim.client->Create(cms, ConfigMap("w-" + std::to_string(i), 300)).ok()) {
      state.SkipWithError("create failed");
      return;
    }
  }
  int64_t total = 0;
  for (auto _ : state) {
    kube::CancelToken cancel;
    int seen = 0;
    kube::WatchOptions options;
    options.label_selector = "app=bench";
    absl::Status s = sim.client->Watch(
        cms, options,
        [&](const kube::WatchEvent& e) {
          if (e.type == kube::WatchEventType::kAdded && ++seen == objects) cancel.Cancel();
        },
        cancel);
    if (seen != objects) {
      state.SkipWithError(std::string(s.message()).c_str());
      break;
    }
    total += seen;
  }
  state.SetItemsProcessed(total);
}
BENCHMARK(BM_WatchEndToEnd)->Arg(2000)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
