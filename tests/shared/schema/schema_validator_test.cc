#include "shared/schema/schema_validator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "shared/json/yaml_codec.h"
#include "shared/schema/schema_library.h"

namespace srfleet::schema {
namespace {

using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kSchema[] = R"yaml(
type: object
properties:
  apiVersion: {type: string}
  kind: {type: string}
  metadata: {type: object}
  spec:
    type: object
    properties:
      replicas: {type: integer, minimum: 0, default: 1, format: int32}
      mode: {type: string, enum: [a, b], default: a}
      ratio: {type: string, pattern: '^0(\.[0-9]+)?$|^1(\.0+)?$'}
      name: {type: string, minLength: 1, maxLength: 5}
      port: {x-kubernetes-int-or-string: true, anyOf: [{type: integer}, {type: string}]}
      labels: {type: object, additionalProperties: {type: string}}
      free: {type: object, x-kubernetes-preserve-unknown-fields: true, properties: {known: {type: boolean, default: true}}}
      nested:
        type: object
        properties:
          inner: {type: object, properties: {flag: {type: boolean, default: false}}}
      endpoints:
        type: array
        maxItems: 3
        x-kubernetes-list-type: map
        x-kubernetes-list-map-keys: [name]
        items:
          type: object
          required: [name, backend]
          properties:
            name: {type: string}
            backend:
              type: object
              required: [type]
              x-kubernetes-validations:
              - rule: "self.type != 'kserve' || (has(self.isvc) && self.isvc != '')"
                message: inferenceServiceName is required when type is kserve
                fieldPath: .isvc
              properties:
                type: {type: string, enum: [kserve, service]}
                isvc: {type: string}
)yaml";

class SchemaValidatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto schema = ParseYaml(kSchema);
    ASSERT_TRUE(schema.ok()) << schema.status();
    auto node = library_.Compile(*schema);
    ASSERT_TRUE(node.ok()) << node.status();
    root_ = *node;
  }
  FieldErrors Check(const std::string& yaml, Json* out = nullptr, ValidateOptions options = {}) {
    auto doc = ParseYaml(yaml);
    EXPECT_TRUE(doc.ok()) << doc.status();
    Json value = *doc;
    FieldErrors errors = Validate(*root_, value, options);
    if (out) *out = value;
    return errors;
  }
  SchemaLibrary library_;
  const SchemaNode* root_ = nullptr;
};

TEST_F(SchemaValidatorTest, AppliesDefaultsOnlyWhereTheParentExists) {
  Json out;
  EXPECT_THAT(Check("spec: {nested: {inner: {}}}", &out), IsEmpty());
  EXPECT_EQ(out["spec"]["replicas"], 1);
  EXPECT_EQ(out["spec"]["mode"], "a");
  EXPECT_EQ(out["spec"]["nested"]["inner"]["flag"], false);
  EXPECT_FALSE(out["spec"].contains("free"));
}

TEST_F(SchemaValidatorTest, NullIsDroppedThenDefaulted) {
  Json out;
  EXPECT_THAT(Check("spec: {replicas: null}", &out), IsEmpty());
  EXPECT_EQ(out["spec"]["replicas"], 1);
}

TEST_F(SchemaValidatorTest, ReportsEveryProblemWithItsPath) {
  auto errors = Check(R"(
spec:
  replicas: -1
  mode: c
  ratio: "1.5"
  name: toolongname
  bogus: 1
  labels: {a: 1}
)");
  std::vector<std::string> paths;
  for (const auto& e : errors) paths.push_back(e.path);
  EXPECT_THAT(paths, ::testing::UnorderedElementsAre("spec.replicas", "spec.mode", "spec.ratio", "spec.name",
                                                      "spec.bogus", "spec.labels[a]"));
  for (const auto& e : errors) {
    if (e.path == "spec.bogus") {
      EXPECT_EQ(e.kind, FieldError::Kind::kUnknownField);
      EXPECT_EQ(e.detail, "field not declared in schema");
    }
    if (e.path == "spec.replicas") {
      EXPECT_THAT(e.detail, HasSubstr("greater than or equal to 0"));
    }
    if (e.path == "spec.mode") {
      EXPECT_EQ(e.kind, FieldError::Kind::kNotSupported);
    }
  }
}

TEST_F(SchemaValidatorTest, WrongTypeIsReportedOnce) {
  auto errors = Check("spec: {replicas: three}");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].path, "spec.replicas");
  EXPECT_EQ(errors[0].kind, FieldError::Kind::kTypeInvalid);
  EXPECT_THAT(errors[0].detail, HasSubstr("must be of type integer, not string"));
}

TEST_F(SchemaValidatorTest, PreserveUnknownFieldsKeepsThemAndStillValidatesKnownOnes) {
  Json out;
  EXPECT_THAT(Check("spec: {free: {anything: {deep: [1]}}}", &out), IsEmpty());
  EXPECT_EQ(out["spec"]["free"]["anything"]["deep"][0], 1);
  EXPECT_EQ(out["spec"]["free"]["known"], true);
  auto errors = Check("spec: {free: {known: notabool}}");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].path, "spec.free.known");
}

TEST_F(SchemaValidatorTest, NonStrictModePrunesUnknownFields) {
  Json out;
  ValidateOptions lenient;
  lenient.reject_unknown_fields = false;
  EXPECT_THAT(Check("spec: {bogus: 1, nested: {x: 2}}", &out, lenient), IsEmpty());
  EXPECT_FALSE(out["spec"].contains("bogus"));
  EXPECT_FALSE(out["spec"]["nested"].contains("x"));
}

TEST_F(SchemaValidatorTest, IntOrString) {
  EXPECT_THAT(Check("spec: {port: 80}"), IsEmpty());
  EXPECT_THAT(Check("spec: {port: http}"), IsEmpty());
  auto errors = Check("spec: {port: [1]}");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].path, "spec.port");
}

TEST_F(SchemaValidatorTest, ListMapDuplicatesRequiredAndMaxItems) {
  auto errors = Check(R"(
spec:
  endpoints:
  - {name: a, backend: {type: service}}
  - {name: a, backend: {type: service}}
  - {name: b}
  - {name: c, backend: {type: service}}
)");
  std::vector<std::string> rendered;
  for (const auto& e : errors) rendered.push_back(e.ToString());
  EXPECT_THAT(rendered, ::testing::UnorderedElementsAre(
                            "spec.endpoints: must have at most 3 items, has 4",
                            "spec.endpoints[2].backend: required",
                            "spec.endpoints[1]: duplicate entry with name=\"a\""));
}

TEST_F(SchemaValidatorTest, CelRuleReportsAtItsFieldPath) {
  auto errors = Check("spec: {endpoints: [{name: a, backend: {type: service}}, {name: b, backend: {type: kserve}}]}");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].ToString(),
            "spec.endpoints[1].backend.isvc: inferenceServiceName is required when type is kserve");
  EXPECT_THAT(Check("spec: {endpoints: [{name: b, backend: {type: kserve, isvc: llama}}]}"), IsEmpty());
}

TEST_F(SchemaValidatorTest, CelIsSkippedWhenTheObjectIsAlreadyMalformed) {
  auto errors = Check("spec: {endpoints: [{name: b, backend: {type: nope}}]}");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].kind, FieldError::Kind::kNotSupported);
}

TEST_F(SchemaValidatorTest, ObjectMetaIsLeftToTheApiServer) {
  EXPECT_THAT(Check("metadata: {name: x, labels: {a: b}, whatever: 1}"), IsEmpty());
}

TEST(SchemaLibraryTest, ResolvesRefsAndRecursiveTypes) {
  auto doc = ParseYaml(R"(
components:
  schemas:
    io.example.Node:
      type: object
      x-kubernetes-group-version-kind: [{group: example.io, version: v1, kind: Node}]
      properties:
        name: {type: string}
        children: {type: array, items: {$ref: '#/components/schemas/io.example.Node'}}
        meta: {default: {}, allOf: [{$ref: '#/components/schemas/io.example.Meta'}]}
    io.example.Meta:
      type: object
      properties:
        tag: {type: string, default: none}
)");
  ASSERT_TRUE(doc.ok());
  SchemaLibrary library;
  ASSERT_TRUE(library.AddOpenApiDocument(*doc).ok());
  const SchemaNode* node = library.Find(GroupVersionKind{"example.io", "v1", "Node"});
  ASSERT_NE(node, nullptr);
  Json value = Json::parse(R"({"name": "a", "children": [{"name": "b", "children": [{"bad": 1}]}]})");
  FieldErrors errors = Validate(*node, value);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].path, "children[0].children[0].bad");
  EXPECT_EQ(value["meta"]["tag"], "none");
}

TEST(SchemaLibraryTest, RejectsInvalidCelAndPatterns) {
  SchemaLibrary library;
  auto bad_rule = library.Compile(Json::parse(R"({"type": "object", "x-kubernetes-validations": [{"rule": "self.a &&"}]})"));
  EXPECT_FALSE(bad_rule.ok());
  auto bad_pattern = library.Compile(Json::parse(R"({"type": "string", "pattern": "(["})"));
  EXPECT_FALSE(bad_pattern.ok());
}

}  // namespace
}  // namespace srfleet::schema
