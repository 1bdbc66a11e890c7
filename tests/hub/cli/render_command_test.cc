#include "hub/cli/render_command.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "shared/json/yaml_codec.h"
#include "tests/support/test_files.h"

namespace srfleet::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::filesystem::path TempFile(const std::string& name, const std::string& content) {
  auto path = std::filesystem::temp_directory_path() / ("srfleet-render-test-" + name);
  testing_support::WriteFile(path, content);
  return path;
}

TEST(RenderCommand, RendersASampleAsMultiDocumentYaml) {
  RenderOptions options;
  options.files = {(testing_support::SourceDir() / "samples/simple.yaml").string()};
  std::ostringstream out, err;
  EXPECT_EQ(RunRender(options, out, err), kOk) << err.str();
  auto docs = ParseYamlDocuments(out.str());
  ASSERT_TRUE(docs.ok());
  EXPECT_EQ(docs->size(), 6u);
  EXPECT_THAT(out.str(), HasSubstr("kind: Deployment"));
}

TEST(RenderCommand, InvalidInputPrintsEveryErrorOnStderrAndNothingOnStdout) {
  auto path = TempFile("invalid.yaml", R"(apiVersion: vllm.ai/v1alpha1
kind: SemanticRouter
metadata: {name: bad}
spec:
  replicas: -1
  vllmEndpoints:
    - {name: a, model: m, backend: {type: kserve}}
)");
  RenderOptions options;
  options.files = {path.string()};
  std::ostringstream out, err;
  EXPECT_EQ(RunRender(options, out, err), kInvalidInput);
  EXPECT_THAT(out.str(), IsEmpty());
  EXPECT_THAT(err.str(), HasSubstr("spec.replicas: must be greater than or equal to 0"));
  EXPECT_THAT(err.str(), HasSubstr("spec.vllmEndpoints[0].backend: inferenceServiceName is required"));
}

TEST(RenderCommand, OneBadFileAmongGoodOnesRendersNothing) {
  auto bad = TempFile("bad2.yaml", "apiVersion: vllm.ai/v1alpha1\nkind: SemanticRouter\nmetadata: {name: x}\nspec: {replicas: x}\n");
  RenderOptions options;
  options.files = {(testing_support::SourceDir() / "samples/simple.yaml").string(), bad.string()};
  std::ostringstream out, err;
  EXPECT_EQ(RunRender(options, out, err), kInvalidInput);
  EXPECT_THAT(out.str(), IsEmpty());
}

TEST(RenderCommand, ExitCodesForUsageAndIoErrors) {
  std::ostringstream out, err;
  RenderOptions missing;
  missing.files = {"/nonexistent/file.yaml"};
  EXPECT_EQ(RunRender(missing, out, err), kIoError);
  EXPECT_THAT(err.str(), HasSubstr("cannot read /nonexistent/file.yaml"));
  RenderOptions platform;
  platform.files = {(testing_support::SourceDir() / "samples/simple.yaml").string()};
  platform.platform = "eks";
  EXPECT_EQ(RunRender(platform, out, err), kUsage);
  RenderOptions none;
  EXPECT_EQ(RunRender(none, out, err), kUsage);
}

TEST(RenderCommand, OpenShiftPlatformAddsTheRoute) {
  RenderOptions options;
  options.files = {(testing_support::SourceDir() / "samples/openshift-route.yaml").string()};
  options.platform = "openshift";
  std::ostringstream out, err;
  ASSERT_EQ(RunRender(options, out, err), kOk) << err.str();
  EXPECT_THAT(out.str(), HasSubstr("kind: Route"));
  options.platform = "kubernetes";
  std::ostringstream out2, err2;
  ASSERT_EQ(RunRender(options, out2, err2), kOk);
  EXPECT_THAT(out2.str(), ::testing::Not(HasSubstr("kind: Route")));
  EXPECT_THAT(err2.str(), HasSubstr("warning:"));
}

TEST(RenderCommand, JsonOutputIsAKubernetesList) {
  RenderOptions options;
  options.files = {(testing_support::SourceDir() / "samples/gateway.yaml").string()};
  options.output = "json";
  std::ostringstream out, err;
  ASSERT_EQ(RunRender(options, out, err), kOk);
  auto list = Json::parse(out.str());
  EXPECT_EQ(list["kind"], "List");
  EXPECT_GE(list["items"].size(), 5u);
}

}  // namespace
}  // namespace srfleet::cli
