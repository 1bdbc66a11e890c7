#include "shared/render/envoy_bootstrap.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "shared/json/yaml_codec.h"

namespace srfleet::render {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// Every Any type URL the bootstrap may use; each is a real Envoy v3 message.
const std::set<std::string>& KnownTypeUrls() {
  static const auto* urls = new std::set<std::string>{
      "type.googleapis.com/envoy.extensions.filters.network."
      "http_connection_manager.v3.HttpConnectionManager",
      "type.googleapis.com/envoy.extensions.access_loggers.stream.v3."
      "StdoutAccessLog",
      "type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3."
      "ExternalProcessor",
      "type.googleapis.com/envoy.extensions.filters.http."
      "dynamic_forward_proxy.v3.FilterConfig",
      "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router",
      "type.googleapis.com/envoy.extensions.upstreams.http.v3."
      "HttpProtocolOptions",
      "type.googleapis.com/envoy.extensions.clusters.dynamic_forward_proxy.v3."
      "ClusterConfig",
  };
  return *urls;
}

// Calls `visit(json_pointer, key, value)` for every object member in the tree.
void WalkMembers(
    const Json& node, const std::string& path,
    const std::function<void(const std::string&, const std::string&,
                             const Json&)>& visit) {
  if (node.is_object()) {
    for (const auto& [key, value] : node.items()) {
      const std::string child = path + "/" + key;
      visit(child, key, value);
      WalkMembers(value, child, visit);
    }
  } else if (node.is_array()) {
    for (size_t i = 0; i < node.size(); ++i) {
      WalkMembers(node[i], path + "/" + std::to_string(i), visit);
    }
  }
}

const Json& Hcm(const Json& bootstrap) {
  return bootstrap["static_resources"]["listeners"][0]["filter_chains"][0]
                  ["filters"][0]["typed_config"];
}

const Json& Cluster(const Json& bootstrap, const std::string& name) {
  static const Json kMissing;
  for (const Json& cluster : bootstrap["static_resources"]["clusters"]) {
    if (cluster.value("name", "") == name) return cluster;
  }
  ADD_FAILURE() << "no cluster " << name;
  return kMissing;
}

const Json& Http2Options(const Json& cluster) {
  return cluster["typed_extension_protocol_options"]
                ["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"]
                ["explicit_http_config"];
}

std::vector<std::string> FilterNames(const Json& bootstrap) {
  std::vector<std::string> names;
  for (const Json& filter : Hcm(bootstrap)["http_filters"]) {
    names.push_back(filter["name"].get<std::string>());
  }
  return names;
}

TEST(EnvoyBootstrap, ListenerOnAllInterfacesAtListenerPort) {
  const Json b = RenderEnvoyBootstrap({});
  const Json& listeners = b["static_resources"]["listeners"];
  ASSERT_EQ(listeners.size(), 1u);
  EXPECT_EQ(listeners[0]["name"], "listener_0");
  EXPECT_EQ(listeners[0]["address"]["socket_address"]["address"], "0.0.0.0");
  EXPECT_EQ(listeners[0]["address"]["socket_address"]["port_value"], 8801);
  const Json& network_filters = listeners[0]["filter_chains"][0]["filters"];
  ASSERT_EQ(network_filters.size(), 1u);
  EXPECT_EQ(network_filters[0]["name"],
            "envoy.filters.network.http_connection_manager");
  EXPECT_EQ(Hcm(b)["stat_prefix"], "ingress_http");
  EXPECT_EQ(Hcm(b)["access_log"][0]["name"], "envoy.access_loggers.stdout");
}

TEST(EnvoyBootstrap, HttpFiltersRunExtProcThenForwardProxyThenRouter) {
  const Json b = RenderEnvoyBootstrap({});
  EXPECT_THAT(FilterNames(b),
              ElementsAre("envoy.filters.http.ext_proc",
                          "envoy.filters.http.dynamic_forward_proxy",
                          "envoy.filters.http.router"));
}

TEST(EnvoyBootstrap, RoutesModelsToRouterApiAndTheRestToForwardProxy) {
  const Json b = RenderEnvoyBootstrap({});
  const Json& vhosts = Hcm(b)["route_config"]["virtual_hosts"];
  ASSERT_EQ(vhosts.size(), 1u);
  EXPECT_EQ(vhosts[0]["domains"], Json::array({"*"}));
  const Json& routes = vhosts[0]["routes"];
  ASSERT_EQ(routes.size(), 2u);
  // Exact match first: a prefix "/" would otherwise shadow it.
  EXPECT_EQ(routes[0]["match"].dump(), R"({"path":"/v1/models"})");
  EXPECT_EQ(routes[0]["route"]["cluster"], "semantic_router_cluster");
  EXPECT_EQ(routes[0]["route"]["timeout"], "300s");
  EXPECT_EQ(routes[1]["match"].dump(), R"({"prefix":"/"})");
  EXPECT_EQ(routes[1]["route"]["cluster"], "dynamic_forward_proxy_cluster");
  EXPECT_EQ(routes[1]["route"]["timeout"], "300s");
}

TEST(EnvoyBootstrap, ExtProcFilterMatchesUpstreamSettings) {
  const Json b = RenderEnvoyBootstrap({});
  const Json& ext_proc = Hcm(b)["http_filters"][0]["typed_config"];
  EXPECT_EQ(ext_proc["grpc_service"]["envoy_grpc"]["cluster_name"],
            "extproc_service");
  EXPECT_EQ(ext_proc["allow_mode_override"], true);
  EXPECT_EQ(ext_proc["failure_mode_allow"], true);
  EXPECT_EQ(ext_proc["message_timeout"], "300s");
  EXPECT_EQ(ext_proc["processing_mode"],
            Json::parse(R"({"request_header_mode": "SEND",
                            "response_header_mode": "SEND",
                            "request_body_mode": "BUFFERED",
                            "response_body_mode": "BUFFERED",
                            "request_trailer_mode": "SKIP",
                            "response_trailer_mode": "SKIP"})"));
}

TEST(EnvoyBootstrap, HcmCarriesUpstreamHttp2AndTimeoutSettings) {
  const Json b = RenderEnvoyBootstrap({});
  const Json& hcm = Hcm(b);
  EXPECT_EQ(hcm["http2_protocol_options"]["max_concurrent_streams"], 100);
  EXPECT_EQ(hcm["http2_protocol_options"]["initial_stream_window_size"],
            65536);
  EXPECT_EQ(hcm["http2_protocol_options"]["initial_connection_window_size"],
            1048576);
  EXPECT_EQ(hcm["stream_idle_timeout"], "300s");
  EXPECT_EQ(hcm["request_timeout"], "300s");
  EXPECT_EQ(hcm["common_http_protocol_options"]["idle_timeout"], "300s");
}

TEST(EnvoyBootstrap, ExtProcClusterIsHttp2OnLoopback) {
  const Json b = RenderEnvoyBootstrap({});
  const Json& cluster = Cluster(b, "extproc_service");
  EXPECT_EQ(cluster["type"], "STATIC");
  EXPECT_EQ(cluster["connect_timeout"], "300s");
  EXPECT_EQ(cluster["per_connection_buffer_limit_bytes"], 52428800);
  const Json& http = Http2Options(cluster);
  ASSERT_TRUE(http.contains("http2_protocol_options"));
  EXPECT_FALSE(http.contains("http_protocol_options"));
  EXPECT_EQ(http["http2_protocol_options"]["connection_keepalive"],
            Json::parse(R"({"interval": "300s", "timeout": "300s"})"));
  const Json& address = cluster["load_assignment"]["endpoints"][0]
                               ["lb_endpoints"][0]["endpoint"]["address"]
                               ["socket_address"];
  EXPECT_EQ(address["address"], "127.0.0.1");
  EXPECT_EQ(address["port_value"], 50051);
  EXPECT_EQ(cluster["load_assignment"]["cluster_name"], "extproc_service");
}

TEST(EnvoyBootstrap, RouterApiClusterIsHttp1OnLoopback) {
  const Json b = RenderEnvoyBootstrap({});
  const Json& cluster = Cluster(b, "semantic_router_cluster");
  EXPECT_EQ(cluster["type"], "STATIC");
  EXPECT_EQ(Http2Options(cluster).dump(), R"({"http_protocol_options":{}})");
  const Json& address = cluster["load_assignment"]["endpoints"][0]
                               ["lb_endpoints"][0]["endpoint"]["address"]
                               ["socket_address"];
  EXPECT_EQ(address["address"], "127.0.0.1");
  EXPECT_EQ(address["port_value"], 8080);
}

TEST(EnvoyBootstrap, ForwardProxyClusterSharesTheFilterDnsCache) {
  const Json b = RenderEnvoyBootstrap({});
  const Json& cluster = Cluster(b, "dynamic_forward_proxy_cluster");
  EXPECT_FALSE(cluster.contains("type"));  // cluster_type replaces it
  EXPECT_EQ(cluster["lb_policy"], "CLUSTER_PROVIDED");
  EXPECT_EQ(cluster["cluster_type"]["name"],
            "envoy.clusters.dynamic_forward_proxy");
  const Json& config = cluster["cluster_type"]["typed_config"];
  EXPECT_EQ(config["allow_insecure_cluster_options"], true);
  EXPECT_EQ(config["dns_cache_config"],
            Json::parse(R"({"name": "dynamic_forward_proxy_cache_config",
                            "dns_lookup_family": "V4_ONLY",
                            "max_hosts": 1024,
                            "dns_min_refresh_rate": "20s"})"));
  // Envoy refuses two different configs under one cache name.
  EXPECT_EQ(Hcm(b)["http_filters"][1]["typed_config"]["dns_cache_config"],
            config["dns_cache_config"]);
  EXPECT_EQ(Http2Options(cluster).dump(), R"({"http_protocol_options":{}})");
}

TEST(EnvoyBootstrap, EveryTypedConfigHasAKnownV3TypeUrl) {
  const Json b = RenderEnvoyBootstrap({});
  int typed_configs = 0;
  WalkMembers(b, "", [&](const std::string& path, const std::string& key,
                         const Json& value) {
    if (key == "typed_config") {
      ++typed_configs;
      ASSERT_TRUE(value.is_object()) << path;
      ASSERT_TRUE(value.contains("@type")) << path;
      EXPECT_EQ(value.begin().key(), "@type") << path << " @type not first";
    }
    if (key == "@type") {
      EXPECT_TRUE(KnownTypeUrls().count(value.get<std::string>()))
          << path << ": " << value;
    }
    // typed_extension_protocol_options is keyed by the extension's name,
    // which must agree with the @type inside.
    if (key == "typed_extension_protocol_options") {
      for (const auto& [name, options] : value.items()) {
        EXPECT_EQ(options.value("@type", ""),
                  "type.googleapis.com/" + name)
            << path;
      }
    }
  });
  // HCM, access log, 3 HTTP filters, DFP cluster.
  EXPECT_EQ(typed_configs, 6);
}

TEST(EnvoyBootstrap, NoDeprecatedV2ClusterFields) {
  const Json b = RenderEnvoyBootstrap({});
  for (const Json& cluster : b["static_resources"]["clusters"]) {
    const std::string name = cluster["name"].get<std::string>();
    for (const char* deprecated :
         {"http2_protocol_options", "http_protocol_options",
          "common_http_protocol_options", "hosts", "tls_context"}) {
      EXPECT_FALSE(cluster.contains(deprecated)) << name << ": " << deprecated;
    }
    if (cluster.contains("type")) {
      EXPECT_TRUE(cluster.contains("load_assignment")) << name;
    }
  }
  std::vector<std::string> hosts_keys;
  WalkMembers(b, "", [&](const std::string& path, const std::string& key,
                         const Json&) {
    if (key == "hosts" || key == "access_log_path") hosts_keys.push_back(path);
  });
  EXPECT_THAT(hosts_keys, IsEmpty());
}

TEST(EnvoyBootstrap, DurationsAreProtoJsonStrings) {
  const Json b = RenderEnvoyBootstrap({});
  const std::regex duration("[1-9][0-9]*s");
  int durations = 0;
  WalkMembers(b, "", [&](const std::string& path, const std::string& key,
                         const Json& value) {
    const bool is_duration =
        key == "timeout" || key == "interval" || key == "dns_min_refresh_rate" ||
        (key.size() > 8 && key.compare(key.size() - 8, 8, "_timeout") == 0);
    if (!is_duration) return;
    ++durations;
    ASSERT_TRUE(value.is_string()) << path;
    EXPECT_TRUE(std::regex_match(value.get<std::string>(), duration))
        << path << ": " << value;
  });
  // 2 route timeouts, message, stream idle, request, idle, 3 connect
  // timeouts, keepalive interval and timeout, 2 DNS refresh rates.
  EXPECT_EQ(durations, 13);
}

TEST(EnvoyBootstrap, AdminListensOnLoopbackOnly) {
  const Json b = RenderEnvoyBootstrap({});
  EXPECT_EQ(b["admin"]["address"]["socket_address"]["address"], "127.0.0.1");
  EXPECT_EQ(b["admin"]["address"]["socket_address"]["port_value"], 19000);
}

TEST(EnvoyBootstrap, OptionsChangePortsAndTimeouts) {
  EnvoyBootstrapOptions options;
  options.listener_port = 9901;
  options.admin_port = 19001;
  options.extproc_port = 50052;
  options.router_api_port = 8081;
  options.timeout_seconds = 60;
  const Json b = RenderEnvoyBootstrap(options);
  EXPECT_EQ(b["static_resources"]["listeners"][0]["address"]["socket_address"]
             ["port_value"],
            9901);
  EXPECT_EQ(b["admin"]["address"]["socket_address"]["port_value"], 19001);
  auto port_of = [&](const std::string& cluster) {
    return Cluster(b, cluster)["load_assignment"]["endpoints"][0]
                              ["lb_endpoints"][0]["endpoint"]["address"]
                              ["socket_address"]["port_value"];
  };
  EXPECT_EQ(port_of("extproc_service"), 50052);
  EXPECT_EQ(port_of("semantic_router_cluster"), 8081);
  EXPECT_EQ(Hcm(b)["route_config"]["virtual_hosts"][0]["routes"][1]["route"]
                  ["timeout"],
            "60s");
  EXPECT_EQ(Hcm(b)["http_filters"][0]["typed_config"]["message_timeout"],
            "60s");
  EXPECT_EQ(Cluster(b, "extproc_service")["connect_timeout"], "60s");
  // The DNS refresh rate is not a request timeout and stays fixed.
  EXPECT_EQ(Hcm(b)["http_filters"][1]["typed_config"]["dns_cache_config"]
                  ["dns_min_refresh_rate"],
            "20s");
}

TEST(EnvoyBootstrap, NonPositiveTimeoutIsRaisedToOneSecond) {
  EnvoyBootstrapOptions options;
  options.timeout_seconds = 0;
  const Json b = RenderEnvoyBootstrap(options);
  EXPECT_EQ(Cluster(b, "extproc_service")["connect_timeout"], "1s");
  EXPECT_EQ(Hcm(b)["request_timeout"], "1s");
}

TEST(EnvoyBootstrap, OutputIsDeterministic) {
  const Json first = RenderEnvoyBootstrap({});
  const Json second = RenderEnvoyBootstrap({});
  EXPECT_EQ(first.dump(), second.dump());
  EXPECT_EQ(ToYaml(first), ToYaml(second));
  std::vector<std::string> top_keys;
  for (const auto& [key, value] : first.items()) top_keys.push_back(key);
  EXPECT_THAT(top_keys, ElementsAre("static_resources", "admin"));
}

TEST(EnvoyBootstrap, SurvivesTheYamlRoundTripIntoTheConfigMap) {
  const Json b = RenderEnvoyBootstrap({});
  const std::string yaml = ToYaml(b);
  EXPECT_THAT(yaml, HasSubstr("\"@type\": type.googleapis.com/envoy.extensions"
                              ".filters.http.router.v3.Router"));
  auto parsed = ParseYaml(yaml);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed, b);
}

}  // namespace
}  // namespace srfleet::render
