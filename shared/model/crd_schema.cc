#include "shared/model/crd_schema.h"

#include <memory>
#include <nlohmann/json.hpp>
#include <string_view>

#include "shared/json/yaml_codec.h"
#include "shared/schema/schema_library.h"

namespace srfleet::embedded {
std::string_view SemanticRouterCrdYaml();
}

namespace srfleet::model {
namespace {

struct CompiledCrd {
  Json crd;
  schema::SchemaLibrary library;
  absl::StatusOr<const schema::SchemaNode*> root = absl::UnknownError("not compiled");
};

const CompiledCrd& Compiled() {
  static const CompiledCrd* compiled = [] {
    auto c = std::make_unique<CompiledCrd>();
    auto doc = ParseYaml(embedded::SemanticRouterCrdYaml());
    if (!doc.ok()) {
      c->root = doc.status();
      return c.release();
    }
    c->crd = std::move(*doc);
    if (auto st = c->library.AddCustomResourceDefinition(c->crd); !st.ok()) {
      c->root = st;
      return c.release();
    }
    const auto* node = c->library.Find(schema::GroupVersionKind{kGroup, kVersion, kKind});
    if (node) {
      c->root = node;
    } else {
      c->root = absl::InternalError("embedded CRD has no vllm.ai/v1alpha1 SemanticRouter version");
    }
    return c.release();  // process-lifetime singleton
  }();
  return *compiled;
}

}  // namespace

const Json& SemanticRouterCrd() { return Compiled().crd; }

absl::StatusOr<const schema::SchemaNode*> SemanticRouterSchema() { return Compiled().root; }

}  // namespace srfleet::model
