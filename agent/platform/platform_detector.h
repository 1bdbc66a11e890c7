// What kind of cluster the agent runs on (OpenShift, Kubernetes version,
// Gateway API, KServe), from discovery. Re-detected periodically rather than
// once per process: installing KServe or the Gateway API CRDs later must be
// noticed without restarting the agent.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "shared/kube/kube_client.h"
#include "shared/render/render_input.h"

namespace srfleet::agent {

// One detection: ServerGroups (one request) and, for the optional groups
// present, IsServed on the exact resource the agent uses; ServerVersion.
absl::StatusOr<render::PlatformFacts> DetectPlatform(kube::KubeClient& client);

// "OpenShift (Kubernetes v1.30.2), Gateway API: yes, KServe: no".
std::string DescribePlatform(const render::PlatformFacts& facts);

bool SamePlatform(const render::PlatformFacts& a, const render::PlatformFacts& b);

struct PlatformDetectorOptions {
  absl::Duration interval = absl::Seconds(30);  // between background detections
};

class PlatformDetector {
 public:
  // Called (on the detecting thread) after the first successful detection
  // and whenever the facts change. `first` is true for the first call.
  using ChangeCallback =
      std::function<void(const render::PlatformFacts& before, const render::PlatformFacts& after, bool first)>;

  explicit PlatformDetector(kube::KubeClient& client, PlatformDetectorOptions options = {});
  ~PlatformDetector();  // Stop()
  PlatformDetector(const PlatformDetector&) = delete;
  PlatformDetector& operator=(const PlatformDetector&) = delete;

  void OnChange(ChangeCallback callback);  // before Start()/DetectNow()

  // Detects once; on change logs one line and calls the callback. On error
  // the previous facts stay in force.
  absl::Status DetectNow();
  // Re-detects every `interval` on a background thread until Stop().
  void Start();
  void Stop();

  render::PlatformFacts facts() const;
  bool detected() const;  // at least one detection succeeded

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace srfleet::agent
