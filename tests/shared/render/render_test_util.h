// Helpers shared by the renderer tests: parse a sample, render it for a
// platform, find an object by kind.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "shared/model/semantic_router.h"
#include "shared/render/renderer.h"
#include "tests/support/test_files.h"

namespace srfleet::render::testing {

enum class Platform { kKubernetes, kOpenShift };

inline RenderInput InputFor(Platform p) {
  RenderInput in;
  in.platform.openshift = p == Platform::kOpenShift;
  in.platform.gateway_api = true;
  in.platform.kserve = true;
  return in;
}

// Renders every SemanticRouter in `yaml` with the offline backend assumption.
inline std::vector<Json> RenderAll(const std::string& yaml, Platform p, std::vector<std::string>* warnings = nullptr) {
  auto parsed = model::ParseSemanticRouters(yaml);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  std::vector<Json> out;
  if (!parsed.ok()) return out;
  for (const auto& router : parsed->routers) {
    RenderInput in = InputFor(p);
    in.backends = AssumedBackends(router);
    auto result = Render(router, in);
    EXPECT_TRUE(result.ok()) << result.status();
    if (!result.ok()) continue;
    for (auto& o : result->objects) out.push_back(std::move(o));
    if (warnings) warnings->insert(warnings->end(), result->warnings.begin(), result->warnings.end());
  }
  return out;
}

inline const Json* FindKind(const std::vector<Json>& objects, const std::string& kind, const std::string& name = "") {
  for (const auto& o : objects) {
    if (o["kind"] == kind && (name.empty() || o["metadata"]["name"] == name)) return &o;
  }
  return nullptr;
}

inline std::vector<std::filesystem::path> YamlFilesIn(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> files;
  if (!std::filesystem::exists(dir)) return files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() == ".yaml" && e.path().filename() != "kustomization.yaml") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace srfleet::render::testing
