// Every object the renderer produces, for our samples and upstream's, on both
// platforms, is checked against the real Kubernetes OpenAPI v3 schemas and
// the third-party CRDs (Gateway API HTTPRoute, OpenShift Route) with strict
// field validation: an unknown field or a wrong type fails the test.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "shared/json/yaml_codec.h"
#include "shared/schema/schema_library.h"
#include "shared/schema/schema_validator.h"
#include "tests/shared/render/render_test_util.h"

namespace srfleet::render::testing {
namespace {

class KubernetesSchemas {
 public:
  static KubernetesSchemas& Get() {
    static KubernetesSchemas* instance = new KubernetesSchemas();  // loaded once per binary
    return *instance;
  }
  bool available() const { return available_; }
  schema::SchemaLibrary& library() { return library_; }

 private:
  KubernetesSchemas() {
    auto ref = testing_support::ReferenceDir() / "reference";
    auto openapi = ref / "k8s-openapi-v3";
    if (!std::filesystem::exists(openapi)) return;
    for (const auto& e : std::filesystem::directory_iterator(openapi)) {
      if (e.path().filename() == "index.json") continue;
      auto doc = Json::parse(testing_support::ReadFile(e.path()), nullptr, false);
      if (doc.is_discarded() || !library_.AddOpenApiDocument(doc).ok()) {
        ADD_FAILURE() << "cannot load " << e.path();
      }
    }
    for (const char* crd : {"crds/gateway-api/gateway.networking.k8s.io_httproutes.yaml",
                            "crds/openshift/routes.crd.yaml"}) {
      auto docs = ParseYamlDocuments(testing_support::ReadFile(ref / crd));
      if (!docs.ok()) {
        ADD_FAILURE() << crd << ": " << docs.status();
        continue;
      }
      for (const auto& d : *docs) {
        if (auto st = library_.AddCustomResourceDefinition(d); !st.ok()) ADD_FAILURE() << crd << ": " << st;
      }
    }
    available_ = true;
  }
  schema::SchemaLibrary library_;
  bool available_ = false;
};

struct Input {
  std::filesystem::path file;
  Platform platform;
  friend void PrintTo(const Input& c, std::ostream* os) { *os << c.file.filename().string(); }
};

std::vector<Input> Inputs() {
  std::vector<Input> inputs;
  auto add = [&](const std::filesystem::path& dir) {
    for (const auto& f : YamlFilesIn(dir)) {
      inputs.push_back({f, Platform::kKubernetes});
      inputs.push_back({f, Platform::kOpenShift});
    }
  };
  add(testing_support::SourceDir() / "samples");
  add(testing_support::ReferenceDir() / "upstream-samples");
  return inputs;
}

class OpenApiConformance : public ::testing::TestWithParam<Input> {};

TEST_P(OpenApiConformance, EveryRenderedObjectMatchesItsSchema) {
  auto& schemas = KubernetesSchemas::Get();
  if (!schemas.available()) GTEST_SKIP() << "../shared/reference not present; skipping schema conformance";
  const auto& input = GetParam();
  auto objects = RenderAll(testing_support::ReadFile(input.file), input.platform);
  ASSERT_FALSE(objects.empty());
  for (const auto& object : objects) {
    auto gvk = schema::GroupVersionKind::FromApiVersion(object["apiVersion"], object["kind"]);
    const schema::SchemaNode* node = schemas.library().Find(gvk);
    ASSERT_NE(node, nullptr) << "no schema for " << gvk.ApiVersion() << " " << gvk.kind;
    Json copy = object;
    schema::ValidateOptions strict;
    strict.apply_defaults = false;
    auto errors = schema::Validate(*node, copy, strict);
    EXPECT_THAT(errors, ::testing::IsEmpty())
        << input.file.filename() << ": " << gvk.kind << " " << object["metadata"]["name"] << ":\n"
        << schema::JoinFieldErrors(errors);
  }
}

INSTANTIATE_TEST_SUITE_P(AllSamples, OpenApiConformance, ::testing::ValuesIn(Inputs()), [](const auto& info) {
  std::string name = info.param.file.parent_path().filename().string() + "_" + info.param.file.stem().string() +
                     (info.param.platform == Platform::kOpenShift ? "_openshift" : "_kubernetes");
  for (auto& ch : name) {
    if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
});

// The checker itself must catch what it is there to catch.
TEST(OpenApiConformanceChecker, RejectsUnknownFieldsAndWrongTypes) {
  auto& schemas = KubernetesSchemas::Get();
  if (!schemas.available()) GTEST_SKIP() << "../shared/reference not present";
  const auto* deployment = schemas.library().Find({"apps", "v1", "Deployment"});
  ASSERT_NE(deployment, nullptr);
  Json bad = Json::parse(R"({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"},
    "spec": {"replicas": "3", "selector": {"matchLabels": {"a": "b"}}, "strategy": {"typo": 1},
             "template": {"spec": {"containers": [{"name": "c", "image": "i", "ports": [{"containerPort": 80, "protcol": "TCP"}]}]}}}})");
  schema::ValidateOptions strict;
  strict.apply_defaults = false;
  auto errors = schema::Validate(*deployment, bad, strict);
  std::set<std::string> paths;
  for (const auto& e : errors) paths.insert(e.path);
  EXPECT_TRUE(paths.count("spec.replicas"));
  EXPECT_TRUE(paths.count("spec.strategy.typo"));
  EXPECT_TRUE(paths.count("spec.template.spec.containers[0].ports[0].protcol"));
}

}  // namespace
}  // namespace srfleet::render::testing
