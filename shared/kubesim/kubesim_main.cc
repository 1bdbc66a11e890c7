// kubesim: simulated Kubernetes API servers on loopback, for trying the agent
// and hub by hand or from scripts.
//
//   kubesim --clusters 3 --kubeconfig-out /tmp/kc [--openshift] [--port P]
//           [--token T] [--http] [--require-client-cert] [--threads 2]
//
// Serves sim-0..sim-(N-1) under /clusters/<name>, and sim-0 also at the root
// (for tools that cannot carry a path in the server URL). Prints the root URL
// on stdout, writes a kubeconfig with one context per cluster, and runs until
// SIGINT/SIGTERM.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "shared/kubesim/cluster.h"
#include "shared/kubesim/sim_server.h"

namespace {

using srfleet::kubesim::Cluster;
using srfleet::kubesim::ClusterOptions;
using srfleet::kubesim::SimServer;
using srfleet::kubesim::SimServerOptions;

struct Flags {
  int clusters = 1;
  bool openshift = false;
  int port = 0;
  std::string kubeconfig_out;
  std::string token;
  bool http = false;
  bool require_client_cert = false;
  int threads = 2;
};

int Run(const Flags& flags) {
  // Block the stop signals before any thread exists, so every server thread
  // inherits the mask and only sigwait() below ever sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  std::vector<std::unique_ptr<Cluster>> clusters;
  for (int i = 0; i < flags.clusters; ++i) {
    ClusterOptions options;
    options.name = absl::StrCat("sim-", i);
    options.openshift = flags.openshift;
    clusters.push_back(std::make_unique<Cluster>(options));
    if (absl::Status s = clusters.back()->InstallSemanticRouterCrd(); !s.ok()) {
      std::fprintf(stderr, "kubesim: installing the SemanticRouter CRD: %s\n", s.ToString().c_str());
      return 1;
    }
  }

  SimServerOptions options;
  options.tls = !flags.http;
  options.port = flags.port;
  options.threads = flags.threads;
  options.bearer_token = flags.token;
  options.require_client_cert = flags.require_client_cert;
  absl::StatusOr<std::unique_ptr<SimServer>> server = SimServer::Start(options);
  if (!server.ok()) {
    std::fprintf(stderr, "kubesim: %s\n", server.status().ToString().c_str());
    return 1;
  }
  std::vector<std::string> prefixes;
  (*server)->Mount("", clusters.front().get());
  for (const auto& cluster : clusters) {
    prefixes.push_back("/clusters/" + cluster->options().name);
    (*server)->Mount(prefixes.back(), cluster.get());
  }

  if (!flags.kubeconfig_out.empty()) {
    std::ofstream out(flags.kubeconfig_out, std::ios::trunc);
    out << (*server)->MultiClusterKubeconfigYaml(prefixes, flags.token);
    out.close();
    if (!out) {
      std::fprintf(stderr, "kubesim: cannot write %s\n", flags.kubeconfig_out.c_str());
      return 1;
    }
  }
  std::printf("%s\n", (*server)->Url().c_str());
  std::fflush(stdout);
  std::fprintf(stderr, "kubesim: %d cluster(s) at %s/clusters/sim-N%s%s; Ctrl-C stops\n", flags.clusters,
               (*server)->Url().c_str(), flags.kubeconfig_out.empty() ? "" : ", kubeconfig ",
               flags.kubeconfig_out.c_str());

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  std::fprintf(stderr, "kubesim: signal %d, shutting down\n", signal_number);
  (*server)->Stop();  // before the clusters it serves go away
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  CLI::App app{"kubesim: simulated Kubernetes API servers on 127.0.0.1"};
  app.add_option("--clusters", flags.clusters, "how many clusters (sim-0..)")->check(CLI::Range(1, 100000));
  app.add_flag("--openshift", flags.openshift, "serve route.openshift.io (OpenShift discovery)");
  app.add_option("--port", flags.port, "listen port (0: any free port)")->check(CLI::Range(0, 65535));
  app.add_option("--kubeconfig-out", flags.kubeconfig_out, "write a kubeconfig here");
  app.add_option("--token", flags.token, "require this bearer token and put it in the kubeconfig (default: a client certificate)");
  app.add_flag("--http", flags.http, "plain HTTP instead of HTTPS");
  app.add_flag("--require-client-cert", flags.require_client_cert,
               "refuse TLS clients without a certificate from the kubeconfig's CA");
  app.add_option("--threads", flags.threads, "server threads")->check(CLI::Range(1, 64));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;  // --help is 0; usage errors are 2
  }
  return Run(flags);
}
