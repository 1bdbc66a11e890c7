// Facts derived once from a SemanticRouter and shared by every object builder
// (names, ports, mode, labels), so the builders agree with each other.
#pragma once

#include <optional>
#include <string>

#include "shared/json/json.h"
#include "shared/render/render_input.h"

namespace srfleet::render {

struct PortPlan {
  int port = 0;         // Service port
  int target_port = 0;  // container port; defaults to `port`
};

struct RenderContext {
  std::string name;
  std::string ns;
  const Json* spec = nullptr;  // never null
  const RenderInput* input = nullptr;

  bool standalone = true;  // no spec.gateway.existingRef: Envoy sidecar in the pod
  PortPlan grpc, api, metrics;
  bool metrics_enabled = true;
  static constexpr int kEnvoyPort = 8801;
  static constexpr int kEnvoyAdminPort = 19000;

  bool autoscaling = false;
  int replicas = 1;       // spec.replicas
  int max_replicas = 1;   // what can run at most (HPA max when autoscaling)

  bool persistence = true;
  std::string existing_claim;

  std::string service_account;  // empty: the namespace's default account

  std::string ConfigName() const { return name + "-config"; }
  std::string EnvoyConfigName() const { return name + "-envoy-config"; }
  std::string ModelsClaimName() const { return existing_claim.empty() ? name + "-models" : existing_claim; }
  // The port clients should use: Envoy in standalone mode, the API otherwise.
  int FrontPort() const { return standalone ? kEnvoyPort : api.port; }
};

RenderContext MakeContext(const Json& object, const RenderInput& input);

// Metadata every rendered object carries: name, namespace, and the
// app.kubernetes.io labels (name, instance, managed-by, component).
Json ObjectMeta(const RenderContext& ctx, const std::string& name, const std::string& component);
// The immutable Deployment selector; identical to the upstream operator's so
// objects it created can be adopted.
Json SelectorLabels(const RenderContext& ctx);

// Small typed readers over the spec (absent or wrong type -> fallback).
const Json* FindPath(const Json& root, std::initializer_list<const char*> path);
std::string GetString(const Json& root, std::initializer_list<const char*> path, const std::string& fallback = "");
int64_t GetInt(const Json& root, std::initializer_list<const char*> path, int64_t fallback);
bool GetBool(const Json& root, std::initializer_list<const char*> path, bool fallback);

}  // namespace srfleet::render
