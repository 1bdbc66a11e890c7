// The "needs applying?" test: subset semantics over server-added fields,
// list lengths, quantities, and the desired-hash annotation.
#include "agent/reconcile/object_compare.h"

#include <gtest/gtest.h>

namespace srfleet::agent {
namespace {

TEST(IsSubsetOfTest, ServerAddedFieldsDoNotCount) {
  Json desired = {{"spec", {{"replicas", 2}, {"template", {{"spec", {{"containers", Json::array({{{"name", "a"}, {"image", "x"}}})}}}}}}}};
  Json live = desired;
  live["status"] = {{"readyReplicas", 2}};
  live["metadata"] = {{"managedFields", Json::array()}, {"resourceVersion", "9"}};
  live["spec"]["strategy"] = {{"type", "RollingUpdate"}};
  live["spec"]["template"]["spec"]["containers"][0]["terminationMessagePath"] = "/dev/termination-log";
  live["spec"]["template"]["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"] = "now";
  EXPECT_TRUE(IsSubsetOf(desired, live));
}

TEST(IsSubsetOfTest, DriftOnOwnedFieldsCounts) {
  Json desired = {{"spec", {{"replicas", 2}}}};
  EXPECT_FALSE(IsSubsetOf(desired, {{"spec", {{"replicas", 3}}}}));
  EXPECT_FALSE(IsSubsetOf(desired, {{"spec", Json::object()}}));
  EXPECT_FALSE(IsSubsetOf(desired, Json::object()));
}

TEST(IsSubsetOfTest, ListsMustHaveTheSameLength) {
  Json two = {{"c", Json::array({{{"name", "router"}}, {{"name", "envoy"}}})}};
  Json one = {{"c", Json::array({{{"name", "router"}}})}};
  EXPECT_FALSE(IsSubsetOf(one, two));  // a removed sidecar must be noticed
  EXPECT_FALSE(IsSubsetOf(two, one));
  EXPECT_TRUE(IsSubsetOf(two, two));
  Json reordered = {{"c", Json::array({{{"name", "envoy"}}, {{"name", "router"}}})}};
  EXPECT_FALSE(IsSubsetOf(two, reordered));
}

TEST(IsSubsetOfTest, EmptyDesiredValuesEqualAbsence) {
  EXPECT_TRUE(IsSubsetOf({{"a", Json::object()}, {"b", Json::array()}, {"c", ""}, {"d", nullptr}}, Json::object()));
  EXPECT_FALSE(IsSubsetOf({{"a", false}}, Json::object()));  // false is not "unset" (e.g. automount)
  EXPECT_FALSE(IsSubsetOf({{"a", 0}}, Json::object()));
}

TEST(IsSubsetOfTest, QuantitiesAndNumbersCompareByValue) {
  EXPECT_TRUE(IsSubsetOf({{"cpu", "0.5"}}, {{"cpu", "500m"}}));
  EXPECT_TRUE(IsSubsetOf({{"mem", "1024Mi"}}, {{"mem", "1Gi"}}));
  EXPECT_FALSE(IsSubsetOf({{"mem", "1Gi"}}, {{"mem", "1G"}}));
  EXPECT_TRUE(IsSubsetOf({{"n", 1}}, {{"n", 1.0}}));
  EXPECT_FALSE(IsSubsetOf({{"n", "1"}}, {{"n", 1}}));
  EXPECT_FALSE(IsSubsetOf({{"image", "a:v1"}}, {{"image", "a:v2"}}));
}

TEST(JsonEquivalentTest, IgnoresKeyOrderOnly) {
  Json a = {{"x", 1}, {"y", {{"p", 1}, {"q", 2}}}};
  Json b = {{"y", {{"q", 2}, {"p", 1}}}, {"x", 1}};
  EXPECT_TRUE(JsonEquivalent(a, b));
  b["x"] = 2;
  EXPECT_FALSE(JsonEquivalent(a, b));
  EXPECT_FALSE(JsonEquivalent(Json::array({1, 2}), Json::array({2, 1})));
}

TEST(DesiredHashTest, StableAndSensitive) {
  Json o = {{"metadata", {{"name", "x"}}}, {"spec", {{"a", 1}}}};
  Json p = o;
  StampDesiredHash(o);
  StampDesiredHash(p);
  EXPECT_EQ(o, p);
  const std::string h = o["metadata"]["annotations"][kDesiredHashAnnotation];
  EXPECT_EQ(h.size(), 16u);
  Json q = {{"metadata", {{"name", "x"}}}, {"spec", Json::object()}};  // a field removed
  StampDesiredHash(q);
  EXPECT_NE(q["metadata"]["annotations"][kDesiredHashAnnotation], h);
  // A removed field is visible to the subset test through the hash.
  EXPECT_FALSE(IsSubsetOf(q, o));
}

}  // namespace
}  // namespace srfleet::agent
