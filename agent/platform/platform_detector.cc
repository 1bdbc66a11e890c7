#include "agent/platform/platform_detector.h"

#include <set>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "spdlog/spdlog.h"

namespace srfleet::agent {
namespace {

struct OptionalApi {
  const char* group;
  const char* version;
  const char* resource;
};
constexpr OptionalApi kOpenShiftRoutes{"route.openshift.io", "v1", "routes"};
constexpr OptionalApi kGatewayHttpRoutes{"gateway.networking.k8s.io", "v1", "httproutes"};
constexpr OptionalApi kKServeIsvc{"serving.kserve.io", "v1beta1", "inferenceservices"};

// Served when the group lists the version and the version lists the
// resource. A failed resource lookup is an error, never "served" (upstream
// counted any error as OpenShift).
absl::StatusOr<bool> Served(kube::KubeClient& client, const std::set<std::string>& group_versions,
                            const OptionalApi& api) {
  if (!group_versions.count(absl::StrCat(api.group, "/", api.version))) return false;
  absl::StatusOr<bool> served = client.IsServed(api.group, api.version, api.resource);
  if (!served.ok() && kube::IsNotFound(served.status())) return false;
  return served;
}

}  // namespace

absl::StatusOr<render::PlatformFacts> DetectPlatform(kube::KubeClient& client) {
  absl::StatusOr<std::vector<kube::ApiGroupInfo>> groups = client.ServerGroups();
  if (!groups.ok()) return groups.status();
  std::set<std::string> group_versions;
  for (const auto& g : *groups) {
    for (const auto& v : g.versions) group_versions.insert(absl::StrCat(g.name, "/", v));
  }
  render::PlatformFacts facts;
  absl::StatusOr<bool> openshift = Served(client, group_versions, kOpenShiftRoutes);
  if (!openshift.ok()) return openshift.status();
  absl::StatusOr<bool> gateway = Served(client, group_versions, kGatewayHttpRoutes);
  if (!gateway.ok()) return gateway.status();
  absl::StatusOr<bool> kserve = Served(client, group_versions, kKServeIsvc);
  if (!kserve.ok()) return kserve.status();
  facts.openshift = *openshift;
  facts.gateway_api = *gateway;
  facts.kserve = *kserve;
  absl::StatusOr<kube::ServerVersionInfo> version = client.ServerVersion();
  if (!version.ok()) return version.status();
  facts.kubernetes_version = version->git_version;
  return facts;
}

std::string DescribePlatform(const render::PlatformFacts& facts) {
  const std::string k8s = facts.kubernetes_version.empty() ? "unknown version" : facts.kubernetes_version;
  return absl::StrCat(facts.openshift ? absl::StrCat("OpenShift (Kubernetes ", k8s, ")")
                                      : absl::StrCat("Kubernetes ", k8s),
                      ", Gateway API: ", facts.gateway_api ? "yes" : "no", ", KServe: ", facts.kserve ? "yes" : "no");
}

bool SamePlatform(const render::PlatformFacts& a, const render::PlatformFacts& b) {
  return a.openshift == b.openshift && a.gateway_api == b.gateway_api && a.kserve == b.kserve &&
         a.kubernetes_version == b.kubernetes_version;
}

struct PlatformDetector::State {
  kube::KubeClient& client;
  PlatformDetectorOptions options;
  ChangeCallback callback;

  mutable absl::Mutex mu;
  render::PlatformFacts facts ABSL_GUARDED_BY(mu);
  bool detected ABSL_GUARDED_BY(mu) = false;
  bool stopping ABSL_GUARDED_BY(mu) = false;
  // Serialises detections (DetectNow from a caller and the poller).
  absl::Mutex detect_mu;
  std::thread poller;

  State(kube::KubeClient& c, PlatformDetectorOptions o) : client(c), options(o) {}
};

PlatformDetector::PlatformDetector(kube::KubeClient& client, PlatformDetectorOptions options)
    : state_(std::make_unique<State>(client, options)) {}

PlatformDetector::~PlatformDetector() { Stop(); }

void PlatformDetector::OnChange(ChangeCallback callback) { state_->callback = std::move(callback); }

absl::Status PlatformDetector::DetectNow() {
  absl::MutexLock detect_lock(&state_->detect_mu);
  absl::StatusOr<render::PlatformFacts> now = DetectPlatform(state_->client);
  if (!now.ok()) {
    spdlog::warn("msg=\"platform detection failed; keeping the previous facts\" error=\"{}\"",
                 std::string(now.status().message()));
    return now.status();
  }
  render::PlatformFacts before;
  bool first = false;
  {
    absl::MutexLock lock(&state_->mu);
    before = state_->facts;
    first = !state_->detected;
    if (!first && SamePlatform(before, *now)) return absl::OkStatus();
    state_->facts = *now;
    state_->detected = true;
  }
  spdlog::info("msg=\"platform detected\" openshift={} kubernetes={} gateway_api={} kserve={}", now->openshift,
               now->kubernetes_version.empty() ? "unknown" : now->kubernetes_version, now->gateway_api, now->kserve);
  if (state_->callback) state_->callback(before, *now, first);
  return absl::OkStatus();
}

void PlatformDetector::Start() {
  if (state_->poller.joinable()) return;
  state_->poller = std::thread([this] {
    State& s = *state_;
    while (true) {
      {
        absl::MutexLock lock(&s.mu);
        s.mu.AwaitWithTimeout(absl::Condition(&s.stopping), s.options.interval);
        if (s.stopping) return;
      }
      (void)DetectNow();
    }
  });
}

void PlatformDetector::Stop() {
  {
    absl::MutexLock lock(&state_->mu);
    state_->stopping = true;
  }
  if (state_->poller.joinable()) state_->poller.join();
}

render::PlatformFacts PlatformDetector::facts() const {
  absl::MutexLock lock(&state_->mu);
  return state_->facts;
}

bool PlatformDetector::detected() const {
  absl::MutexLock lock(&state_->mu);
  return state_->detected;
}

}  // namespace srfleet::agent
