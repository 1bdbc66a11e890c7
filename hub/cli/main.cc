// srfleet: the command line of the srfleet control plane.
#include <CLI/CLI.hpp>
#include <iostream>

#include "hub/cli/render_command.h"

int main(int argc, char** argv) {
  CLI::App app{"srfleet: deploy and run vLLM Semantic Router on one cluster or a fleet"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "srfleet 0.1.0");

  srfleet::cli::RenderOptions render;
  auto* render_cmd = app.add_subcommand(
      "render", "Print the Kubernetes objects for SemanticRouter manifests, offline (like helm template)");
  render_cmd->add_option("-f,--filename", render.files, "SemanticRouter YAML/JSON file; - for standard input")
      ->required();
  render_cmd->add_option("--platform", render.platform, "Target platform: kubernetes or openshift")
      ->capture_default_str();
  render_cmd->add_option("-n,--namespace", render.default_namespace, "Namespace for routers that name none")
      ->capture_default_str();
  render_cmd->add_option("-o,--output", render.output, "Output format: yaml or json")->capture_default_str();
  render_cmd->add_flag("!--no-gateway-api", render.gateway_api,
                       "Assume the cluster does not serve Gateway API (warns in gateway mode)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : srfleet::cli::kUsage;
  }
  if (*render_cmd) return srfleet::cli::RunRender(render, std::cout, std::cerr);
  return srfleet::cli::kUsage;
}
