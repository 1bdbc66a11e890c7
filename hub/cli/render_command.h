// `srfleet render`: SemanticRouter manifests in, the Kubernetes objects the
// agent would apply out, like `helm template`. Works offline.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "hub/cli/exit_codes.h"

namespace srfleet::cli {

struct RenderOptions {
  std::vector<std::string> files;  // "-" reads standard input
  std::string platform = "kubernetes";  // kubernetes | openshift
  bool gateway_api = true;              // assume Gateway API is served
  std::string default_namespace = "default";
  std::string output = "yaml";  // yaml | json
};

int RunRender(const RenderOptions& options, std::ostream& out, std::ostream& err);

}  // namespace srfleet::cli
