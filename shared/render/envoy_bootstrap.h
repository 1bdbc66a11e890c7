// The Envoy sidecar bootstrap used in standalone mode (seed-operator §2.10).
//
// Upstream writes this as a static YAML string; we build it as a Json tree so
// the ports and timeouts are data, the tree can be checked structurally, and
// the caller emits it with the one YAML emitter (ConfigMap
// `<name>-envoy-config`, key `envoy.yaml`).
#pragma once

#include "shared/json/json.h"

namespace srfleet::render {

struct EnvoyBootstrapOptions {
  int listener_port = 8801;    // envoy-http, on 0.0.0.0
  int admin_port = 19000;      // bound to 127.0.0.1 only
  int extproc_port = 50051;    // router gRPC ext_proc, reached on 127.0.0.1
  int router_api_port = 8080;  // router HTTP API, for /v1/models
  // Route, ext_proc message, HCM stream/request/idle, connect and HTTP/2
  // keepalive timeouts (upstream uses one value for all of them). Values
  // below 1 are raised to 1: Envoy rejects a zero connect_timeout.
  int timeout_seconds = 300;
};

// A complete Envoy v3 bootstrap (static_resources + admin), valid for
// Envoy 1.35. Pure and deterministic: the same options give the same tree
// with the same key order. Ports are used as given (callers validate them).
Json RenderEnvoyBootstrap(const EnvoyBootstrapOptions& options);

}  // namespace srfleet::render
