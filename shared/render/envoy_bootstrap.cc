#include "shared/render/envoy_bootstrap.h"

#include <algorithm>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"

namespace srfleet::render {
namespace {

// Every object below is built key by key: nlohmann::ordered_json keeps
// insertion order, so the emitted YAML is byte-stable, and explicit
// Json::object()/Json::array() avoid the initializer-list ambiguity between
// "object" and "array of pairs".

constexpr char kLoopback[] = "127.0.0.1";
constexpr char kAnyAddress[] = "0.0.0.0";

constexpr char kExtProcCluster[] = "extproc_service";
constexpr char kRouterApiCluster[] = "semantic_router_cluster";
constexpr char kForwardProxyCluster[] = "dynamic_forward_proxy_cluster";
constexpr char kDnsCacheName[] = "dynamic_forward_proxy_cache_config";

// The key of typed_extension_protocol_options is the extension name, which
// for this extension is the type URL without its prefix.
constexpr char kHttpProtocolOptionsName[] =
    "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";

constexpr char kHcmType[] =
    "type.googleapis.com/"
    "envoy.extensions.filters.network.http_connection_manager.v3."
    "HttpConnectionManager";
constexpr char kStdoutLogType[] =
    "type.googleapis.com/envoy.extensions.access_loggers.stream.v3."
    "StdoutAccessLog";
constexpr char kExtProcType[] =
    "type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3."
    "ExternalProcessor";
constexpr char kForwardProxyFilterType[] =
    "type.googleapis.com/envoy.extensions.filters.http.dynamic_forward_proxy."
    "v3.FilterConfig";
constexpr char kRouterType[] =
    "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router";
constexpr char kHttpProtocolOptionsType[] =
    "type.googleapis.com/envoy.extensions.upstreams.http.v3."
    "HttpProtocolOptions";
constexpr char kForwardProxyClusterType[] =
    "type.googleapis.com/envoy.extensions.clusters.dynamic_forward_proxy.v3."
    "ClusterConfig";

// Upstream's value for the max bytes buffered per upstream connection.
constexpr int kClusterBufferLimitBytes = 52428800;

// google.protobuf.Duration in its JSON form, e.g. "300s".
std::string Seconds(int seconds) { return absl::StrCat(seconds, "s"); }

// An object whose first key is "@type", as every Any in Envoy's config is.
Json Typed(const char* type_url) {
  Json any = Json::object();
  any["@type"] = type_url;
  return any;
}

// config.core.v3.Address with a socket_address.
Json SocketAddress(const char* address, int port) {
  Json socket = Json::object();
  socket["address"] = address;
  socket["port_value"] = port;
  Json result = Json::object();
  result["socket_address"] = std::move(socket);
  return result;
}

// A ClusterLoadAssignment with one endpoint: the v3 replacement of `hosts`.
Json SingleEndpoint(const char* cluster_name, const char* address, int port) {
  Json endpoint = Json::object();
  endpoint["address"] = SocketAddress(address, port);
  Json lb_endpoint = Json::object();
  lb_endpoint["endpoint"] = std::move(endpoint);
  Json locality = Json::object();
  locality["lb_endpoints"] = Json::array({std::move(lb_endpoint)});
  Json assignment = Json::object();
  assignment["cluster_name"] = cluster_name;
  assignment["endpoints"] = Json::array({std::move(locality)});
  return assignment;
}

// Cluster protocol selection in v3 lives in typed_extension_protocol_options
// (the cluster-level http2_protocol_options is deprecated).
// `protocol_key` is "http_protocol_options" or "http2_protocol_options".
Json ExplicitHttpProtocol(const char* protocol_key, Json protocol_options) {
  Json explicit_config = Json::object();
  explicit_config[protocol_key] = std::move(protocol_options);
  Json options = Typed(kHttpProtocolOptionsType);
  options["explicit_http_config"] = std::move(explicit_config);
  Json result = Json::object();
  result[kHttpProtocolOptionsName] = std::move(options);
  return result;
}

// The DNS cache shared by the dynamic_forward_proxy filter and cluster.
// Envoy requires both to carry an identical config for the same cache name,
// so both call sites use this one function.
Json DnsCacheConfig() {
  Json cache = Json::object();
  cache["name"] = kDnsCacheName;
  cache["dns_lookup_family"] = "V4_ONLY";
  cache["max_hosts"] = 1024;
  cache["dns_min_refresh_rate"] = Seconds(20);
  return cache;
}

Json Route(Json match, const char* cluster, const std::string& timeout) {
  Json action = Json::object();
  action["cluster"] = cluster;
  action["timeout"] = timeout;
  Json route = Json::object();
  route["match"] = std::move(match);
  route["route"] = std::move(action);
  return route;
}

Json RouteConfig(const std::string& timeout) {
  // The router's own HTTP API answers the model list; everything else goes
  // through ext_proc, which rewrites :authority to the chosen backend, and
  // then to the forward proxy, which resolves that authority.
  Json models_match = Json::object();
  models_match["path"] = "/v1/models";
  Json default_match = Json::object();
  default_match["prefix"] = "/";

  Json virtual_host = Json::object();
  virtual_host["name"] = "local_service";
  virtual_host["domains"] = Json::array({"*"});
  virtual_host["routes"] =
      Json::array({Route(std::move(models_match), kRouterApiCluster, timeout),
                   Route(std::move(default_match), kForwardProxyCluster,
                         timeout)});

  Json route_config = Json::object();
  route_config["name"] = "local_route";
  route_config["virtual_hosts"] = Json::array({std::move(virtual_host)});
  return route_config;
}

Json HttpFilter(const char* name, Json typed_config) {
  Json filter = Json::object();
  filter["name"] = name;
  filter["typed_config"] = std::move(typed_config);
  return filter;
}

Json ExtProcFilter(const std::string& timeout) {
  Json envoy_grpc = Json::object();
  envoy_grpc["cluster_name"] = kExtProcCluster;
  Json grpc_service = Json::object();
  grpc_service["envoy_grpc"] = std::move(envoy_grpc);

  // The router needs the full request body (the prompt) to classify, and the
  // full response body for caching and usage accounting.
  Json mode = Json::object();
  mode["request_header_mode"] = "SEND";
  mode["response_header_mode"] = "SEND";
  mode["request_body_mode"] = "BUFFERED";
  mode["response_body_mode"] = "BUFFERED";
  mode["request_trailer_mode"] = "SKIP";
  mode["response_trailer_mode"] = "SKIP";

  Json config = Typed(kExtProcType);
  config["grpc_service"] = std::move(grpc_service);
  config["allow_mode_override"] = true;
  config["processing_mode"] = std::move(mode);
  // Requests pass unprocessed when the router is down (upstream behaviour).
  config["failure_mode_allow"] = true;
  config["message_timeout"] = timeout;
  return HttpFilter("envoy.filters.http.ext_proc", std::move(config));
}

Json ForwardProxyFilter() {
  Json config = Typed(kForwardProxyFilterType);
  config["dns_cache_config"] = DnsCacheConfig();
  return HttpFilter("envoy.filters.http.dynamic_forward_proxy",
                    std::move(config));
}

Json HttpConnectionManager(const std::string& timeout) {
  Json access_log = Json::object();
  access_log["name"] = "envoy.access_loggers.stdout";
  access_log["typed_config"] = Typed(kStdoutLogType);

  Json http2 = Json::object();
  http2["max_concurrent_streams"] = 100;
  http2["initial_stream_window_size"] = 65536;
  http2["initial_connection_window_size"] = 1048576;

  Json common = Json::object();
  common["idle_timeout"] = timeout;

  // Hardening beyond upstream, none of which changes where requests go:
  // - use_remote_address: x-forwarded-for gets the real peer address instead
  //   of trusting what the client sent.
  // - internal_address_config with no ranges: no peer is "internal", so
  //   clients cannot inject x-envoy-* control headers. This is the default
  //   Envoy is moving to, and setting it silences the startup warning.
  // - normalize_path/merge_slashes: "/v1//models" or "/v1/./models" match
  //   the same route as "/v1/models".
  Json internal_addresses = Json::object();
  internal_addresses["unix_sockets"] = false;
  internal_addresses["cidr_ranges"] = Json::array();

  Json hcm = Typed(kHcmType);
  hcm["stat_prefix"] = "ingress_http";
  hcm["codec_type"] = "AUTO";
  hcm["use_remote_address"] = true;
  hcm["internal_address_config"] = std::move(internal_addresses);
  hcm["normalize_path"] = true;
  hcm["merge_slashes"] = true;
  hcm["access_log"] = Json::array({std::move(access_log)});
  hcm["route_config"] = RouteConfig(timeout);
  // Order matters: ext_proc decides the model and rewrites :authority, the
  // forward proxy resolves it, and the router (always last) sends it.
  hcm["http_filters"] = Json::array(
      {ExtProcFilter(timeout), ForwardProxyFilter(),
       HttpFilter("envoy.filters.http.router", Typed(kRouterType))});
  hcm["http2_protocol_options"] = std::move(http2);
  hcm["stream_idle_timeout"] = timeout;
  hcm["request_timeout"] = timeout;
  hcm["common_http_protocol_options"] = std::move(common);
  return hcm;
}

Json Listener(int port, const std::string& timeout) {
  Json network_filter = Json::object();
  network_filter["name"] = "envoy.filters.network.http_connection_manager";
  network_filter["typed_config"] = HttpConnectionManager(timeout);
  Json filter_chain = Json::object();
  filter_chain["filters"] = Json::array({std::move(network_filter)});

  Json listener = Json::object();
  listener["name"] = "listener_0";
  listener["address"] = SocketAddress(kAnyAddress, port);
  listener["filter_chains"] = Json::array({std::move(filter_chain)});
  return listener;
}

// Fields every cluster shares, in upstream's order.
Json ClusterBase(const char* name, const std::string& timeout) {
  Json cluster = Json::object();
  cluster["name"] = name;
  cluster["connect_timeout"] = timeout;
  cluster["per_connection_buffer_limit_bytes"] = kClusterBufferLimitBytes;
  return cluster;
}

// The router's ext_proc gRPC server: HTTP/2, with keepalive pings so a dead
// connection is noticed between requests.
Json ExtProcCluster(int port, const std::string& timeout) {
  Json keepalive = Json::object();
  keepalive["interval"] = timeout;
  keepalive["timeout"] = timeout;
  Json http2 = Json::object();
  http2["connection_keepalive"] = std::move(keepalive);

  Json cluster = ClusterBase(kExtProcCluster, timeout);
  cluster["type"] = "STATIC";
  cluster["lb_policy"] = "ROUND_ROBIN";
  cluster["typed_extension_protocol_options"] =
      ExplicitHttpProtocol("http2_protocol_options", std::move(http2));
  cluster["load_assignment"] = SingleEndpoint(kExtProcCluster, kLoopback, port);
  return cluster;
}

Json RouterApiCluster(int port, const std::string& timeout) {
  Json cluster = ClusterBase(kRouterApiCluster, timeout);
  cluster["type"] = "STATIC";
  cluster["lb_policy"] = "ROUND_ROBIN";
  cluster["load_assignment"] =
      SingleEndpoint(kRouterApiCluster, kLoopback, port);
  cluster["typed_extension_protocol_options"] =
      ExplicitHttpProtocol("http_protocol_options", Json::object());
  return cluster;
}

// Upstream hosts come from :authority via the shared DNS cache. Insecure
// options are allowed because backends are plain HTTP (no auto_sni/SAN).
Json ForwardProxyCluster(const std::string& timeout) {
  Json config = Typed(kForwardProxyClusterType);
  config["allow_insecure_cluster_options"] = true;
  config["dns_cache_config"] = DnsCacheConfig();
  Json cluster_type = Json::object();
  cluster_type["name"] = "envoy.clusters.dynamic_forward_proxy";
  cluster_type["typed_config"] = std::move(config);

  Json cluster = ClusterBase(kForwardProxyCluster, timeout);
  cluster["lb_policy"] = "CLUSTER_PROVIDED";
  cluster["cluster_type"] = std::move(cluster_type);
  cluster["typed_extension_protocol_options"] =
      ExplicitHttpProtocol("http_protocol_options", Json::object());
  return cluster;
}

}  // namespace

Json RenderEnvoyBootstrap(const EnvoyBootstrapOptions& options) {
  // Envoy rejects a zero connect_timeout, and a zero route timeout would
  // silently mean "no timeout"; never emit either.
  const std::string timeout = Seconds(std::max(1, options.timeout_seconds));

  Json static_resources = Json::object();
  static_resources["listeners"] =
      Json::array({Listener(options.listener_port, timeout)});
  static_resources["clusters"] =
      Json::array({ExtProcCluster(options.extproc_port, timeout),
                   RouterApiCluster(options.router_api_port, timeout),
                   ForwardProxyCluster(timeout)});

  // The admin interface can reconfigure and shut down Envoy: loopback only.
  Json admin = Json::object();
  admin["address"] = SocketAddress(kLoopback, options.admin_port);

  Json bootstrap = Json::object();
  bootstrap["static_resources"] = std::move(static_resources);
  bootstrap["admin"] = std::move(admin);
  return bootstrap;
}

}  // namespace srfleet::render
