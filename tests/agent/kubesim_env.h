// One kubesim cluster behind one HTTPS server, and kube clients made from the
// kubeconfig it writes: what the agent's runtime tests run against.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "shared/kube/kube_client.h"
#include "shared/kube/rest_config.h"
#include "shared/kubesim/cluster.h"
#include "shared/kubesim/sim_server.h"
#include "tests/shared/kube/temp_dir.h"

namespace srfleet::agent::testing {

inline constexpr char kSimToken[] = "agent-test-token";

class KubesimEnv {
 public:
  explicit KubesimEnv(kubesim::ClusterOptions options = {}) {
    cluster_ = std::make_unique<kubesim::Cluster>(std::move(options));
    server_ = StartServer(cluster_.get());
    if (server_ == nullptr) return;
    absl::StatusOr<kube::RestConfig> config =
        kube::LoadKubeconfig(dir_.Write("kubeconfig", server_->KubeconfigYaml("", kSimToken)));
    EXPECT_TRUE(config.ok()) << config.status();
    if (config.ok()) config_ = *std::move(config);
    config_.timeout = absl::Seconds(10);
  }
  ~KubesimEnv() {
    if (server_) server_->Stop();  // before the cluster goes
  }
  KubesimEnv(const KubesimEnv&) = delete;
  KubesimEnv& operator=(const KubesimEnv&) = delete;

  // A second server in front of the same cluster: a separate network path
  // that a test can cut (Stop()) without affecting the first.
  static std::unique_ptr<kubesim::SimServer> StartServer(kubesim::Cluster* cluster) {
    kubesim::SimServerOptions options;
    options.bearer_token = kSimToken;
    absl::StatusOr<std::unique_ptr<kubesim::SimServer>> server = kubesim::SimServer::Start(options);
    EXPECT_TRUE(server.ok()) << server.status();
    if (!server.ok()) return nullptr;
    (*server)->Mount("", cluster);
    return *std::move(server);
  }

  bool ok() const { return server_ != nullptr && !config_.server.empty(); }
  kubesim::Cluster& cluster() { return *cluster_; }
  kubesim::SimServer& server() { return *server_; }
  const kube::RestConfig& config() const { return config_; }

  // A RestConfig for another server in front of this cluster.
  kube::RestConfig ConfigFor(const kubesim::SimServer& server) const {
    kube::RestConfig config = config_;
    config.server = server.Url();
    config.ca_pem = server.ca_pem();
    return config;
  }

  std::unique_ptr<kube::KubeClient> NewClient(kube::ClientOptions options = {}) const {
    absl::StatusOr<std::unique_ptr<kube::KubeClient>> client = kube::KubeClient::New(config_, std::move(options));
    EXPECT_TRUE(client.ok()) << client.status();
    return client.ok() ? *std::move(client) : nullptr;
  }

 private:
  kube::testing::TempDir dir_;
  std::unique_ptr<kubesim::Cluster> cluster_;
  std::unique_ptr<kubesim::SimServer> server_;
  kube::RestConfig config_;
};

// Polls `done` until it holds or `timeout` passes (a generous bound that
// only a hang exceeds).
inline bool Eventually(const std::function<bool()>& done, absl::Duration timeout = absl::Seconds(20)) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (done()) return true;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return done();
}

inline Json ConfigMap(const std::string& ns, const std::string& name, Json data = Json::object(),
                      Json labels = Json::object()) {
  Json cm = {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", name}, {"namespace", ns}}}};
  if (!labels.empty()) cm["metadata"]["labels"] = std::move(labels);
  cm["data"] = std::move(data);
  return cm;
}

}  // namespace srfleet::agent::testing
