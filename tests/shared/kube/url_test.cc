// Server URLs, resource paths and query encoding (selectors in particular).
#include "shared/kube/url.h"

#include <gtest/gtest.h>

#include "shared/kube/resource_ref.h"

namespace srfleet::kube {
namespace {

TEST(ParseServerUrlTest, SchemesPortsAndPrefixes) {
  absl::StatusOr<ServerUrl> a = ParseServerUrl("https://10.0.0.1:6443");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "10.0.0.1");
  EXPECT_EQ(a->port, 6443);
  EXPECT_TRUE(a->tls());
  EXPECT_TRUE(a->host_is_ip());
  EXPECT_EQ(a->path_prefix, "");
  EXPECT_EQ(a->HostHeader(), "10.0.0.1:6443");

  absl::StatusOr<ServerUrl> b = ParseServerUrl("https://kube.example.com/clusters/east/");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->port, 443);
  EXPECT_EQ(b->path_prefix, "/clusters/east");
  EXPECT_EQ(b->HostHeader(), "kube.example.com");
  EXPECT_FALSE(b->host_is_ip());

  absl::StatusOr<ServerUrl> c = ParseServerUrl("http://localhost");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->port, 80);
  EXPECT_FALSE(c->tls());

  absl::StatusOr<ServerUrl> v6 = ParseServerUrl("https://[::1]:8443/p");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 8443);
  EXPECT_EQ(v6->HostHeader(), "[::1]:8443");
  EXPECT_EQ(v6->ToString(), "https://[::1]:8443/p");

  absl::StatusOr<ServerUrl> bare = ParseServerUrl("10.1.2.3:443");
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->scheme, "https");
}

TEST(ParseServerUrlTest, Rejects) {
  for (const char* bad : {"ftp://x", "https://", "https://h:0", "https://h:99999", "https://h:12a",
                          "https://[::1", "https://u:p@h", "https://h/p?x=1"}) {
    EXPECT_FALSE(ParseServerUrl(bad).ok()) << bad;
  }
}

TEST(PercentEncodeTest, KeepsUnreservedOnly) {
  EXPECT_EQ(PercentEncode("abc-XYZ_0.9~"), "abc-XYZ_0.9~");
  EXPECT_EQ(PercentEncode("a b/c?d&e=f"), "a%20b%2Fc%3Fd%26e%3Df");
  EXPECT_EQ(PercentEncode("\xC3\xA9"), "%C3%A9");
}

TEST(QueryTest, EncodesSelectorsAndSkipsUnset) {
  Query q;
  q.Add("labelSelector", "app=web,tier in (a,b),!canary");
  q.AddIfSet("fieldSelector", "");
  q.Add("fieldSelector", "metadata.name=x,status.phase!=Running");
  q.Add("limit", "5");
  EXPECT_EQ(q.Encode(),
            "?labelSelector=app%3Dweb%2Ctier%20in%20%28a%2Cb%29%2C%21canary"
            "&fieldSelector=metadata.name%3Dx%2Cstatus.phase%21%3DRunning&limit=5");
  EXPECT_EQ(Query().Encode(), "");
}

TEST(ResourceRefTest, CoreAndGroupedPaths) {
  const ResourceRef cm = ResourceRef::Core("configmaps", "default", "cfg");
  EXPECT_EQ(cm.GroupVersion(), "v1");
  EXPECT_EQ(cm.CollectionPath(), "/api/v1/namespaces/default/configmaps");
  EXPECT_EQ(cm.Path(), "/api/v1/namespaces/default/configmaps/cfg");

  const ResourceRef dep = ResourceRef::Grouped("apps", "v1", "deployments", "prod", "router");
  EXPECT_EQ(dep.GroupVersion(), "apps/v1");
  EXPECT_EQ(dep.WithSubresource("status").Path(), "/apis/apps/v1/namespaces/prod/deployments/router/status");
  EXPECT_EQ(dep.WithSubresource("status").ResourceLabel(), "deployments/status");
  EXPECT_EQ(dep.WithName("").Path(), "/apis/apps/v1/namespaces/prod/deployments");

  const ResourceRef ns = ResourceRef::Core("namespaces", "", "kube-system");
  EXPECT_EQ(ns.Path(), "/api/v1/namespaces/kube-system");
  const ResourceRef crd =
      ResourceRef::Grouped("apiextensions.k8s.io", "v1", "customresourcedefinitions", "", "a.b.c");
  EXPECT_EQ(crd.Path(), "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/a.b.c");
  const ResourceRef all = ResourceRef::Grouped("vllm.ai", "v1alpha1", "semanticrouters");
  EXPECT_EQ(all.Path(), "/apis/vllm.ai/v1alpha1/semanticrouters");
}

TEST(ResourceRefTest, Validation) {
  EXPECT_TRUE(ResourceRef::Core("pods", "ns").Validate(false).ok());
  EXPECT_FALSE(ResourceRef::Core("pods", "ns").Validate(true).ok());
  EXPECT_FALSE(ResourceRef::Core("pods", "ns").WithSubresource("status").Validate(false).ok());
  EXPECT_FALSE(ResourceRef::Core("", "ns", "x").Validate(true).ok());
  EXPECT_FALSE(ResourceRef::Grouped("apps", "", "deployments").Validate(false).ok());
}

}  // namespace
}  // namespace srfleet::kube
