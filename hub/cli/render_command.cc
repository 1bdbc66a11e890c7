#include "hub/cli/render_command.h"

#include <nlohmann/json.hpp>
#include <ostream>

#include "hub/cli/input_files.h"
#include "shared/json/yaml_codec.h"
#include "shared/model/semantic_router.h"
#include "shared/render/renderer.h"

namespace srfleet::cli {

int RunRender(const RenderOptions& options, std::ostream& out, std::ostream& err) {
  if (options.platform != "kubernetes" && options.platform != "openshift") {
    err << "error: --platform must be kubernetes or openshift, got \"" << options.platform << "\"\n";
    return kUsage;
  }
  if (options.output != "yaml" && options.output != "json") {
    err << "error: -o must be yaml or json, got \"" << options.output << "\"\n";
    return kUsage;
  }
  if (options.files.empty()) {
    err << "error: no input; pass -f FILE (or -f - for standard input)\n";
    return kUsage;
  }
  render::RenderInput input;
  input.platform.openshift = options.platform == "openshift";
  input.platform.gateway_api = options.gateway_api;
  input.platform.kserve = true;

  // Parse and validate everything first: nothing is printed unless every
  // input is valid.
  std::vector<model::SemanticRouter> routers;
  bool failed = false;
  for (const auto& file : options.files) {
    std::string content;
    if (!ReadInputFile(file, &content, err)) return kIoError;
    model::ParseOptions parse;
    parse.default_namespace = options.default_namespace;
    auto parsed = ParseRouterDocuments(content, parse);
    if (!parsed.ok()) {
      err << "error: " << file << ":\n" << parsed.status().message() << "\n";
      failed = true;
      continue;
    }
    for (const auto& other : parsed->others) {
      err << "note: " << file << ": skipping " << DescribeOtherDocument(other) << " (not a SemanticRouter)\n";
    }
    for (auto& r : parsed->routers) routers.push_back(std::move(r));
  }
  if (failed) return kInvalidInput;

  std::vector<Json> objects;
  for (const auto& router : routers) {
    render::RenderInput per_router = input;
    per_router.backends = render::AssumedBackends(router);
    auto result = render::Render(router, per_router);
    if (!result.ok()) {
      err << "error: SemanticRouter " << router.ns() << "/" << router.name() << ": " << result.status().message()
          << "\n";
      return kInvalidInput;
    }
    for (const auto& w : result->warnings) {
      err << "warning: SemanticRouter " << router.ns() << "/" << router.name() << ": " << w << "\n";
    }
    for (auto& o : result->objects) objects.push_back(std::move(o));
  }
  if (options.output == "json") {
    Json list = Json{{"apiVersion", "v1"}, {"kind", "List"}, {"items", objects}};
    out << list.dump(2) << "\n";
  } else {
    out << ToYamlDocuments(objects);
  }
  return kOk;
}

}  // namespace srfleet::cli
