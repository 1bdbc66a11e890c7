// Golden files: every sample in samples/, rendered for Kubernetes and for
// OpenShift, must match tests/shared/render/golden/<sample>.<platform>.yaml
// byte for byte. After an intended change, regenerate with
//   SRFLEET_UPDATE_GOLDEN=1 ./build/tests/shared/render_golden_test
// and review the diff.
#include <gtest/gtest.h>

#include <cstdlib>

#include "shared/json/yaml_codec.h"
#include "tests/shared/render/render_test_util.h"

namespace srfleet::render::testing {
namespace {

struct GoldenCase {
  std::filesystem::path sample;
  Platform platform;
  friend void PrintTo(const GoldenCase& c, std::ostream* os) { *os << c.sample.filename().string(); }
};

std::vector<GoldenCase> Cases() {
  std::vector<GoldenCase> cases;
  for (const auto& f : YamlFilesIn(testing_support::SourceDir() / "samples")) {
    cases.push_back({f, Platform::kKubernetes});
    cases.push_back({f, Platform::kOpenShift});
  }
  return cases;
}

std::string CaseName(const GoldenCase& c) {
  std::string stem = c.sample.stem().string();
  for (auto& ch : stem) {
    if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return stem + (c.platform == Platform::kOpenShift ? "_openshift" : "_kubernetes");
}

class GoldenTest : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(GoldenTest, MatchesGoldenFile) {
  const auto& c = GetParam();
  std::vector<std::string> warnings;
  auto objects = RenderAll(testing_support::ReadFile(c.sample), c.platform, &warnings);
  ASSERT_FALSE(objects.empty());
  std::string rendered = ToYamlDocuments(objects);
  // Same input, same bytes: render again and compare.
  EXPECT_EQ(rendered, ToYamlDocuments(RenderAll(testing_support::ReadFile(c.sample), c.platform)));

  auto golden = testing_support::SourceDir() / "tests/shared/render/golden" /
                (c.sample.stem().string() + (c.platform == Platform::kOpenShift ? ".openshift" : ".kubernetes") +
                 ".yaml");
  if (std::getenv("SRFLEET_UPDATE_GOLDEN")) {
    testing_support::WriteFile(golden, rendered);
    GTEST_SKIP() << "golden file written: " << golden;
  }
  ASSERT_TRUE(std::filesystem::exists(golden)) << "missing golden file " << golden
                                               << "; run with SRFLEET_UPDATE_GOLDEN=1";
  EXPECT_EQ(rendered, testing_support::ReadFile(golden)) << "rendering of " << c.sample.filename()
                                                         << " changed; if intended, regenerate the golden files";
}

INSTANTIATE_TEST_SUITE_P(Samples, GoldenTest, ::testing::ValuesIn(Cases()),
                         [](const auto& info) { return CaseName(info.param); });

TEST(GoldenSamples, CoverTheRequiredScenarios) {
  std::set<std::string> names;
  for (const auto& f : YamlFilesIn(testing_support::SourceDir() / "samples")) names.insert(f.stem().string());
  for (const char* required :
       {"simple", "openshift-route", "gateway", "llamastack", "kserve", "multi-backend", "ha-autoscaling"}) {
    EXPECT_TRUE(names.count(required)) << "samples/" << required << ".yaml is missing";
  }
}

}  // namespace
}  // namespace srfleet::render::testing
