// PlatformDetector against kubesim's discovery: OpenShift / Kubernetes,
// Gateway API, KServe, the version; the one-line description; re-detection
// when discovery changes, with the change callback.
#include "agent/platform/platform_detector.h"

#include <gtest/gtest.h>

#include <atomic>

#include "tests/agent/kubesim_env.h"

namespace srfleet::agent {
namespace {

using testing::KubesimEnv;

TEST(PlatformDetectorTest, DetectsWhatDiscoveryServes) {
  kubesim::ClusterOptions o;
  o.openshift = true;
  o.gateway_api = false;
  o.kserve = true;
  o.kubernetes_version = "v1.29.4";
  KubesimEnv env(o);
  ASSERT_TRUE(env.ok());
  auto client = env.NewClient();
  absl::StatusOr<render::PlatformFacts> facts = DetectPlatform(*client);
  ASSERT_TRUE(facts.ok()) << facts.status();
  EXPECT_TRUE(facts->openshift);
  EXPECT_FALSE(facts->gateway_api);
  EXPECT_TRUE(facts->kserve);
  EXPECT_EQ(facts->kubernetes_version, "v1.29.4");
  EXPECT_EQ(DescribePlatform(*facts), "OpenShift (Kubernetes v1.29.4), Gateway API: no, KServe: yes");
  render::PlatformFacts k8s;
  k8s.kubernetes_version = "v1.30.2";
  k8s.gateway_api = true;
  EXPECT_EQ(DescribePlatform(k8s), "Kubernetes v1.30.2, Gateway API: yes, KServe: no");
}

TEST(PlatformDetectorTest, RedetectsAndNotifiesOnChange) {
  kubesim::ClusterOptions o;
  o.openshift = false;
  o.gateway_api = true;
  o.kserve = false;
  KubesimEnv env(o);
  ASSERT_TRUE(env.ok());
  auto client = env.NewClient();
  PlatformDetector detector(*client, PlatformDetectorOptions{absl::Milliseconds(50)});
  std::atomic<int> calls{0};
  std::atomic<bool> saw_kserve{false};
  detector.OnChange([&](const render::PlatformFacts&, const render::PlatformFacts& after, bool first) {
    ++calls;
    if (!first && after.kserve) saw_kserve = true;
  });
  EXPECT_FALSE(detector.detected());
  ASSERT_TRUE(detector.DetectNow().ok());
  EXPECT_TRUE(detector.detected());
  EXPECT_EQ(calls.load(), 1);
  ASSERT_TRUE(detector.DetectNow().ok());
  EXPECT_EQ(calls.load(), 1);  // nothing changed: no callback
  detector.Start();
  env.cluster().SetDiscovery(false, true, true);
  EXPECT_TRUE(testing::Eventually([&] { return saw_kserve.load(); }, absl::Seconds(5)));
  EXPECT_TRUE(detector.facts().kserve);
  detector.Stop();
}

}  // namespace
}  // namespace srfleet::agent
