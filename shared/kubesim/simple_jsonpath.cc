#include "shared/kubesim/simple_jsonpath.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace srfleet::kubesim {
namespace {

absl::Status Bad(const std::string& path, const std::string& why) {
  return absl::InvalidArgumentError(absl::StrCat("unsupported JSONPath ", path, ": ", why));
}

bool IsNameChar(char c) { return c != '.' && c != '[' && c != ']' && c != ' ' && c != '=' && c != '!' && c != ')'; }

// A quoted literal at s[i] ('x' or "x"); advances i past it.
bool ReadQuoted(const std::string& s, size_t& i, std::string* out) {
  if (i >= s.size() || (s[i] != '\'' && s[i] != '"')) return false;
  const char quote = s[i++];
  out->clear();
  while (i < s.size() && s[i] != quote) {
    if (s[i] == '\\' && i + 1 < s.size()) ++i;
    out->push_back(s[i++]);
  }
  if (i >= s.size()) return false;
  ++i;
  return true;
}

void SkipSpaces(const std::string& s, size_t& i) {
  while (i < s.size() && s[i] == ' ') ++i;
}

bool LiteralEquals(const Json& a, const Json& b) {
  if (a.is_number() && b.is_number()) return a.get<double>() == b.get<double>();
  return a == b;
}

// Go's %v for a float64: shortest digits, exponent form when the decimal
// exponent is < -4 or >= 21.
std::string GoFloat(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::scientific);
  std::string sci(buf, res.ptr);
  const size_t e = sci.find('e');
  std::string mantissa = sci.substr(0, e);
  const int exp = std::atoi(sci.c_str() + e + 1);
  const bool negative = !mantissa.empty() && mantissa[0] == '-';
  if (negative) mantissa.erase(0, 1);
  std::string digits;
  for (char c : mantissa) {
    if (c != '.') digits.push_back(c);
  }
  std::string out;
  if (exp < -4 || exp >= 21) {
    out = digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    out += absl::StrCat(exp < 0 ? "e-" : "e+", std::abs(exp) < 10 ? "0" : "", std::abs(exp));
  } else if (exp < 0) {
    out = "0." + std::string(static_cast<size_t>(-exp - 1), '0') + digits;
  } else if (static_cast<size_t>(exp) + 1 >= digits.size()) {
    out = digits + std::string(static_cast<size_t>(exp) + 1 - digits.size(), '0');
  } else {
    out = digits.substr(0, exp + 1) + "." + digits.substr(exp + 1);
  }
  return negative ? "-" + out : out;
}

}  // namespace

absl::StatusOr<SimpleJsonPath> SimpleJsonPath::Parse(const std::string& raw) {
  std::string s(absl::StripAsciiWhitespace(raw));
  if (s.size() >= 2 && s.front() == '{' && s.back() == '}') s = s.substr(1, s.size() - 2);
  if (s.empty() || (s[0] != '.' && s[0] != '[')) return Bad(raw, "must start with '.'");
  SimpleJsonPath p;
  size_t i = 0;
  while (i < s.size()) {
    Step step;
    if (s[i] == '.') {
      ++i;
      if (i == s.size()) break;  // "." alone: the object itself
      if (s[i] == '.') return Bad(raw, "recursive descent");
      if (s[i] == '[') continue;
      size_t start = i;
      while (i < s.size() && IsNameChar(s[i])) ++i;
      step.field = s.substr(start, i - start);
      if (step.field == "*") step.kind = Step::Kind::kWildcard;
    } else if (s[i] == '[') {
      ++i;
      if (i < s.size() && s[i] == '?') {
        // [?(@.a.b == "x")]
        if (s.compare(i, 3, "?(@") != 0) return Bad(raw, "filter must start with ?(@");
        i += 3;
        step.kind = Step::Kind::kFilter;
        while (i < s.size() && s[i] == '.') {
          size_t start = ++i;
          while (i < s.size() && IsNameChar(s[i])) ++i;
          step.filter_path.push_back(s.substr(start, i - start));
        }
        SkipSpaces(s, i);
        if (s.compare(i, 2, "==") == 0 || s.compare(i, 2, "!=") == 0) {
          step.filter_not_equal = s[i] == '!';
          i += 2;
        } else {
          return Bad(raw, "filter needs == or !=");
        }
        SkipSpaces(s, i);
        std::string text;
        if (ReadQuoted(s, i, &text)) {
          step.literal = text;
        } else {
          size_t start = i;
          while (i < s.size() && s[i] != ')' && s[i] != ' ') ++i;
          std::string token = s.substr(start, i - start);
          double number = 0;
          if (token == "true" || token == "false") {
            step.literal = token == "true";
          } else if (absl::SimpleAtod(token, &number)) {
            step.literal = number;
          } else {
            return Bad(raw, "filter literal");
          }
        }
        SkipSpaces(s, i);
        if (s.compare(i, 2, ")]") != 0) return Bad(raw, "unterminated filter");
        i += 2;
        p.steps_.push_back(std::move(step));
        continue;
      }
      std::string key;
      if (ReadQuoted(s, i, &key)) {
        step.field = key;
      } else if (i < s.size() && s[i] == '*') {
        step.kind = Step::Kind::kWildcard;
        ++i;
      } else {
        size_t start = i;
        while (i < s.size() && s[i] != ']') ++i;
        if (!absl::SimpleAtoi(s.substr(start, i - start), &step.index)) return Bad(raw, "index or slice");
        step.kind = Step::Kind::kIndex;
      }
      if (i >= s.size() || s[i] != ']') return Bad(raw, "missing ]");
      ++i;
    } else {
      return Bad(raw, "unexpected character");
    }
    p.steps_.push_back(std::move(step));
  }
  return p;
}

std::vector<const Json*> SimpleJsonPath::FindAll(const Json& root) const {
  std::vector<const Json*> current = {&root};
  for (const Step& step : steps_) {
    std::vector<const Json*> next;
    for (const Json* v : current) {
      switch (step.kind) {
        case Step::Kind::kField:
          if (v->is_object()) {
            if (auto it = v->find(step.field); it != v->end()) next.push_back(&*it);
          }
          break;
        case Step::Kind::kIndex:
          if (v->is_array()) {
            long n = static_cast<long>(v->size());
            long idx = step.index < 0 ? step.index + n : step.index;
            if (idx >= 0 && idx < n) next.push_back(&(*v)[static_cast<size_t>(idx)]);
          }
          break;
        case Step::Kind::kWildcard:
          if (v->is_array()) {
            for (const auto& e : *v) next.push_back(&e);
          } else if (v->is_object()) {
            std::map<std::string, const Json*> sorted;
            for (auto it = v->begin(); it != v->end(); ++it) sorted[it.key()] = &it.value();
            for (const auto& [k, e] : sorted) next.push_back(e);
          }
          break;
        case Step::Kind::kFilter:
          if (!v->is_array()) break;
          for (const auto& e : *v) {
            const Json* left = &e;
            for (const auto& f : step.filter_path) {
              left = left->is_object() && left->contains(f) ? &(*left)[f] : nullptr;
              if (!left) break;
            }
            if (!left) continue;
            if (LiteralEquals(*left, step.literal) != step.filter_not_equal) next.push_back(&e);
          }
          break;
      }
    }
    current = std::move(next);
  }
  return current;
}

const Json* SimpleJsonPath::FindFirst(const Json& root) const {
  auto all = FindAll(root);
  return all.empty() ? nullptr : all.front();
}

std::string GoPrint(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number_integer()) return v.dump();
  if (v.is_number_float()) return GoFloat(v.get<double>());
  if (v.is_array()) {
    std::vector<std::string> parts;
    for (const auto& e : v) parts.push_back(GoPrint(e));
    return "[" + absl::StrJoin(parts, " ") + "]";
  }
  if (v.is_object()) {
    std::map<std::string, std::string> sorted;
    for (auto it = v.begin(); it != v.end(); ++it) sorted[it.key()] = GoPrint(it.value());
    std::vector<std::string> parts;
    for (const auto& [k, e] : sorted) parts.push_back(k + ":" + e);
    return "map[" + absl::StrJoin(parts, " ") + "]";
  }
  return "<no value>";
}

}  // namespace srfleet::kubesim
