#include "shared/text/k8s_names.h"

#include <algorithm>

namespace srfleet::text {
namespace {

bool LowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

}  // namespace

bool IsDns1123Label(std::string_view v) {
  if (v.empty() || !LowerAlnum(v.front()) || !LowerAlnum(v.back())) return false;
  return std::all_of(v.begin(), v.end(), [](char c) { return LowerAlnum(c) || c == '-'; });
}

bool IsDns1123Subdomain(std::string_view v) {
  size_t start = 0;
  while (true) {
    const size_t dot = v.find('.', start);
    if (!IsDns1123Label(v.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start))) {
      return false;
    }
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

bool IsDns1035Label(std::string_view v) { return IsDns1123Label(v) && v.front() >= 'a' && v.front() <= 'z'; }

}  // namespace srfleet::text
