#include "shared/json/yaml_codec.h"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace srfleet {
namespace {

bool IsOneOf(std::string_view s, std::initializer_list<std::string_view> options) {
  for (auto o : options) {
    if (s == o) return true;
  }
  return false;
}

bool IsNullWord(std::string_view s) { return IsOneOf(s, {"", "~", "null", "Null", "NULL"}); }
bool IsTrueWord(std::string_view s) {
  return IsOneOf(s, {"true", "True", "TRUE", "y", "Y", "yes", "Yes", "YES", "on", "On", "ON"});
}
bool IsFalseWord(std::string_view s) {
  return IsOneOf(s, {"false", "False", "FALSE", "n", "N", "no", "No", "NO", "off", "Off", "OFF"});
}

// Integer per go-yaml v2: optional sign, decimal / 0x / 0o / 0b / leading-0
// octal, underscores allowed between digits.
bool ParseInteger(std::string_view s, int64_t* out) {
  std::string t;
  t.reserve(s.size());
  for (char c : s) {
    if (c != '_') t.push_back(c);
  }
  if (t.empty()) return false;
  size_t pos = 0;
  bool negative = false;
  if (t[0] == '+' || t[0] == '-') {
    negative = t[0] == '-';
    pos = 1;
  }
  if (pos >= t.size()) return false;
  int base = 10;
  std::string digits = t.substr(pos);
  if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
    base = 16;
    digits = digits.substr(2);
  } else if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'o' || digits[1] == 'O')) {
    base = 8;
    digits = digits.substr(2);
  } else if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'b' || digits[1] == 'B')) {
    base = 2;
    digits = digits.substr(2);
  } else if (digits.size() > 1 && digits[0] == '0') {
    base = 8;
  }
  if (digits.empty()) return false;
  for (char c : digits) {
    bool ok = base == 16 ? absl::ascii_isxdigit(static_cast<unsigned char>(c))
                         : (c >= '0' && c < static_cast<char>('0' + std::min(base, 10)));
    if (!ok) return false;
  }
  errno = 0;
  char* end = nullptr;
  unsigned long long magnitude = std::strtoull(digits.c_str(), &end, base);
  if (errno == ERANGE || *end != '\0') return false;
  if (negative) {
    if (magnitude > static_cast<unsigned long long>(std::numeric_limits<int64_t>::max()) + 1) return false;
    *out = static_cast<int64_t>(0 - magnitude);
  } else {
    if (magnitude > static_cast<unsigned long long>(std::numeric_limits<int64_t>::max())) return false;
    *out = static_cast<int64_t>(magnitude);
  }
  return true;
}

bool ParseFloat(std::string_view s, double* out) {
  if (IsOneOf(s, {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"})) {
    *out = std::numeric_limits<double>::infinity();
    return true;
  }
  if (IsOneOf(s, {"-.inf", "-.Inf", "-.INF"})) {
    *out = -std::numeric_limits<double>::infinity();
    return true;
  }
  if (IsOneOf(s, {".nan", ".NaN", ".NAN"})) {
    *out = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  // Decimal floats only: digits, one dot and/or an exponent. Rejects words
  // like "inf" or "nan" that strtod would accept.
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  bool digits = false, dot = false, exp = false;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c >= '0' && c <= '9') {
      digits = true;
    } else if (c == '.' && !dot && !exp) {
      dot = true;
    } else if ((c == 'e' || c == 'E') && digits && !exp) {
      exp = true;
      if (i + 1 < s.size() && (s[i + 1] == '+' || s[i + 1] == '-')) ++i;
      if (i + 1 >= s.size()) return false;
    } else if (c == '_') {
      continue;
    } else {
      return false;
    }
  }
  if (!digits) return false;
  std::string t;
  for (char c : s) {
    if (c != '_') t.push_back(c);
  }
  errno = 0;
  char* end = nullptr;
  *out = std::strtod(t.c_str(), &end);
  return errno != ERANGE && *end == '\0';
}

Json ResolvePlainScalar(const std::string& s) {
  if (IsNullWord(s)) return nullptr;
  if (IsTrueWord(s)) return true;
  if (IsFalseWord(s)) return false;
  int64_t i = 0;
  if (ParseInteger(s, &i)) return i;
  double d = 0;
  if (ParseFloat(s, &d)) return d;
  return s;
}

absl::Status ConvertNode(const YAML::Node& node, Json* out, int depth) {
  if (depth > 256) return absl::InvalidArgumentError("YAML nesting deeper than 256 levels");
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      *out = nullptr;
      return absl::OkStatus();
    case YAML::NodeType::Scalar: {
      // yaml-cpp tags plain scalars "?" and quoted/block scalars "!".
      const std::string& tag = node.Tag();
      if (tag == "!" || tag == "tag:yaml.org,2002:str" || tag == "!!str") {
        *out = node.Scalar();
      } else {
        *out = ResolvePlainScalar(node.Scalar());
      }
      return absl::OkStatus();
    }
    case YAML::NodeType::Sequence: {
      *out = Json::array();
      for (const auto& item : node) {
        Json child;
        if (auto st = ConvertNode(item, &child, depth + 1); !st.ok()) return st;
        out->push_back(std::move(child));
      }
      return absl::OkStatus();
    }
    case YAML::NodeType::Map: {
      *out = Json::object();
      for (const auto& kv : node) {
        if (!kv.first.IsScalar()) {
          return absl::InvalidArgumentError(absl::StrCat("line ", kv.first.Mark().line + 1,
                                                         ": mapping keys must be scalars"));
        }
        const std::string& key = kv.first.Scalar();
        if (out->contains(key)) {
          return absl::InvalidArgumentError(absl::StrCat("line ", kv.first.Mark().line + 1, ", column ",
                                                         kv.first.Mark().column + 1, ": duplicate key \"",
                                                         key, "\""));
        }
        Json child;
        if (auto st = ConvertNode(kv.second, &child, depth + 1); !st.ok()) return st;
        (*out)[key] = std::move(child);
      }
      return absl::OkStatus();
    }
  }
  return absl::OkStatus();
}

// ---- emitter ----------------------------------------------------------------

bool NeedsQuoting(std::string_view s) {
  if (s.empty()) return true;
  if (ResolvesToNonString(s)) return true;
  if (s.front() == ' ' || s.back() == ' ' || s.front() == '\t' || s.back() == '\t') return true;
  static constexpr std::string_view kIndicators = "-?:,[]{}#&*!|>'\"%@`";
  if (kIndicators.find(s.front()) != std::string_view::npos) {
    // "-foo" and ":foo" are plain-safe only when not followed by a space;
    // keep it simple and quote every indicator start.
    return true;
  }
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f) return true;
    if (c == ':' && (i + 1 == s.size() || s[i + 1] == ' ')) return true;
    if (c == '#' && i > 0 && s[i - 1] == ' ') return true;
  }
  if (s == "<<" || s == "=") return true;
  return false;
}

std::string Quote(std::string_view s) { return Json(std::string(s)).dump(); }

bool CanUseLiteralBlock(std::string_view s) {
  if (s.find('\n') == std::string_view::npos) return false;
  for (unsigned char c : s) {
    if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) return false;
  }
  // Leading blanks on the first line would need an indentation indicator;
  // trailing blank lines would need "|+". Fall back to quoting for those.
  if (s.front() == ' ' || s.front() == '\t' || s.front() == '\n') return false;
  if (s.size() >= 2 && s[s.size() - 1] == '\n' && s[s.size() - 2] == '\n') return false;
  // Lines with only trailing spaces are fine in a literal block.
  return true;
}

std::string ScalarText(const Json& v) {
  switch (v.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::boolean:
      return v.get<bool>() ? "true" : "false";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return v.dump();
    case Json::value_t::number_float: {
      double d = v.get<double>();
      if (std::isnan(d)) return ".nan";
      if (std::isinf(d)) return d > 0 ? ".inf" : "-.inf";
      return v.dump();
    }
    case Json::value_t::string: {
      const auto& s = v.get_ref<const std::string&>();
      return NeedsQuoting(s) ? Quote(s) : s;
    }
    default:
      return v.dump();
  }
}

std::string KeyText(const std::string& key) { return NeedsQuoting(key) ? Quote(key) : key; }

bool IsEmptyCollection(const Json& v) { return (v.is_object() || v.is_array()) && v.empty(); }

void EmitValue(const Json& v, int indent, std::string* out);

void EmitLiteral(const std::string& s, int indent, std::string* out) {
  out->append(s.back() == '\n' ? "|\n" : "|-\n");
  std::string pad(static_cast<size_t>(indent), ' ');
  size_t start = 0;
  while (start < s.size()) {
    size_t nl = s.find('\n', start);
    std::string_view line = nl == std::string::npos ? std::string_view(s).substr(start)
                                                    : std::string_view(s).substr(start, nl - start);
    if (!line.empty()) out->append(pad);
    out->append(line);
    out->push_back('\n');
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
}

void EmitObjectBody(const Json& obj, int indent, std::string* out) {
  std::string pad(static_cast<size_t>(indent), ' ');
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    out->append(pad);
    out->append(KeyText(it.key()));
    out->push_back(':');
    const Json& child = it.value();
    if (child.is_object() && !child.empty()) {
      out->push_back('\n');
      EmitObjectBody(child, indent + 2, out);
    } else if (child.is_array() && !child.empty()) {
      out->push_back('\n');
      EmitValue(child, indent, out);  // sequences sit at the key's indent
    } else if (child.is_string() && CanUseLiteralBlock(child.get_ref<const std::string&>())) {
      out->push_back(' ');
      EmitLiteral(child.get_ref<const std::string&>(), indent + 2, out);
    } else {
      out->push_back(' ');
      out->append(IsEmptyCollection(child) ? (child.is_object() ? "{}" : "[]") : ScalarText(child));
      out->push_back('\n');
    }
  }
}

void EmitSequenceBody(const Json& arr, int indent, std::string* out) {
  std::string pad(static_cast<size_t>(indent), ' ');
  for (const auto& item : arr) {
    out->append(pad);
    out->append("-");
    if (item.is_object() && !item.empty()) {
      // First key on the dash line, the rest indented under it.
      std::string body;
      EmitObjectBody(item, indent + 2, &body);
      out->push_back(' ');
      out->append(body.substr(static_cast<size_t>(indent + 2)));
    } else if (item.is_array() && !item.empty()) {
      out->push_back('\n');
      EmitSequenceBody(item, indent + 2, out);
    } else if (item.is_string() && CanUseLiteralBlock(item.get_ref<const std::string&>())) {
      out->push_back(' ');
      EmitLiteral(item.get_ref<const std::string&>(), indent + 2, out);
    } else {
      out->push_back(' ');
      out->append(IsEmptyCollection(item) ? (item.is_object() ? "{}" : "[]") : ScalarText(item));
      out->push_back('\n');
    }
  }
}

void EmitValue(const Json& v, int indent, std::string* out) {
  if (v.is_object() && !v.empty()) {
    EmitObjectBody(v, indent, out);
  } else if (v.is_array() && !v.empty()) {
    EmitSequenceBody(v, indent, out);
  } else if (v.is_string() && CanUseLiteralBlock(v.get_ref<const std::string&>())) {
    EmitLiteral(v.get_ref<const std::string&>(), indent + 2, out);
  } else {
    out->append(IsEmptyCollection(v) ? (v.is_object() ? "{}" : "[]") : ScalarText(v));
    out->push_back('\n');
  }
}

}  // namespace

bool ResolvesToNonString(std::string_view s) {
  if (IsNullWord(s) || IsTrueWord(s) || IsFalseWord(s)) return true;
  int64_t i = 0;
  double d = 0;
  std::string t(s);
  return ParseInteger(t, &i) || ParseFloat(t, &d);
}

absl::StatusOr<std::vector<Json>> ParseYamlDocuments(std::string_view text) {
  std::vector<YAML::Node> nodes;
  try {
    nodes = YAML::LoadAll(std::string(text));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid YAML at line ", e.mark.line + 1, ", column ", e.mark.column + 1, ": ", e.msg));
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("invalid YAML: ", e.what()));
  }
  std::vector<Json> docs;
  docs.reserve(nodes.size());
  for (const auto& node : nodes) {
    if (node.IsNull() || !node.IsDefined()) continue;
    Json doc;
    try {
      if (auto st = ConvertNode(node, &doc, 0); !st.ok()) {
        return absl::InvalidArgumentError(absl::StrCat("invalid YAML: ", st.message()));
      }
    } catch (const YAML::Exception& e) {
      return absl::InvalidArgumentError(absl::StrCat("invalid YAML at line ", e.mark.line + 1, ": ", e.msg));
    }
    docs.push_back(std::move(doc));
  }
  return docs;
}

absl::StatusOr<Json> ParseYaml(std::string_view text) {
  auto docs = ParseYamlDocuments(text);
  if (!docs.ok()) return docs.status();
  if (docs->size() != 1) {
    return absl::InvalidArgumentError(absl::StrCat("expected exactly one YAML document, found ", docs->size()));
  }
  return std::move(docs->front());
}

std::string ToYaml(const Json& value) {
  std::string out;
  EmitValue(value, 0, &out);
  return out;
}

std::string ToYamlDocuments(const std::vector<Json>& documents) {
  std::string out;
  for (const auto& doc : documents) {
    out.append("---\n");
    out.append(ToYaml(doc));
  }
  return out;
}

}  // namespace srfleet
