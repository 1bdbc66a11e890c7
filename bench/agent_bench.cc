// srfleet-agent against one in-process kubesim cluster:
//   BM_ConvergeRouters  N SemanticRouters created at once, timed until every
//                       one is Running with status.observedGeneration equal
//                       to its generation: reconciles/s and routers/s.
//   BM_IdleMemoryAgentProcess  the agent's RSS at idle with M converged
//                       routers: the srfleet-agent binary runs as its own
//                       process against this process's kubesim, so its VmRSS
//                       is the agent's alone (measured empty, then at idle).
//                       (In one process, kubesim's and the test client's heap
//                       would blur the figure.)
// Run: ./build/bin/agent_bench [--routers=1000] [--idle-routers=100]
//      [--qps=1000] [--workers=4]
// --qps is the in-process agent's client rate limit (the binary keeps its
// default, 50/s), so BM_ConvergeRouters measures the agent, not the limiter.
// Figures, never pass/fail; `bench_smoke.agent` runs tiny sizes.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "agent/reconcile/json_fields.h"
#include "agent/reconcile/resource_kinds.h"
#include "agent/reconcile/router_agent.h"
#include "shared/kube/kube_client.h"
#include "shared/kubesim/cluster.h"
#include "shared/kubesim/sim_server.h"
#include "spdlog/spdlog.h"

extern char** environ;

namespace {

using namespace srfleet;         // NOLINT
using namespace srfleet::agent;  // NOLINT

int g_routers = 1000;
int g_idle_routers = 100;
double g_qps = 1000;
int g_workers = 4;

// One cluster, its HTTPS server and clients: the agent's, its Events', and
// one that plays kubectl.
struct Sim {
  std::unique_ptr<kubesim::Cluster> cluster;
  std::unique_ptr<kubesim::SimServer> server;
  std::unique_ptr<kube::KubeClient> agent_client, events_client, user_client;

  bool Start() {
    kubesim::ClusterOptions options;
    options.watch_cache_events = 200000;
    cluster = std::make_unique<kubesim::Cluster>(options);
    if (!cluster->InstallSemanticRouterCrd().ok()) return false;
    kubesim::SimServerOptions server_options;
    server_options.bearer_token = "bench";
    auto started = kubesim::SimServer::Start(server_options);
    if (!started.ok()) return false;
    server = *std::move(started);
    server->Mount("", cluster.get());
    kube::RestConfig config;
    config.server = server->Url();
    config.ca_pem = server->ca_pem();
    config.bearer_token = "bench";
    config.qps = g_qps;
    config.burst = static_cast<int>(g_qps);
    auto a = kube::KubeClient::New(config);
    auto u = kube::KubeClient::New(config);
    kube::RestConfig events_config = config;  // as main.cc: Events have their own limiter
    events_config.qps = 20;
    events_config.burst = 50;
    auto e = kube::KubeClient::New(events_config);
    if (!a.ok() || !u.ok() || !e.ok()) return false;
    agent_client = *std::move(a);
    events_client = *std::move(e);
    user_client = *std::move(u);
    (void)user_client->Create(kube::ResourceRef::Core("namespaces"),
                              {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "bench"}}}});
    (void)user_client->Create(kube::ResourceRef::Core("services", "bench"),
                              {{"apiVersion", "v1"},
                               {"kind", "Service"},
                               {"metadata", {{"name", "vllm"}, {"namespace", "bench"}}},
                               {"spec", {{"ports", Json::array({{{"name", "http"}, {"port", 8000}}})}}}});
    return true;
  }
  ~Sim() {
    if (server) server->Stop();
  }

  void CreateRouters(int n) {
    for (int i = 0; i < n; ++i) {
      Json router = {{"apiVersion", "vllm.ai/v1alpha1"},
                     {"kind", "SemanticRouter"},
                     {"metadata", {{"name", absl::StrCat("router-", i)}, {"namespace", "bench"}}},
                     {"spec",
                      {{"vllmEndpoints", Json::array({{{"name", "qwen"},
                                                       {"model", "qwen2.5-7b-instruct"},
                                                       {"backend",
                                                        {{"type", "service"},
                                                         {"service", {{"name", "vllm"}, {"port", 8000}}}}}}})}}}};
      (void)user_client->Create(RouterKindInfo().ref.WithNamespace("bench"), router);
    }
  }

  // Routers Running with observedGeneration == generation.
  int Converged() {
    auto list = user_client->List(RouterKindInfo().ref.WithNamespace("bench"));
    if (!list.ok()) return 0;
    int n = 0;
    for (const auto& r : list->items) {
      n += StringField(r, {"status", "phase"}) == "Running" &&
           IntField(r, {"status", "observedGeneration"}) == GenerationOf(r);
    }
    return n;
  }

  bool WaitConverged(int n, absl::Duration timeout) {
    const absl::Time deadline = absl::Now() + timeout;
    while (absl::Now() < deadline) {
      if (Converged() >= n) return true;
      absl::SleepFor(absl::Milliseconds(250));  // listing 1,000 routers is not free
    }
    return false;
  }
};

RouterAgentOptions BenchAgentOptions(kube::KubeClient* events_client) {
  RouterAgentOptions o;
  o.events_client = events_client;
  o.workers = g_workers;
  o.queue.qps = 10000;  // the API client's limiter is what bounds the agent here
  o.queue.burst = 10000;
  return o;
}

void BM_ConvergeRouters(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  for (auto _ : state) {
    state.PauseTiming();
    Sim sim;
    if (!sim.Start()) {
      state.SkipWithError("kubesim did not start");
      return;
    }
    RouterAgent agent(*sim.agent_client, BenchAgentOptions(sim.events_client.get()));
    if (!agent.Start().ok()) {
      state.SkipWithError("agent did not start");
      return;
    }
    state.ResumeTiming();
    const absl::Time t0 = absl::Now();
    sim.CreateRouters(n);
    const bool converged = sim.WaitConverged(n, absl::Minutes(10));
    const double seconds = absl::ToDoubleSeconds(absl::Now() - t0);
    state.PauseTiming();
    if (!converged) state.SkipWithError("not all routers converged");
    const ControllerStats stats = agent.stats();
    const kubesim::RequestCounters counters = sim.cluster->counters();
    state.counters["routers"] = n;
    state.counters["seconds_to_all_running"] = seconds;
    state.counters["routers_per_second"] = n / seconds;
    state.counters["reconciles"] = static_cast<double>(stats.reconciles);
    state.counters["reconciles_per_second"] = static_cast<double>(stats.reconciles) / seconds;
    state.counters["reconcile_errors"] = static_cast<double>(stats.errors);
    state.counters["api_writes"] = static_cast<double>(counters.writes());
    state.counters["api_requests"] = static_cast<double>(counters.total);
    agent.Stop();
    state.ResumeTiming();
  }
}

// VmRSS of another process, in bytes (0 when unreadable).
double ProcessRssBytes(pid_t pid) {
  std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atof(line.c_str() + 6) * 1024;
  }
  return 0;
}

// The srfleet-agent binary as its own process against this process's
// kubesim: its RSS is the agent's alone.
void BM_IdleMemoryAgentProcess(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  for (auto _ : state) {
    Sim sim;
    if (!sim.Start()) {
      state.SkipWithError("kubesim did not start");
      return;
    }
    char dir_template[] = "/tmp/agent-bench-XXXXXX";
    const std::string dir = ::mkdtemp(dir_template) ? dir_template : "/tmp";
    const std::string kubeconfig = dir + "/kubeconfig";
    {
      std::ofstream out(kubeconfig);
      out << sim.server->KubeconfigYaml("", "bench");
    }
    std::vector<std::string> args = {SRFLEET_AGENT_BINARY, "--kubeconfig", kubeconfig, "--metrics-bind-address",
                                     "127.0.0.1:0", "--workers", std::to_string(g_workers), "--log-level", "warn"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    pid_t pid = 0;
    const int spawned = posix_spawn(&pid, SRFLEET_AGENT_BINARY, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (spawned != 0) {
      state.SkipWithError("cannot start srfleet-agent");
      return;
    }
    absl::SleepFor(absl::Seconds(2));  // started, caches synced, idle
    const double rss_empty = ProcessRssBytes(pid);
    sim.CreateRouters(n);
    const bool converged = sim.WaitConverged(n, absl::Minutes(10));
    absl::SleepFor(absl::Seconds(12));  // idle: queues drained, read-your-writes entries expired
    const double rss_idle = ProcessRssBytes(pid);
    ::kill(pid, SIGTERM);
    ::waitpid(pid, nullptr, 0);
    std::remove(kubeconfig.c_str());
    ::rmdir(dir.c_str());
    if (!converged) state.SkipWithError("routers did not converge");
    state.counters["routers"] = n;
    state.counters["agent_rss_empty_mib"] = rss_empty / (1 << 20);
    state.counters["agent_rss_idle_mib"] = rss_idle / (1 << 20);
    state.counters["agent_kib_per_router"] = (rss_idle - rss_empty) / 1024 / n;
  }
}

}  // namespace

int main(int argc, char** argv) {
  // Our own flags first; the rest goes to Google Benchmark.
  std::vector<char*> rest;
  for (int i = 0; i < argc; ++i) {
    auto value = [&](const char* flag) -> const char* {
      const size_t len = std::strlen(flag);
      return std::strncmp(argv[i], flag, len) == 0 && argv[i][len] == '=' ? argv[i] + len + 1 : nullptr;
    };
    if (const char* v = value("--routers")) {
      g_routers = std::atoi(v);
    } else if (const char* v2 = value("--idle-routers")) {
      g_idle_routers = std::atoi(v2);
    } else if (const char* v3 = value("--qps")) {
      g_qps = std::atof(v3);
    } else if (const char* v4 = value("--workers")) {
      g_workers = std::atoi(v4);
    } else {
      rest.push_back(argv[i]);
    }
  }
  spdlog::set_level(spdlog::level::warn);
  benchmark::RegisterBenchmark("BM_ConvergeRouters", BM_ConvergeRouters)
      ->Arg(g_routers)
      ->Iterations(1)
      ->Unit(benchmark::kSecond)
      ->UseRealTime();
  benchmark::RegisterBenchmark("BM_IdleMemoryAgentProcess", BM_IdleMemoryAgentProcess)
      ->Arg(g_idle_routers)
      ->Iterations(1)
      ->Unit(benchmark::kSecond)
      ->UseRealTime();
  int rest_argc = static_cast<int>(rest.size());
  benchmark::Initialize(&rest_argc, rest.data());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
