#include "shared/json/yaml_codec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace srfleet {
namespace {

using ::testing::HasSubstr;

TEST(YamlCodec, ResolvesScalarsLikeKubectl) {
  auto doc = ParseYaml(R"(
a: 1
b: "1"
c: 0.85
d: "0.85"
e: true
f: yes
g: "yes"
h: ~
i: hello world
j: 0x1F
k: -7
l: 1e3
m: '0012'
)");
  ASSERT_TRUE(doc.ok()) << doc.status();
  EXPECT_TRUE((*doc)["a"].is_number_integer());
  EXPECT_EQ((*doc)["b"], "1");
  EXPECT_DOUBLE_EQ((*doc)["c"].get<double>(), 0.85);
  EXPECT_EQ((*doc)["d"], "0.85");
  EXPECT_EQ((*doc)["e"], true);
  EXPECT_EQ((*doc)["f"], true);
  EXPECT_EQ((*doc)["g"], "yes");
  EXPECT_TRUE((*doc)["h"].is_null());
  EXPECT_EQ((*doc)["i"], "hello world");
  EXPECT_EQ((*doc)["j"], 31);
  EXPECT_EQ((*doc)["k"], -7);
  EXPECT_DOUBLE_EQ((*doc)["l"].get<double>(), 1000.0);
  EXPECT_EQ((*doc)["m"], "0012");
}

TEST(YamlCodec, MultiDocumentSkipsEmptyDocuments) {
  auto docs = ParseYamlDocuments("---\na: 1\n---\n---\nb: 2\n");
  ASSERT_TRUE(docs.ok());
  ASSERT_EQ(docs->size(), 2u);
  EXPECT_EQ((*docs)[1]["b"], 2);
}

TEST(YamlCodec, JsonIsYaml) {
  auto doc = ParseYaml(R"({"spec": {"replicas": 3, "x": [1, "2"]}})");
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ((*doc)["spec"]["replicas"], 3);
  EXPECT_EQ((*doc)["spec"]["x"][1], "2");
}

TEST(YamlCodec, DuplicateKeysAreRejectedWithLine) {
  auto doc = ParseYaml("a: 1\nb: 2\na: 3\n");
  ASSERT_FALSE(doc.ok());
  EXPECT_THAT(doc.status().message(), HasSubstr("duplicate key \"a\""));
  EXPECT_THAT(doc.status().message(), HasSubstr("line 3"));
}

TEST(YamlCodec, SyntaxErrorNamesLine) {
  auto doc = ParseYaml("a: [1, 2\nb: 3\n");
  ASSERT_FALSE(doc.ok());
  EXPECT_THAT(doc.status().message(), HasSubstr("invalid YAML at line"));
}

TEST(YamlCodec, EmitsKubectlLayoutAndRoundTrips) {
  Json v = Json::parse(R"({
    "apiVersion": "v1", "kind": "ConfigMap",
    "metadata": {"name": "x", "labels": {"app.kubernetes.io/name": "semantic-router"}},
    "data": {"config.yaml": "version: v0.3\nlisteners: []\n", "num": "1", "b": "true", "e": "", "c": "a: b"},
    "list": [{"name": "a", "port": 1}, {"name": "b"}], "nested": [[1, 2], []], "empty": {}
  })");
  std::string yaml = ToYaml(v);
  EXPECT_THAT(yaml, HasSubstr("list:\n- name: a\n  port: 1\n- name: b\n"));
  EXPECT_THAT(yaml, HasSubstr("  config.yaml: |\n    version: v0.3\n    listeners: []\n"));
  EXPECT_THAT(yaml, HasSubstr("  num: \"1\"\n"));
  EXPECT_THAT(yaml, HasSubstr("  b: \"true\"\n"));
  EXPECT_THAT(yaml, HasSubstr("  e: \"\"\n"));
  EXPECT_THAT(yaml, HasSubstr("  c: \"a: b\"\n"));
  EXPECT_THAT(yaml, HasSubstr("empty: {}\n"));
  auto back = ParseYaml(yaml);
  ASSERT_TRUE(back.ok()) << back.status() << "\n" << yaml;
  EXPECT_EQ(*back, v);
}

TEST(YamlCodec, StringsThatLookLikeOtherTypesSurviveRoundTrip) {
  for (std::string s : {"0.5", "1e3", "yes", "off", "null", "~", "-1", "0x10", "- a", "#x", " lead", "trail ",
                        "a #b", "tab\there", "quote\"d", "multi\nline", "\nleading newline", "ends\n\n"}) {
    Json v = {{"k", s}};
    auto back = ParseYaml(ToYaml(v));
    ASSERT_TRUE(back.ok()) << s;
    EXPECT_EQ((*back)["k"], s) << ToYaml(v);
  }
}

TEST(YamlCodec, DocumentsAreSeparated) {
  std::string out = ToYamlDocuments({Json{{"a", 1}}, Json{{"b", 2}}});
  EXPECT_EQ(out, "---\na: 1\n---\nb: 2\n");
}

}  // namespace
}  // namespace srfleet
