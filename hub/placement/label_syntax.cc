#include "hub/placement/label_syntax.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace srfleet::hub {
namespace {

constexpr size_t kMaxNameLength = 63;
constexpr size_t kMaxSubdomainLength = 253;

bool IsAlnum(char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)); }

// ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]
bool IsNameShaped(std::string_view s) {
  if (s.empty() || !IsAlnum(s.front()) || !IsAlnum(s.back())) return false;
  for (char c : s) {
    if (!IsAlnum(c) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

// RFC 1123 subdomain: dot-separated labels of [a-z0-9-], alphanumeric ends.
bool IsDnsSubdomain(std::string_view s) {
  if (s.empty() || s.size() > kMaxSubdomainLength) return false;
  auto lower_alnum = [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z'); };
  size_t start = 0;
  while (true) {
    size_t dot = s.find('.', start);
    std::string_view label = s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || !lower_alnum(label.front()) || !lower_alnum(label.back())) return false;
    for (char c : label) {
      if (!lower_alnum(c) && c != '-') return false;
    }
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

constexpr char kNameChars[] =
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

}  // namespace

std::string LabelKeyProblem(std::string_view key) {
  if (key.empty()) return "must not be empty";
  std::string_view name = key;
  size_t slash = key.find('/');
  if (slash != std::string_view::npos) {
    if (key.find('/', slash + 1) != std::string_view::npos) {
      return "must be a name with an optional DNS subdomain prefix and '/' (e.g. 'example.com/my-key'); found more "
             "than one '/'";
    }
    std::string_view prefix = key.substr(0, slash);
    name = key.substr(slash + 1);
    if (prefix.empty()) return "prefix part must not be empty";
    if (!IsDnsSubdomain(prefix)) {
      return absl::StrCat("prefix part \"", std::string(prefix),
                          "\" must be a lowercase RFC 1123 subdomain of at most 253 characters (e.g. 'example.com')");
    }
  }
  if (name.empty()) return "name part must not be empty";
  if (name.size() > kMaxNameLength) return "name part must be no more than 63 characters";
  if (!IsNameShaped(name)) return absl::StrCat("name part ", kNameChars);
  return "";
}

std::string LabelValueProblem(std::string_view value) {
  if (value.empty()) return "";
  if (value.size() > kMaxNameLength) return "must be no more than 63 characters";
  if (!IsNameShaped(value)) return kNameChars;
  return "";
}

}  // namespace srfleet::hub
