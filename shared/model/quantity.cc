#include "shared/model/quantity.h"

#include <cmath>
#include <cstdlib>
#include <regex>

namespace srfleet::model {

std::optional<double> ParseQuantity(const std::string& text) {
  // The grammar of k8s.io/apimachinery/pkg/api/resource.
  static const std::regex kQuantity(
      R"(^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$)");
  std::smatch m;
  if (!std::regex_match(text, m, kQuantity)) return std::nullopt;
  double number = std::strtod(m[1].str().c_str(), nullptr);
  const std::string suffix = m[2].str();
  double scale = 1;
  if (suffix.empty()) {
    scale = 1;
  } else if (suffix[0] == 'e' || suffix[0] == 'E') {
    scale = std::pow(10.0, std::strtod(suffix.c_str() + 1, nullptr));
  } else if (suffix.size() == 2) {  // binary
    static const std::string kBinary = "KMGTPE";
    scale = std::pow(1024.0, static_cast<double>(kBinary.find(suffix[0]) + 1));
  } else {
    switch (suffix[0]) {
      case 'n': scale = 1e-9; break;
      case 'u': scale = 1e-6; break;
      case 'm': scale = 1e-3; break;
      case 'k': scale = 1e3; break;
      case 'M': scale = 1e6; break;
      case 'G': scale = 1e9; break;
      case 'T': scale = 1e12; break;
      case 'P': scale = 1e15; break;
      case 'E': scale = 1e18; break;
    }
  }
  return number * scale;
}

}  // namespace srfleet::model
