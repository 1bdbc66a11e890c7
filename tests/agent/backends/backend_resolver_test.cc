// BackendResolver: each backend type resolved from cache contents, with the
// reasons an endpoint stays unresolved, deterministic Llama Stack choice and
// the status.backends entries.
#include "agent/backends/backend_resolver.h"

#include <gtest/gtest.h>

#include "tests/agent/reconcile/fake_cache.h"

namespace srfleet::agent {
namespace {

using testing::FakeCache;
using testing::Object;

Json Endpoint(const std::string& name, const std::string& model, Json backend, int weight = 1) {
  return {{"name", name}, {"model", model}, {"weight", weight}, {"backend", std::move(backend)}};
}

Json Spec(std::vector<Json> endpoints) {
  Json list = Json::array();
  for (auto& e : endpoints) list.push_back(std::move(e));
  return {{"vllmEndpoints", list}};
}

Json Service(const std::string& ns, const std::string& name, Json ports, Json labels = Json::object()) {
  Json s = Object("v1", "Service", ns, name, std::move(labels));
  s["spec"]["ports"] = std::move(ports);
  return s;
}

TEST(BackendResolverTest, KServePrefersTheStatusAddressElseThePredictorService) {
  FakeCache isvcs, services;
  Json with_address = Object("serving.kserve.io/v1beta1", "InferenceService", "llm", "a");
  with_address["status"]["address"]["url"] = "https://a-predictor.llm.svc.cluster.local:8443/v1";
  Json with_url = Object("serving.kserve.io/v1beta1", "InferenceService", "llm", "b");
  with_url["status"]["url"] = "http://b.llm.example.com";
  isvcs.Add(with_address).Add(with_url).Add(Object("serving.kserve.io/v1beta1", "InferenceService", "llm", "c"));
  BackendResolver resolver({&isvcs, &services, ""});
  BackendResolution r = resolver.Resolve(
      Spec({Endpoint("a", "m-a", {{"type", "kserve"}, {"inferenceServiceName", "a"}}),
            Endpoint("b", "m-b", {{"type", "kserve"}, {"inferenceServiceName", "b"}}),
            Endpoint("c", "m-c", {{"type", "kserve"}, {"inferenceServiceName", "c"}}, 0),
            Endpoint("d", "m-d", {{"type", "kserve"}, {"inferenceServiceName", "missing"}})}),
      "llm");
  ASSERT_EQ(r.resolved.size(), 3u);
  EXPECT_EQ(r.resolved[0].host, "a-predictor.llm.svc.cluster.local");
  EXPECT_EQ(r.resolved[0].port, 8443);
  EXPECT_EQ(r.resolved[0].protocol, "https");
  EXPECT_EQ(r.resolved[1].host, "b.llm.example.com");
  EXPECT_EQ(r.resolved[1].port, 80);
  EXPECT_EQ(r.resolved[1].protocol, "http");
  EXPECT_EQ(r.resolved[2].host, "c-predictor.llm.svc.cluster.local");
  EXPECT_EQ(r.resolved[2].port, 8443);
  EXPECT_EQ(r.resolved[2].protocol, "https");
  EXPECT_EQ(r.resolved[2].weight, 1);  // 0 means 1, as upstream
  ASSERT_EQ(r.statuses.size(), 4u);
  EXPECT_FALSE(r.statuses[3].resolved);
  EXPECT_NE(r.statuses[3].message.find("InferenceService llm/missing not found"), std::string::npos);
  EXPECT_FALSE(r.AllResolved());
  EXPECT_NE(r.UnresolvedSummary().find("d: InferenceService"), std::string::npos);
  EXPECT_EQ(r.statuses[0].ToJson()["endpoint"], "a-predictor.llm.svc.cluster.local:8443");
}

TEST(BackendResolverTest, KServeNotInstalledSaysSo) {
  FakeCache services;
  BackendResolver resolver({nullptr, &services, ""});
  BackendResolution r =
      resolver.Resolve(Spec({Endpoint("a", "m", {{"type", "kserve"}, {"inferenceServiceName", "a"}})}), "llm");
  ASSERT_EQ(r.statuses.size(), 1u);
  EXPECT_FALSE(r.statuses[0].resolved);
  EXPECT_NE(r.statuses[0].message.find("not installed"), std::string::npos);
  EXPECT_TRUE(r.resolved.empty());
}

TEST(BackendResolverTest, LlamaStackPicksTheFirstMatchingServiceByNameAndItsHttpPort) {
  FakeCache services;
  const Json labels = {{"app", "llama-stack"}, {"model", "x"}};
  services.Add(Service("llm", "zeta", Json::array({{{"name", "http"}, {"port", 1}}}), labels));
  services.Add(Service("llm", "alpha", Json::array({{{"name", "grpc"}, {"port", 9000}}, {{"name", "http"}, {"port", 8321}}}),
                       labels));
  services.Add(Service("other", "aaa", Json::array({{{"port", 2}}}), labels));  // wrong namespace
  services.Add(Service("llm", "aardvark", Json::array({{{"port", 3}}}), {{"app", "llama-stack"}}));  // partial match
  BackendResolver resolver({nullptr, &services, ""});
  BackendResolution r = resolver.Resolve(
      Spec({Endpoint("s", "m", {{"type", "llamastack"}, {"discoveryLabels", labels}})}), "llm");
  ASSERT_EQ(r.resolved.size(), 1u);
  EXPECT_EQ(r.resolved[0].host, "alpha.llm.svc.cluster.local");
  EXPECT_EQ(r.resolved[0].port, 8321);
  EXPECT_EQ(r.resolved[0].protocol, "http");

  // The same answer every time (no dependence on cache order).
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(resolver.Resolve(Spec({Endpoint("s", "m", {{"type", "llamastack"}, {"discoveryLabels", labels}})}), "llm")
                  .resolved[0]
                  .host,
              "alpha.llm.svc.cluster.local");
  }
  // No port named http: the first port.
  FakeCache first_port;
  first_port.Add(Service("llm", "s", Json::array({{{"name", "api"}, {"port", 7000}}, {{"name", "x"}, {"port", 1}}}),
                         labels));
  EXPECT_EQ(BackendResolver({nullptr, &first_port, ""})
                .Resolve(Spec({Endpoint("s", "m", {{"type", "llamastack"}, {"discoveryLabels", labels}})}), "llm")
                .resolved[0]
                .port,
            7000);
  // Nothing matches.
  FakeCache none;
  BackendResolution missing = BackendResolver({nullptr, &none, ""})
                                  .Resolve(Spec({Endpoint("s", "m", {{"type", "llamastack"}, {"discoveryLabels", labels}})}),
                                           "llm");
  EXPECT_FALSE(missing.statuses[0].resolved);
  EXPECT_NE(missing.statuses[0].message.find("app=llama-stack,model=x"), std::string::npos);
}

TEST(BackendResolverTest, ServiceAsGivenCrossNamespaceMustExist) {
  FakeCache services;
  services.Add(Service("models", "vllm", Json::array({{{"port", 8000}}})));
  BackendResolver resolver({nullptr, &services, ""});
  BackendResolution r = resolver.Resolve(
      Spec({Endpoint("a", "m", {{"type", "service"}, {"service", {{"name", "vllm"}, {"namespace", "models"}, {"port", 8000}}}}),
            Endpoint("b", "m", {{"type", "service"}, {"service", {{"name", "vllm"}, {"port", 8000}}}})}),
      "llm");
  ASSERT_EQ(r.statuses.size(), 2u);
  EXPECT_TRUE(r.statuses[0].resolved);
  EXPECT_EQ(r.statuses[0].endpoint, "vllm.models.svc.cluster.local:8000");
  EXPECT_FALSE(r.statuses[1].resolved);
  EXPECT_NE(r.statuses[1].message.find("Service llm/vllm not found"), std::string::npos);

  // Watching one namespace: other namespaces are used as given, marked so.
  BackendResolution scoped =
      BackendResolver({nullptr, &services, "llm"})
          .Resolve(Spec({Endpoint("a", "m", {{"type", "service"},
                                             {"service", {{"name", "x"}, {"namespace", "models"}, {"port", 80}}}})}),
                   "llm");
  EXPECT_TRUE(scoped.statuses[0].resolved);
  EXPECT_NE(scoped.statuses[0].message.find("not verified"), std::string::npos);
}

TEST(BackendResolverTest, ParsesServiceUrls) {
  std::string host, protocol;
  int port = 0;
  ASSERT_TRUE(ParseServiceUrl("https://h.example:9443/x?y", &host, &port, &protocol));
  EXPECT_EQ(host, "h.example");
  EXPECT_EQ(port, 9443);
  EXPECT_EQ(protocol, "https");
  ASSERT_TRUE(ParseServiceUrl("http://[::1]:81", &host, &port, &protocol));
  EXPECT_EQ(host, "[::1]");
  EXPECT_EQ(port, 81);
  EXPECT_FALSE(ParseServiceUrl("grpc://h:1", &host, &port, &protocol));
  EXPECT_FALSE(ParseServiceUrl("https://", &host, &port, &protocol));
  EXPECT_FALSE(ParseServiceUrl("https://h:notaport", &host, &port, &protocol));
}

}  // namespace
}  // namespace srfleet::agent
