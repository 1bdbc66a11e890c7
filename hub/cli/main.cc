// srfleet: the command line of the srfleet control plane. CLI11 lives here
// alone (it costs ~7 s a TU); each command is a plain function elsewhere.
#include <grpc/support/log.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <iostream>

#include "hub/cli/apply_command.h"
#include "hub/cli/cluster_commands.h"
#include "hub/cli/describe_command.h"
#include "hub/cli/exit_codes.h"
#include "hub/cli/get_command.h"
#include "hub/cli/hub_connection.h"
#include "hub/cli/render_command.h"
#include "hub/cli/router_commands.h"
#include "hub/cli/watch_command.h"

namespace {

std::atomic<bool> g_stop{false};  // set by Ctrl-C during `watch`

extern "C" void OnInterrupt(int) { g_stop.store(true); }

// gRPC core logs connection failures itself ("Handshake failed with fatal
// error ..."); the commands already explain them, so its logs stay off
// unless asked for with GRPC_VERBOSITY.
void QuietGrpcLogs(gpr_log_func_args*) {}

constexpr char kHubGroup[] = "Hub connection (flag > environment > config file > default)";

constexpr char kFooter[] =
    "\nThe hub: --hub, else SRFLEET_HUB, else `hub:` in $SRFLEET_CONFIG or ~/.config/srfleet/config.yaml\n"
    "(also `tls: {ca, cert, key, serverName, insecure}`), else localhost:7443, over TLS with the system roots.\n\n";

}  // namespace

int main(int argc, char** argv) {
  namespace cli = srfleet::cli;
  CLI::App app{"srfleet: deploy and run vLLM Semantic Router on one cluster or a fleet"};
  app.require_subcommand(1);
  app.fallthrough();  // hub flags may follow the subcommand: srfleet get routers --hub h:7443
  app.set_version_flag("--version", "srfleet 0.1.0");

  cli::HubFlags hub;
  app.add_option("--hub", hub.hub, "Hub address host[:port] (env SRFLEET_HUB; default localhost:7443)")
      ->group(kHubGroup);
  app.add_option("--tls-ca", hub.tls_ca, "CA bundle that signed the hub's certificate (env SRFLEET_TLS_CA)")
      ->group(kHubGroup);
  app.add_option("--tls-cert", hub.tls_cert, "Client certificate for mutual TLS (env SRFLEET_TLS_CERT)")
      ->group(kHubGroup);
  app.add_option("--tls-key", hub.tls_key, "Client certificate key (env SRFLEET_TLS_KEY)")->group(kHubGroup);
  app.add_option("--tls-server-name", hub.tls_server_name,
                 "Name to check the hub's certificate against (env SRFLEET_TLS_SERVER_NAME)")
      ->group(kHubGroup);
  app.add_flag("--insecure", hub.insecure, "Plaintext, no TLS: local development only (env SRFLEET_INSECURE=1)")
      ->group(kHubGroup);
  app.add_option("--timeout", hub.timeout, "Deadline per hub call, e.g. 10s, 1m (default 10s)")->group(kHubGroup);

  // ---- render (offline) ----
  cli::RenderOptions render;
  auto* render_cmd = app.add_subcommand(
      "render", "Print the Kubernetes objects for SemanticRouter manifests, offline (like helm template)");
  render_cmd->add_option("-f,--filename", render.files, "SemanticRouter YAML/JSON file; - for standard input")
      ->required();
  render_cmd->add_option("--platform", render.platform, "Target platform: kubernetes or openshift")
      ->capture_default_str();
  render_cmd->add_option("-n,--namespace", render.default_namespace, "Namespace for routers that name none")
      ->capture_default_str();
  render_cmd->add_option("-o,--output", render.output, "Output format: yaml or json")->capture_default_str();
  render_cmd->add_flag("!--no-gateway-api", render.gateway_api,
                       "Assume the cluster does not serve Gateway API (warns in gateway mode)");

  // ---- apply ----
  cli::ApplyArgs apply;
  auto* apply_cmd = app.add_subcommand("apply", "Store SemanticRouters on the hub, placed on matching clusters");
  apply_cmd->add_option("-f,--filename", apply.files, "SemanticRouter YAML/JSON file; - for standard input")
      ->required();
  apply_cmd->add_option("--placement", apply.placement,
                        "Label selector over cluster labels and claims, e.g. 'env=prod,srfleet.io/platform in "
                        "(openshift)' (default: every cluster)");
  apply_cmd->add_option("-n,--namespace", apply.ns, "Namespace for routers that name none (default: default)");
  apply_cmd->add_flag("--dry-run", apply.dry_run, "Let the hub check and place, but store nothing");

  // ---- get ----
  auto* get_cmd = app.add_subcommand("get", "List routers or clusters");
  get_cmd->require_subcommand(1);
  cli::GetRoutersArgs get_routers;
  auto* get_routers_cmd = get_cmd->add_subcommand("routers", "Routers (intents) and how they are doing");
  get_routers_cmd->alias("router")->alias("semanticrouters")->alias("semanticrouter")->alias("sr");
  get_routers_cmd->add_option("NAME", get_routers.name, "One router: NAME or NAMESPACE/NAME");
  get_routers_cmd->add_option("-n,--namespace", get_routers.ns, "Namespace (default: default)");
  get_routers_cmd->add_flag("-A,--all-namespaces", get_routers.all_namespaces, "Every namespace");
  get_routers_cmd->add_option("-o,--output", get_routers.output, "wide, json, yaml or name");
  cli::GetClustersArgs get_clusters;
  auto* get_clusters_cmd = get_cmd->add_subcommand("clusters", "Clusters and their agents");
  get_clusters_cmd->alias("cluster");
  get_clusters_cmd->add_option("NAME", get_clusters.name, "One cluster");
  get_clusters_cmd->add_option("-o,--output", get_clusters.output, "wide, json, yaml or name");

  // ---- describe ----
  auto* describe_cmd = app.add_subcommand("describe", "Show everything about a router or a cluster");
  describe_cmd->require_subcommand(1);
  cli::DescribeRouterArgs describe_router;
  // `<verb> router NAME [-n NS]`, the same for describe, delete and history.
  auto add_router_subcommand = [](CLI::App* parent, const std::string& help, std::string& name, std::string& ns) {
    auto* cmd = parent->add_subcommand("router", help);
    cmd->alias("routers")->alias("semanticrouter")->alias("sr");
    cmd->add_option("NAME", name, "NAME or NAMESPACE/NAME")->required();
    cmd->add_option("-n,--namespace", ns, "Namespace (default: default)");
    return cmd;
  };
  auto* describe_router_cmd = add_router_subcommand(describe_cmd, "A router on every cluster it is placed on",
                                                    describe_router.name, describe_router.ns);
  cli::DescribeClusterArgs describe_cluster;
  auto* describe_cluster_cmd = describe_cmd->add_subcommand("cluster", "A cluster and the routers placed on it");
  describe_cluster_cmd->alias("clusters");
  describe_cluster_cmd->add_option("NAME", describe_cluster.name, "Cluster name")->required();

  // ---- delete / history ----
  auto* delete_cmd = app.add_subcommand("delete", "Delete a router from the hub (and so from its clusters)");
  delete_cmd->require_subcommand(1);
  cli::DeleteRouterArgs delete_router;
  auto* delete_router_cmd = add_router_subcommand(delete_cmd, "Delete a router", delete_router.name, delete_router.ns);

  auto* history_cmd = app.add_subcommand("history", "Revisions of a router");
  history_cmd->require_subcommand(1);
  cli::HistoryArgs history;
  auto* history_router_cmd =
      add_router_subcommand(history_cmd, "Revisions of a router, oldest first", history.name, history.ns);
  history_router_cmd->add_option("-o,--output", history.output, "json or yaml");

  // ---- clusters ----
  auto* clusters_cmd = app.add_subcommand("clusters", "Register or deregister clusters");
  clusters_cmd->require_subcommand(1);
  cli::RegisterClusterArgs register_cluster;
  auto* register_cmd = clusters_cmd->add_subcommand("register", "Register a cluster (or update its labels)");
  register_cmd->add_option("NAME", register_cluster.name, "Cluster name (its agent's --cluster-name)")->required();
  register_cmd->add_option("--label", register_cluster.labels, "Hub-side label KEY=VALUE (repeatable)");
  register_cmd->add_flag("--replace-labels", register_cluster.replace_labels,
                         "Replace the hub-side labels instead of merging");
  cli::DeregisterClusterArgs deregister_cluster;
  auto* deregister_cmd = clusters_cmd->add_subcommand("deregister", "Forget a cluster");
  deregister_cmd->add_option("NAME", deregister_cluster.name, "Cluster name")->required();

  // ---- watch ----
  cli::WatchArgs watch;
  auto* watch_cmd = app.add_subcommand("watch", "Print the hub's events as they happen, until Ctrl-C");
  watch_cmd->add_option("--router", watch.router, "Only this router's events: NAME or NAMESPACE/NAME");
  watch_cmd->add_option("-n,--namespace", watch.ns, "Namespace of a bare --router NAME (default: default)");
  watch_cmd->add_option("--cluster", watch.cluster, "Only this cluster's events");
  watch_cmd->add_option("--timeout", watch.timeout, "Stop after this long, e.g. 30s, 5m (default: until Ctrl-C)");

  app.footer(std::string(kFooter) + cli::kExitCodeHelp);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? cli::kOk : cli::kUsage;
  }
  if (*render_cmd) return cli::RunRender(render, std::cout, std::cerr);

  // Everything else talks to the hub.
  if (std::getenv("GRPC_VERBOSITY") == nullptr) gpr_set_log_function(QuietGrpcLogs);
  absl::StatusOr<cli::HubSettings> settings = cli::ResolveHubSettings(hub, cli::ProcessEnvironment());
  if (!settings.ok()) {
    std::cerr << "error: " << settings.status().message() << "\n";
    return cli::ExitCodeForSettingsError(settings.status());
  }
  absl::StatusOr<std::unique_ptr<cli::FleetApi>> api = cli::ConnectToHub(*settings);
  if (!api.ok()) {
    std::cerr << "error: " << api.status().message() << "\n";
    return cli::ExitCodeForSettingsError(api.status());
  }
  cli::FleetApi& fleet = **api;
  std::ostream& out = std::cout;
  std::ostream& err = std::cerr;

  if (*apply_cmd) return cli::RunApply(apply, fleet, out, err);
  if (*get_routers_cmd) return cli::RunGetRouters(get_routers, fleet, out, err);
  if (*get_clusters_cmd) return cli::RunGetClusters(get_clusters, fleet, out, err);
  if (*describe_router_cmd) return cli::RunDescribeRouter(describe_router, fleet, out, err);
  if (*describe_cluster_cmd) return cli::RunDescribeCluster(describe_cluster, fleet, out, err);
  if (*delete_router_cmd) return cli::RunDeleteRouter(delete_router, fleet, out, err);
  if (*history_router_cmd) return cli::RunHistory(history, fleet, out, err);
  if (*register_cmd) return cli::RunRegisterCluster(register_cluster, fleet, out, err);
  if (*deregister_cmd) return cli::RunDeregisterCluster(deregister_cluster, fleet, out, err);
  if (*watch_cmd) {
    std::signal(SIGINT, OnInterrupt);
    std::signal(SIGTERM, OnInterrupt);
    watch.stop = &g_stop;
    return cli::RunWatch(watch, fleet, out, err);
  }
  return cli::kUsage;
}
