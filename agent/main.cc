// srfleet-agent: the single-cluster operator for SemanticRouters.
//
//   srfleet-agent                       # in-cluster, or $KUBECONFIG / ~/.kube/config
//   srfleet-agent --kubeconfig k.yaml --context prod --namespace llm
//   srfleet-agent --simulate            # an in-process kubesim cluster to try it on
//   srfleet-agent --hub hub.example:8443 --cluster-name prod-eu --hub-ca ca.pem
//       --hub-cert c.pem --hub-key c.key  # (one line) also take intents from a hub
//
// Flags and process concerns live here: config loading, logs, /metrics
// /healthz /readyz, Lease leader election, signals. The reconciler and its
// wiring are in agent/reconcile/, the link to the hub in agent/hublink/.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "agent/hublink/claims.h"
#include "agent/hublink/hub_link.h"
#include "agent/ops/leader_election.h"
#include "agent/ops/metrics.h"
#include "agent/ops/ops_routes.h"
#include "agent/reconcile/router_agent.h"
#include "shared/grpc/tls_credentials.h"
#include "shared/kube/kube_client.h"
#include "shared/kube/rest_config.h"
#include "shared/kubesim/cluster.h"
#include "shared/kubesim/sim_server.h"
#include "shared/text/k8s_names.h"
#include "spdlog/spdlog.h"

namespace srfleet::agent {
namespace {

constexpr char kAgentVersion[] = "0.1";

struct Flags {
  std::string kubeconfig;
  std::string context;
  std::string ns;
  bool simulate = false;
  bool simulate_openshift = false;
  std::string simulate_kubeconfig_out;
  int workers = 2;
  std::string resync_period = "10m";
  std::string platform_poll_interval = "30s";
  std::string metrics_bind_address = "127.0.0.1:8080";
  std::string metrics_tls_cert, metrics_tls_key;  // both: /metrics etc. over HTTPS only
  std::string leader_elect = "auto";  // auto: on in-cluster, off otherwise and with --simulate
  std::string leader_election_namespace;
  std::string log_level = "info";
  // The hub link (none: standalone, the cluster is managed locally only).
  std::string hub;
  std::string cluster_name;
  std::vector<std::string> cluster_labels;  // k=v
  std::string hub_ca, hub_cert, hub_key, hub_server_name;
  bool hub_insecure = false;
  // A mounted Secret (optional): address, cluster-name, labels, ca.crt,
  // tls.crt, tls.key. No `address` file: standalone.
  std::string hub_config_dir;
};

// Fills the hub flags from --hub-config-dir. In a Pod the directory is an
// optional Secret volume: present means fleet mode, absent or without an
// address means standalone, with no shell or templating needed.
absl::Status ApplyHubConfigDir(Flags& flags) {
  if (flags.hub_config_dir.empty()) return absl::OkStatus();
  namespace fs = std::filesystem;
  const fs::path dir(flags.hub_config_dir);
  auto read = [&dir](const char* name) -> std::string {
    std::ifstream in(dir / name);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return std::string(absl::StripAsciiWhitespace(text));
  };
  const std::string address = read("address");
  if (address.empty()) return absl::OkStatus();  // standalone
  if (!flags.hub.empty()) {
    return absl::InvalidArgumentError("--hub and --hub-config-dir " + flags.hub_config_dir +
                                      "/address: give one or the other");
  }
  flags.hub = address;
  if (flags.cluster_name.empty()) flags.cluster_name = read("cluster-name");
  for (absl::string_view line : absl::StrSplit(read("labels"), '\n', absl::SkipWhitespace())) {
    flags.cluster_labels.emplace_back(absl::StripAsciiWhitespace(line));
  }
  auto file_if_present = [&dir](const char* name, std::string& flag) {
    std::error_code ec;
    if (flag.empty() && fs::exists(dir / name, ec)) flag = (dir / name).string();
  };
  file_if_present("ca.crt", flags.hub_ca);
  file_if_present("tls.crt", flags.hub_cert);
  file_if_present("tls.key", flags.hub_key);
  return absl::OkStatus();
}


// The hub flags, checked; an error message for a usage error.
struct HubFlags {
  std::map<std::string, std::string> labels;
};
absl::StatusOr<HubFlags> CheckHubFlags(const Flags& flags) {
  HubFlags out;
  const bool any_tls =
      !flags.hub_ca.empty() || !flags.hub_cert.empty() || !flags.hub_key.empty() || !flags.hub_server_name.empty();
  if (flags.hub.empty()) {
    if (!flags.cluster_name.empty() || !flags.cluster_labels.empty() || any_tls || flags.hub_insecure) {
      return absl::InvalidArgumentError("--cluster-name, --cluster-label and --hub-* need --hub");
    }
    return out;
  }
  if (flags.cluster_name.empty()) return absl::InvalidArgumentError("--hub needs --cluster-name");
  if ((flags.cluster_name.size() > text::kMaxDnsLabelLength || !text::IsDns1123Label(flags.cluster_name))) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--cluster-name: not a DNS-1123 label (lower-case letters, digits, '-', at most 63): ", flags.cluster_name));
  }
  if (flags.hub_insecure && any_tls) {
    return absl::InvalidArgumentError(
        "--hub-insecure: plaintext takes no --hub-ca/--hub-cert/--hub-key/--hub-server-name");
  }
  for (const std::string& kv : flags.cluster_labels) {
    const size_t eq = kv.find('=');
    if (eq == 0 || eq == std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat("--cluster-label: not key=value: ", kv));
    }
    out.labels[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return out;
}

// Logs as key=value lines (ts, level, then the message's own fields).
void SetUpLogging(const std::string& level) {
  spdlog::set_pattern("ts=%Y-%m-%dT%H:%M:%S.%eZ level=%l %v", spdlog::pattern_time_type::utc);
  spdlog::set_level(spdlog::level::from_str(level));
}

// The in-process kubesim of --simulate.
struct Simulation {
  std::unique_ptr<kubesim::Cluster> cluster;
  std::unique_ptr<kubesim::SimServer> server;
  std::string kubeconfig_path;
};

absl::StatusOr<Simulation> StartSimulation(const Flags& flags) {
  Simulation sim;
  kubesim::ClusterOptions options;
  options.name = "srfleet-sim";
  options.openshift = flags.simulate_openshift;
  options.gateway_api = true;
  options.kserve = true;
  sim.cluster = std::make_unique<kubesim::Cluster>(options);
  if (absl::Status crd = sim.cluster->InstallSemanticRouterCrd(); !crd.ok()) return crd;
  kubesim::SimServerOptions server_options;
  server_options.bearer_token = absl::StrCat("sim-", ::getpid(), "-", absl::ToUnixNanos(absl::Now()));
  absl::StatusOr<std::unique_ptr<kubesim::SimServer>> server = kubesim::SimServer::Start(server_options);
  if (!server.ok()) return server.status();
  sim.server = *std::move(server);
  sim.server->Mount("", sim.cluster.get());
  sim.kubeconfig_path = flags.simulate_kubeconfig_out.empty()
                            ? (std::filesystem::temp_directory_path() /
                               absl::StrCat("srfleet-agent-sim-", ::getpid(), ".kubeconfig"))
                                  .string()
                            : flags.simulate_kubeconfig_out;
  {
    std::ofstream out(sim.kubeconfig_path, std::ios::trunc);
    out << sim.server->KubeconfigYaml("", server_options.bearer_token);
    if (!out) return absl::UnavailableError(absl::StrCat("cannot write ", sim.kubeconfig_path));
  }
  std::filesystem::permissions(sim.kubeconfig_path, std::filesystem::perms::owner_read |
                                                        std::filesystem::perms::owner_write);
  return sim;
}

// Objects the samples need, so `kubectl apply -f samples/simple.yaml` (and
// samples/llamastack.yaml) works on a fresh simulated cluster.
void SeedSimulation(kube::KubeClient& client) {
  (void)client.Create(kube::ResourceRef::Core("namespaces"),
                      {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "llm"}}}});
  (void)client.Create(kube::ResourceRef::Core("services", "llm"),
                      {{"apiVersion", "v1"},
                       {"kind", "Service"},
                       {"metadata", {{"name", "vllm-qwen"}, {"namespace", "llm"}}},
                       {"spec", {{"ports", Json::array({{{"name", "http"}, {"port", 8000}}})},
                                 {"selector", {{"app", "vllm-qwen"}}}}}});
  // A Llama Stack server, found by the labels of samples/llamastack.yaml.
  (void)client.Create(kube::ResourceRef::Core("services", "llm"),
                      {{"apiVersion", "v1"},
                       {"kind", "Service"},
                       {"metadata", {{"name", "llama-stack"},
                                     {"namespace", "llm"},
                                     {"labels", {{"app", "llama-stack"}, {"model", "llama-3.3-70b"}}}}},
                       {"spec", {{"ports", Json::array({{{"name", "http"}, {"port", 8321}}})},
                                 {"selector", {{"app", "llama-stack"}}}}}});
}

absl::StatusOr<kube::RestConfig> LoadConfig(const Flags& flags, const std::string& kubeconfig) {
  if (!kubeconfig.empty()) return kube::LoadKubeconfig(kubeconfig, flags.context);
  if (!flags.context.empty() && std::getenv("KUBERNETES_SERVICE_HOST") == nullptr) {
    return kube::LoadFromEnvironment(flags.context);
  }
  return kube::LoadDefaultConfig();
}

bool ParseBool(const std::string& s, bool fallback) {
  if (s == "true" || s == "1" || s == "yes") return true;
  if (s == "false" || s == "0" || s == "no") return false;
  return fallback;
}

int Run(Flags flags) {
  SetUpLogging(flags.log_level);
  absl::Duration resync;
  if (!absl::ParseDuration(flags.resync_period, &resync) || resync < absl::ZeroDuration()) {
    std::fprintf(stderr, "error: --resync-period: not a duration: %s (e.g. 10m, 30s)\n", flags.resync_period.c_str());
    return 2;
  }
  absl::Duration platform_poll;
  if (!absl::ParseDuration(flags.platform_poll_interval, &platform_poll) || platform_poll <= absl::ZeroDuration()) {
    std::fprintf(stderr, "error: --platform-poll-interval: not a positive duration: %s\n",
                 flags.platform_poll_interval.c_str());
    return 2;
  }
  absl::StatusOr<ops::HttpServerOptions> bind = ops::ParseBindAddress(flags.metrics_bind_address);
  if (!bind.ok()) {
    std::fprintf(stderr, "error: --metrics-bind-address: %s\n", std::string(bind.status().message()).c_str());
    return 2;
  }
  if (flags.metrics_tls_cert.empty() != flags.metrics_tls_key.empty()) {
    std::fprintf(stderr, "error: --metrics-tls-cert and --metrics-tls-key: give both or neither\n");
    return 2;
  }
  // The files are read (and their errors reported) when the server starts.
  bind->tls_cert_file = flags.metrics_tls_cert;
  bind->tls_key_file = flags.metrics_tls_key;
  if (absl::Status s = ApplyHubConfigDir(flags); !s.ok()) {
    std::fprintf(stderr, "error: %s\n", std::string(s.message()).c_str());
    return 2;
  }
  absl::StatusOr<HubFlags> hub_flags = CheckHubFlags(flags);
  if (!hub_flags.ok()) {
    std::fprintf(stderr, "error: %s\n", std::string(hub_flags.status().message()).c_str());
    return 2;
  }
  std::shared_ptr<grpc::ChannelCredentials> hub_credentials;
  if (!flags.hub.empty()) {
    grpcutil::ClientTlsFiles files;
    files.insecure = flags.hub_insecure;
    files.ca_file = flags.hub_ca;
    files.cert_file = flags.hub_cert;
    files.key_file = flags.hub_key;
    files.server_name = flags.hub_server_name;
    absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials = grpcutil::MakeChannelCredentials(files);
    if (!credentials.ok()) {
      std::fprintf(stderr, "error: hub credentials: %s\n", std::string(credentials.status().message()).c_str());
      return 1;
    }
    hub_credentials = *std::move(credentials);
  }

  // Signals are taken synchronously by the main thread (sigwait): block them
  // before any thread starts so every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::optional<Simulation> sim;
  std::string kubeconfig = flags.kubeconfig;
  if (flags.simulate) {
    absl::StatusOr<Simulation> started = StartSimulation(flags);
    if (!started.ok()) {
      spdlog::error("msg=\"cannot start the simulated cluster\" error=\"{}\"", std::string(started.status().message()));
      return 1;
    }
    sim = *std::move(started);
    kubeconfig = sim->kubeconfig_path;
  }

  absl::StatusOr<kube::RestConfig> config = LoadConfig(flags, kubeconfig);
  if (!config.ok()) {
    spdlog::error("msg=\"no cluster configuration\" error=\"{}\"", std::string(config.status().message()));
    return 1;
  }
  config->user_agent = "srfleet-agent/0.1";

  auto metrics = std::make_shared<AgentMetrics>();
  kube::ClientOptions client_options;
  client_options.observer = metrics;
  absl::StatusOr<std::unique_ptr<kube::KubeClient>> client = kube::KubeClient::New(*config, client_options);
  if (!client.ok()) {
    spdlog::error("msg=\"bad cluster configuration\" error=\"{}\"", std::string(client.status().message()));
    return 1;
  }
  if (sim) SeedSimulation(**client);
  // Events get their own client and rate limit (see RouterAgentOptions).
  kube::RestConfig events_config = *config;
  events_config.qps = 20;
  events_config.burst = 50;
  absl::StatusOr<std::unique_ptr<kube::KubeClient>> events_client =
      kube::KubeClient::New(events_config, client_options);
  if (!events_client.ok()) {
    spdlog::error("msg=\"bad cluster configuration\" error=\"{}\"", std::string(events_client.status().message()));
    return 1;
  }

  RouterAgentOptions options;
  options.watch_namespace = flags.ns;
  options.workers = flags.workers;
  options.resync_period = resync;
  options.platform_interval = platform_poll;
  options.observer = metrics.get();
  options.events_client = events_client->get();
  RouterAgent agent(**client, options);
  metrics->SetWorkqueueDepthSource([&agent] { return agent.queue().Len(); });

  // The hub link: started once the caches are warm and (with leader
  // election) only by the leader, so one agent per cluster talks to the hub.
  // Neither readiness nor reconciling depends on it.
  std::unique_ptr<hublink::HubLink> hub_link;
  if (!flags.hub.empty()) {
    hublink::HubLinkOptions link;
    link.hub_address = flags.hub;
    link.credentials = hub_credentials;
    link.tls_server_name = flags.hub_server_name;
    link.cluster_name = flags.cluster_name;
    link.labels = hub_flags->labels;
    link.agent_version = kAgentVersion;
    link.watch_namespace = flags.ns;
    link.claims = [&agent] {
      std::optional<render::PlatformFacts> facts = agent.platform();
      return facts ? hublink::ClaimsFromPlatform(*facts) : std::map<std::string, std::string>();
    };
    hub_link = std::make_unique<hublink::HubLink>(**client, std::move(link));
  }
  auto start_hub_link = [&hub_link] {
    if (!hub_link) return;
    if (absl::Status s = hub_link->Start(); !s.ok()) {
      spdlog::error("msg=\"hub link not started\" error=\"{}\"", std::string(s.message()));
    }
  };

  const bool in_cluster = std::getenv("KUBERNETES_SERVICE_HOST") != nullptr;
  const bool leader_elect = ParseBool(flags.leader_elect, in_cluster && !flags.simulate);
  std::unique_ptr<LeaderElector> elector;
  std::atomic<bool> shutting_down{false};
  if (leader_elect) {
    LeaderElectionConfig le;
    le.lease_name = "srfleet-agent";
    le.lease_namespace = !flags.leader_election_namespace.empty() ? flags.leader_election_namespace
                         : !config->ns.empty()                    ? config->ns
                                                                  : "default";
    le.on_started_leading = [&agent, &metrics, &start_hub_link] {
      spdlog::info("msg=\"became leader; starting workers\"");
      metrics->SetLeader(true);
      agent.StartWorkers();
      start_hub_link();
    };
    le.on_stopped_leading = [&shutting_down, &metrics] {
      metrics->SetLeader(false);
      if (shutting_down.load()) return;
      // Another replica may already reconcile: stop at once, as
      // controller-runtime does, and let the pod restart as a candidate.
      spdlog::error("msg=\"lost leadership; exiting\"");
      ::kill(::getpid(), SIGTERM);
    };
    kube::ClientOptions base;
    base.observer = metrics;
    absl::StatusOr<std::unique_ptr<LeaderElector>> made = LeaderElector::New(*config, le, base);
    if (!made.ok()) {
      spdlog::error("msg=\"leader election setup failed\" error=\"{}\"", std::string(made.status().message()));
      return 1;
    }
    elector = *std::move(made);
  }

  // Ready = caches synced, leader or not: a standby is ready to take over,
  // and a 503 standby would stall every rolling update of the Deployment.
  auto readiness = [&agent]() -> absl::Status {
    if (!agent.Synced()) return absl::UnavailableError("informers not synced");
    return absl::OkStatus();
  };
  absl::StatusOr<std::unique_ptr<ops::HttpServer>> http = ops::HttpServer::Start(*bind, OpsRoutes(metrics.get(), readiness));
  if (!http.ok()) {
    spdlog::error("msg=\"cannot serve metrics/health\" address={} error=\"{}\"", flags.metrics_bind_address,
                  std::string(http.status().message()));
    return 1;
  }
  spdlog::info("msg=\"serving /metrics /healthz /readyz\" url={}", (*http)->Url());

  absl::Status started = agent.StartInformers(absl::Minutes(2));
  if (!started.ok()) {
    spdlog::error("msg=\"cannot start\" error=\"{}\"", std::string(started.message()));
    return 1;
  }
  if (!agent.WaitForSync(absl::Minutes(5))) spdlog::warn("msg=\"informers not synced after 5m; starting anyway\"");
  if (elector) {
    spdlog::info("msg=\"leader election on\" lease={} identity={}", "srfleet-agent", elector->identity());
    elector->Start();
  } else {
    metrics->SetLeader(true);  // the only replica: it reconciles
    agent.StartWorkers();
    start_hub_link();
  }
  spdlog::info("msg=\"srfleet-agent running\" namespace={} workers={} resync={} hub={}",
               flags.ns.empty() ? "<all>" : flags.ns, flags.workers, absl::FormatDuration(resync),
               flags.hub.empty() ? "<none: standalone>" : flags.hub);
  if (sim) {
    std::printf("\nA simulated cluster is running. Try:\n\n  kubectl --kubeconfig %s apply -f samples/simple.yaml\n"
                "  kubectl --kubeconfig %s -n llm get semanticrouters,deployments,services\n\n",
                sim->kubeconfig_path.c_str(), sim->kubeconfig_path.c_str());
    std::fflush(stdout);
  }

  int sig = 0;
  sigwait(&signals, &sig);
  shutting_down = true;
  spdlog::info("msg=\"shutting down\" signal={}", sig == SIGTERM ? "SIGTERM" : "SIGINT");
  // The link first: a successor that takes the lease must not find this
  // agent still talking to the hub for the same cluster. Started later by a
  // late leadership callback, Start() refuses (stopped).
  if (hub_link) hub_link->Stop();
  if (elector) elector->Stop();  // releases the lease for a successor
  agent.Stop();
  metrics->SetWorkqueueDepthSource(nullptr);
  (*http)->Stop();
  if (sim) {
    sim->server->Stop();
    std::error_code ec;
    std::filesystem::remove(sim->kubeconfig_path, ec);
  }
  spdlog::info("msg=\"stopped\"");
  return 0;
}

}  // namespace
}  // namespace srfleet::agent

int main(int argc, char** argv) {
  srfleet::agent::Flags flags;
  CLI::App app{"srfleet-agent: deploys and runs vLLM Semantic Routers (SemanticRouter, vllm.ai/v1alpha1) on one cluster"};
  app.add_option("--kubeconfig", flags.kubeconfig, "kubeconfig file (default: in-cluster, $KUBECONFIG, ~/.kube/config)");
  app.add_option("--context", flags.context, "kubeconfig context (default: its current context)");
  app.add_option("--namespace", flags.ns, "watch only this namespace (default: all)");
  app.add_flag("--simulate", flags.simulate, "run against an in-process simulated cluster (kubesim)");
  app.add_flag("--simulate-openshift", flags.simulate_openshift, "with --simulate: the cluster looks like OpenShift");
  app.add_option("--simulate-kubeconfig-out", flags.simulate_kubeconfig_out,
                 "with --simulate: where to write the cluster's kubeconfig (default: a temp file)");
  app.add_option("--workers", flags.workers, "concurrent reconciles")->check(CLI::Range(1, 64));
  app.add_option("--resync-period", flags.resync_period, "re-check every object this often (e.g. 10m, 30s; 0: never)");
  app.add_option("--platform-poll-interval", flags.platform_poll_interval,
                 "re-run discovery (OpenShift, Gateway API, KServe) this often");
  app.add_option("--metrics-bind-address", flags.metrics_bind_address, "host:port of /metrics /healthz /readyz");
  app.add_option("--metrics-tls-cert", flags.metrics_tls_cert,
                 "certificate (PEM) to serve /metrics /healthz /readyz over HTTPS only (default: plain HTTP)");
  app.add_option("--metrics-tls-key", flags.metrics_tls_key, "private key (PEM) of --metrics-tls-cert");
  app.add_option("--leader-elect", flags.leader_elect,
                 "true/false: take a Lease so that one replica reconciles (default: on in-cluster, off otherwise)")
      ->expected(0, 1)
      ->default_str("auto");
  app.add_option("--leader-election-namespace", flags.leader_election_namespace,
                 "namespace of the Lease (default: the client's namespace)");
  app.add_option("--log-level", flags.log_level, "trace, debug, info, warn, error");
  app.add_option("--hub", flags.hub, "host:port of the srfleet hub to take intents from (default: none, standalone)");
  app.add_option("--cluster-name", flags.cluster_name, "with --hub: this cluster's name at the hub (DNS-1123 label)");
  app.add_option("--cluster-label", flags.cluster_labels, "with --hub: a label of this cluster, key=value (repeatable)")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("--hub-ca", flags.hub_ca, "CA bundle (PEM) the hub's certificate must chain to (default: system roots)");
  app.add_option("--hub-cert", flags.hub_cert, "client certificate (PEM) for mutual TLS; the hub checks it names the cluster");
  app.add_option("--hub-key", flags.hub_key, "private key (PEM) of --hub-cert");
  app.add_option("--hub-config-dir", flags.hub_config_dir,
                 "directory with address, cluster-name, labels (k=v lines), ca.crt, tls.crt, tls.key (a mounted "
                 "Secret); without an address file: standalone");
  app.add_option("--hub-server-name", flags.hub_server_name,
                 "name to verify the hub's certificate against (default: the host of --hub)");
  app.add_flag("--hub-insecure", flags.hub_insecure, "plaintext to the hub (local development only)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  // A bare --leader-elect means true.
  if (app.count("--leader-elect") > 0 && (flags.leader_elect.empty() || flags.leader_elect == "auto")) {
    flags.leader_elect = "true";
  }
  return srfleet::agent::Run(flags);
}
