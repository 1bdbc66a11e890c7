#include "shared/kubesim/selectors.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "shared/kubesim/json_access.h"
#include "shared/kubesim/status_errors.h"

namespace srfleet::kubesim {
namespace {

bool IsSpecial(char c) { return c == '(' || c == ')' || c == ',' || c == '!' || c == '=' || c == '<' || c == '>'; }

struct Token {
  enum class Kind { kIdent, kOpen, kClose, kComma, kBang, kEq, kDoubleEq, kNotEq, kGt, kLt, kEnd };
  Kind kind;
  std::string text;
};

std::vector<Token> Lex(const std::string& s) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    if (c == '(') {
      out.push_back({Token::Kind::kOpen, "("});
      ++i;
    } else if (c == ')') {
      out.push_back({Token::Kind::kClose, ")"});
      ++i;
    } else if (c == ',') {
      out.push_back({Token::Kind::kComma, ","});
      ++i;
    } else if (c == '!') {
      if (i + 1 < s.size() && s[i + 1] == '=') {
        out.push_back({Token::Kind::kNotEq, "!="});
        i += 2;
      } else {
        out.push_back({Token::Kind::kBang, "!"});
        ++i;
      }
    } else if (c == '=') {
      if (i + 1 < s.size() && s[i + 1] == '=') {
        out.push_back({Token::Kind::kDoubleEq, "=="});
        i += 2;
      } else {
        out.push_back({Token::Kind::kEq, "="});
        ++i;
      }
    } else if (c == '>') {
      out.push_back({Token::Kind::kGt, ">"});
      ++i;
    } else if (c == '<') {
      out.push_back({Token::Kind::kLt, "<"});
      ++i;
    } else {
      size_t start = i;
      while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i])) && !IsSpecial(s[i])) ++i;
      out.push_back({Token::Kind::kIdent, s.substr(start, i - start)});
    }
  }
  out.push_back({Token::Kind::kEnd, ""});
  return out;
}

bool IsAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// A label value: at most 63 characters, alphanumerics with '-', '_', '.'
// inside. Empty is allowed.
bool ValidLabelValue(const std::string& v) {
  if (v.empty()) return true;
  if (v.size() > 63 || !IsAlnum(v.front()) || !IsAlnum(v.back())) return false;
  return std::all_of(v.begin(), v.end(), [](char c) { return IsAlnum(c) || c == '-' || c == '_' || c == '.'; });
}

// A qualified name: optional DNS subdomain prefix and '/', then a name part.
bool ValidLabelKey(const std::string& k) {
  std::string name = k;
  if (auto slash = k.find('/'); slash != std::string::npos) {
    std::string prefix = k.substr(0, slash);
    name = k.substr(slash + 1);
    if (prefix.empty() || prefix.size() > 253) return false;
    for (char c : prefix) {
      if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '-' ||
            c == '.'))
        return false;
    }
  }
  return !name.empty() && ValidLabelValue(name);
}

absl::Status ParseError(const std::string& why) { return BadRequestError("unable to parse requirement: " + why); }

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  absl::StatusOr<std::vector<LabelSelector::Requirement>> Parse() {
    std::vector<LabelSelector::Requirement> out;
    if (Peek().kind == Token::Kind::kEnd) return out;
    while (true) {
      auto r = ParseRequirement();
      if (!r.ok()) return r.status();
      out.push_back(std::move(*r));
      const Token& t = Next();
      if (t.kind == Token::Kind::kEnd) break;
      if (t.kind != Token::Kind::kComma) {
        return ParseError(absl::StrCat("found '", t.text, "', expected: ',' or 'end of string'"));
      }
    }
    return out;
  }

 private:
  const Token& Peek() const { return tokens_[pos_]; }
  const Token& Next() { return tokens_[pos_ < tokens_.size() - 1 ? pos_++ : pos_]; }

  absl::StatusOr<LabelSelector::Requirement> ParseRequirement() {
    LabelSelector::Requirement r;
    bool bang = false;
    if (Peek().kind == Token::Kind::kBang) {
      bang = true;
      Next();
    }
    const Token& key = Next();
    if (key.kind != Token::Kind::kIdent) {
      return ParseError(absl::StrCat("found '", key.text, "', expected: identifier"));
    }
    if (!ValidLabelKey(key.text)) {
      return ParseError(absl::StrCat("key: Invalid value: ", GoQuote(key.text),
                                     ": name part must consist of alphanumeric characters, '-', '_' or '.', and must "
                                     "start and end with an alphanumeric character"));
    }
    r.key = key.text;
    if (bang) {
      r.op = LabelSelector::Op::kDoesNotExist;
      return r;
    }
    const Token& op = Peek();
    switch (op.kind) {
      case Token::Kind::kEnd:
      case Token::Kind::kComma:
        r.op = LabelSelector::Op::kExists;
        return r;
      case Token::Kind::kEq:
      case Token::Kind::kDoubleEq:
      case Token::Kind::kNotEq:
      case Token::Kind::kGt:
      case Token::Kind::kLt: {
        Next();
        r.op = op.kind == Token::Kind::kNotEq ? LabelSelector::Op::kNotEquals
               : op.kind == Token::Kind::kGt  ? LabelSelector::Op::kGreaterThan
               : op.kind == Token::Kind::kLt  ? LabelSelector::Op::kLessThan
                                              : LabelSelector::Op::kEquals;
        std::string value;
        if (Peek().kind == Token::Kind::kIdent) value = Next().text;
        if (r.op == LabelSelector::Op::kGreaterThan || r.op == LabelSelector::Op::kLessThan) {
          char* end = nullptr;
          std::strtoll(value.c_str(), &end, 10);
          if (value.empty() || *end != '\0') {
            return ParseError(absl::StrCat("for 'Gt', 'Lt' operators, the value must be an integer"));
          }
        } else if (!ValidLabelValue(value)) {
          return ParseError(absl::StrCat("values[0][", r.key, "]: Invalid value: ", GoQuote(value),
                                         ": a valid label must be an empty string or consist of alphanumeric "
                                         "characters, '-', '_' or '.', and must start and end with an alphanumeric "
                                         "character"));
        }
        r.values.push_back(value);
        return r;
      }
      case Token::Kind::kIdent:
        if (op.text == "in" || op.text == "notin") {
          Next();
          r.op = op.text == "in" ? LabelSelector::Op::kIn : LabelSelector::Op::kNotIn;
          return ParseValueSet(std::move(r));
        }
        [[fallthrough]];
      default:
        return ParseError(absl::StrCat("found '", op.text, "', expected: in, notin, =, ==, !=, gt, lt"));
    }
  }

  absl::StatusOr<LabelSelector::Requirement> ParseValueSet(LabelSelector::Requirement r) {
    if (Next().kind != Token::Kind::kOpen) return ParseError("found '', expected: '('");
    while (true) {
      const Token& t = Next();
      if (t.kind == Token::Kind::kClose) break;
      if (t.kind == Token::Kind::kComma) {
        r.values.push_back("");  // "(a,,b)": an empty value
        continue;
      }
      if (t.kind != Token::Kind::kIdent) return ParseError(absl::StrCat("found '", t.text, "', expected: ',', ')'"));
      if (!ValidLabelValue(t.text)) {
        return ParseError(absl::StrCat("values[", r.values.size(), "][", r.key, "]: Invalid value: ", GoQuote(t.text),
                                       ": a valid label must be an empty string or consist of alphanumeric "
                                       "characters, '-', '_' or '.', and must start and end with an alphanumeric "
                                       "character"));
      }
      r.values.push_back(t.text);
      const Token& sep = Next();
      if (sep.kind == Token::Kind::kClose) break;
      if (sep.kind != Token::Kind::kComma) {
        return ParseError(absl::StrCat("found '", sep.text, "', expected: ',', ')'"));
      }
    }
    if (r.values.empty()) return ParseError(absl::StrCat("for 'in', 'notin' operators, values set can't be empty"));
    return r;
  }

  std::vector<Token> tokens_;
  size_t pos_ = 0;
};

const std::string* LabelValue(const Json* labels, const std::string& key, std::string& scratch) {
  if (!labels) return nullptr;
  const Json* v = Child(*labels, key);
  if (!v || !v->is_string()) return nullptr;
  scratch = v->get<std::string>();
  return &scratch;
}

}  // namespace

absl::StatusOr<LabelSelector> LabelSelector::Parse(const std::string& text) {
  Parser parser(Lex(text));
  auto reqs = parser.Parse();
  if (!reqs.ok()) return reqs.status();
  LabelSelector s;
  s.requirements_ = std::move(*reqs);
  return s;
}

absl::StatusOr<LabelSelector> LabelSelector::FromLabelSelectorJson(const Json& selector) {
  LabelSelector s;
  if (!selector.is_object()) return s;
  if (const Json* ml = Child(selector, "matchLabels"); ml && ml->is_object()) {
    for (auto it = ml->begin(); it != ml->end(); ++it) {
      if (!it->is_string()) return BadRequestError("matchLabels values must be strings");
      s.requirements_.push_back({it.key(), Op::kEquals, {it->get<std::string>()}});
    }
  }
  if (const Json* me = Child(selector, "matchExpressions"); me && me->is_array()) {
    for (const auto& e : *me) {
      Requirement r;
      r.key = ChildString(e, "key");
      std::string op = ChildString(e, "operator");
      if (op == "In") {
        r.op = Op::kIn;
      } else if (op == "NotIn") {
        r.op = Op::kNotIn;
      } else if (op == "Exists") {
        r.op = Op::kExists;
      } else if (op == "DoesNotExist") {
        r.op = Op::kDoesNotExist;
      } else {
        return BadRequestError(absl::StrCat(GoQuote(op), " is not a valid label selector operator"));
      }
      if (const Json* values = Child(e, "values"); values && values->is_array()) {
        for (const auto& v : *values) {
          if (v.is_string()) r.values.push_back(v.get<std::string>());
        }
      }
      s.requirements_.push_back(std::move(r));
    }
  }
  return s;
}

bool LabelSelector::Matches(const Json& object) const {
  if (requirements_.empty()) return true;
  const Json* meta = Meta(object);
  return MatchesLabels(meta ? Child(*meta, "labels") : nullptr);
}

bool LabelSelector::MatchesLabels(const Json* labels) const {
  std::string scratch;
  for (const auto& r : requirements_) {
    const std::string* v = LabelValue(labels, r.key, scratch);
    auto in_values = [&] { return v && std::find(r.values.begin(), r.values.end(), *v) != r.values.end(); };
    bool ok = true;
    switch (r.op) {
      case Op::kEquals:
      case Op::kIn:
        ok = in_values();
        break;
      case Op::kNotEquals:
      case Op::kNotIn:
        ok = !in_values();
        break;
      case Op::kExists:
        ok = v != nullptr;
        break;
      case Op::kDoesNotExist:
        ok = v == nullptr;
        break;
      case Op::kGreaterThan:
      case Op::kLessThan: {
        if (!v || r.values.empty()) {
          ok = false;
          break;
        }
        char* end = nullptr;
        long long have = std::strtoll(v->c_str(), &end, 10);
        if (v->empty() || *end != '\0') {
          ok = false;
          break;
        }
        long long want = std::strtoll(r.values[0].c_str(), nullptr, 10);
        ok = r.op == Op::kGreaterThan ? have > want : have < want;
        break;
      }
    }
    if (!ok) return false;
  }
  return true;
}

namespace {

// Splits on unescaped `sep`, keeping escapes for the caller.
std::vector<std::string> SplitUnescaped(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      cur.push_back(s[i]);
      cur.push_back(s[++i]);
    } else if (s[i] == sep) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(s[i]);
    }
  }
  out.push_back(cur);
  return out;
}

std::string Unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) ++i;
    out.push_back(s[i]);
  }
  return out;
}

std::string FieldValue(const Json& object, const std::string& field) {
  if (field == "metadata.name") return MetaString(object, "name");
  if (field == "metadata.namespace") return MetaString(object, "namespace");
  const Json* cur = &object;
  for (const auto& part : absl::StrSplit(field, '.')) {
    cur = Child(*cur, std::string(part));
    if (!cur) return "";
  }
  if (cur->is_string()) return cur->get<std::string>();
  if (cur->is_null()) return "";
  return cur->dump();
}

}  // namespace

absl::StatusOr<FieldSelector> FieldSelector::Parse(const std::string& text, bool custom_resource,
                                                   const std::vector<std::string>& extra_fields) {
  FieldSelector s;
  if (text.empty()) return s;
  for (const std::string& part : SplitUnescaped(text, ',')) {
    if (part.empty()) continue;
    Term t;
    size_t op = std::string::npos;
    size_t op_len = 0;
    for (size_t i = 0; i < part.size(); ++i) {
      if (part[i] == '\\') {
        ++i;
        continue;
      }
      if (part.compare(i, 2, "!=") == 0) {
        op = i;
        op_len = 2;
        t.negated = true;
        break;
      }
      if (part.compare(i, 2, "==") == 0) {
        op = i;
        op_len = 2;
        break;
      }
      if (part[i] == '=') {
        op = i;
        op_len = 1;
        break;
      }
    }
    if (op == std::string::npos) {
      return BadRequestError(absl::StrCat("invalid selector: '", text, "'; can't understand '", part, "'"));
    }
    t.field = Unescape(part.substr(0, op));
    t.value = Unescape(part.substr(op + op_len));
    bool known = t.field == "metadata.name" || t.field == "metadata.namespace" ||
                 std::find(extra_fields.begin(), extra_fields.end(), t.field) != extra_fields.end();
    if (!known) {
      if (custom_resource) {
        return BadRequestError(absl::StrCat("\"", t.field,
                                            "\" is not a known field selector: only \"metadata.name\", "
                                            "\"metadata.namespace\""));
      }
      return BadRequestError(absl::StrCat("field label not supported: ", t.field));
    }
    s.terms_.push_back(std::move(t));
  }
  return s;
}

bool FieldSelector::Matches(const Json& object) const {
  for (const auto& t : terms_) {
    bool equal = FieldValue(object, t.field) == t.value;
    if (equal == t.negated) return false;
  }
  return true;
}

}  // namespace srfleet::kubesim
