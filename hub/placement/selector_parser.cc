// ParseSelector: kubectl's label-selector grammar (apimachinery labels.Parse).
//
//   selector    := "" | requirement ("," requirement)*
//   requirement := "!" key | key | key ("=" | "==" | "!=") value
//                | key ("in" | "notin") "(" value ("," value)* ")"
//
// Unlike kubectl, "in"/"notin" are keywords only after a key, so a label
// named "in" still parses.
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "hub/placement/label_selector.h"
#include "hub/placement/label_syntax.h"

namespace srfleet::hub {
namespace {

enum class Tok { kIdent, kComma, kOpen, kClose, kEq, kDoubleEq, kNotEq, kBang, kGt, kLt, kEnd };

struct Token {
  Tok kind = Tok::kEnd;
  std::string text;
  size_t pos = 0;  // byte offset
};

bool IsSpecial(char c) { return c == '!' || c == '=' || c == '(' || c == ')' || c == ',' || c == '<' || c == '>'; }
bool IsSpace(char c) { return absl::ascii_isspace(static_cast<unsigned char>(c)); }

std::vector<Token> Lex(std::string_view s) {
  std::vector<Token> out;
  size_t i = 0;
  while (true) {
    while (i < s.size() && IsSpace(s[i])) ++i;
    if (i == s.size()) break;
    size_t start = i;
    char c = s[i];
    auto two = [&](char next) { return i + 1 < s.size() && s[i + 1] == next; };
    if (c == '!' && two('=')) {
      out.push_back({Tok::kNotEq, "!=", start});
      i += 2;
    } else if (c == '=' && two('=')) {
      out.push_back({Tok::kDoubleEq, "==", start});
      i += 2;
    } else if (IsSpecial(c)) {
      static constexpr struct {
        char c;
        Tok t;
      } kSingles[] = {{'!', Tok::kBang}, {'=', Tok::kEq},    {'(', Tok::kOpen}, {')', Tok::kClose},
                      {',', Tok::kComma}, {'<', Tok::kLt}, {'>', Tok::kGt}};
      for (const auto& single : kSingles) {
        if (single.c == c) out.push_back({single.t, std::string(1, c), start});
      }
      ++i;
    } else {
      while (i < s.size() && !IsSpace(s[i]) && !IsSpecial(s[i])) ++i;
      out.push_back({Tok::kIdent, std::string(s.substr(start, i - start)), start});
    }
  }
  out.push_back({Tok::kEnd, "", s.size()});
  return out;
}

std::string Describe(const Token& t) {
  return t.kind == Tok::kEnd ? std::string("the end of the selector") : absl::StrCat("\"", t.text, "\"");
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text), tokens_(Lex(text)) {}

  absl::StatusOr<fleet::v1::Placement> Parse() {
    if (Peek().kind == Tok::kEnd) return out_;  // "" or only blanks: every cluster
    while (true) {
      if (absl::Status s = Requirement(); !s.ok()) return s;
      const Token& t = Next();
      if (t.kind == Tok::kEnd) return out_;
      if (t.kind != Tok::kComma) {
        return Error(t, absl::StrCat("expected \",\" between requirements, found ", Describe(t)));
      }
    }
  }

 private:
  const Token& Peek() const { return tokens_[next_]; }
  const Token& Next() { return next_ + 1 < tokens_.size() ? tokens_[next_++] : tokens_.back(); }

  absl::Status Error(const Token& at, std::string_view problem) const {
    return absl::InvalidArgumentError(absl::StrCat("selector \"", std::string(text_), "\": ", std::string(problem),
                                                   " at column ", at.pos + 1));
  }

  absl::Status CheckKey(const Token& key) const {
    std::string problem = LabelKeyProblem(key.text);
    if (problem.empty()) return absl::OkStatus();
    return Error(key, absl::StrCat("invalid key \"", key.text, "\": ", problem));
  }
  absl::Status CheckValue(const Token& at, const std::string& value) const {
    std::string problem = LabelValueProblem(value);
    if (problem.empty()) return absl::OkStatus();
    return Error(at, absl::StrCat("invalid value \"", value, "\": ", problem));
  }

  void AddExpression(const std::string& key, const char* op, std::vector<std::string> values) {
    auto* e = out_.add_match_expressions();
    e->set_key(key);
    e->set_operator_(op);
    for (auto& v : values) e->add_values(std::move(v));
  }

  absl::Status Requirement() {
    const Token& first = Next();
    if (first.kind == Tok::kBang) {
      const Token& key = Next();
      if (key.kind != Tok::kIdent) return Error(key, absl::StrCat("expected a key after \"!\", found ", Describe(key)));
      if (absl::Status s = CheckKey(key); !s.ok()) return s;
      const Token& after = Peek();
      if (after.kind != Tok::kEnd && after.kind != Tok::kComma) {
        return Error(after, absl::StrCat("\"!", key.text, "\" takes no operator or value, found ", Describe(after)));
      }
      AddExpression(key.text, "DoesNotExist", {});
      return absl::OkStatus();
    }
    if (first.kind != Tok::kIdent) {
      if (first.kind == Tok::kEnd) return Error(first, "missing requirement after \",\"");
      if (first.kind == Tok::kComma) return Error(first, "empty requirement before \",\"");
      return Error(first, absl::StrCat("expected a key or \"!\", found ", Describe(first)));
    }
    if (absl::Status s = CheckKey(first); !s.ok()) return s;
    const Token& op = Peek();
    switch (op.kind) {
      case Tok::kEnd:
      case Tok::kComma:
        AddExpression(first.text, "Exists", {});
        return absl::OkStatus();
      case Tok::kEq:
      case Tok::kDoubleEq:
      case Tok::kNotEq: {
        Next();
        absl::StatusOr<std::string> value = ExactValue(op);
        if (!value.ok()) return value.status();
        if (op.kind == Tok::kNotEq) {
          AddExpression(first.text, "NotIn", {*value});
        } else {
          AddMatchLabel(first.text, *value);
        }
        return absl::OkStatus();
      }
      case Tok::kGt:
      case Tok::kLt:
        return Error(op, absl::StrCat("operator \"", op.text,
                                      "\" is not supported (use =, ==, !=, in, notin, a key alone or !key)"));
      case Tok::kIdent:
        if (op.text == "in" || op.text == "notin") {
          Next();
          absl::StatusOr<std::vector<std::string>> values = ValueList(op);
          if (!values.ok()) return values.status();
          AddExpression(first.text, op.text == "in" ? "In" : "NotIn", std::move(*values));
          return absl::OkStatus();
        }
        [[fallthrough]];
      default:
        return Error(op, absl::StrCat("expected =, ==, !=, in, notin or \",\" after key \"", first.text, "\", found ",
                                      Describe(op)));
    }
  }

  // `k=v`: the value may be empty (`k=`), as in kubectl.
  absl::StatusOr<std::string> ExactValue(const Token& op) {
    const Token& t = Peek();
    if (t.kind == Tok::kEnd || t.kind == Tok::kComma) return std::string();
    if (t.kind != Tok::kIdent) {
      return Error(t, absl::StrCat("expected a value after \"", op.text, "\", found ", Describe(t)));
    }
    Next();
    if (absl::Status s = CheckValue(t, t.text); !s.ok()) return s;
    return t.text;
  }

  // "(" a, b ")": empty entries are the value "" ("()" is [""]), as in kubectl.
  absl::StatusOr<std::vector<std::string>> ValueList(const Token& op) {
    const Token& open = Next();
    if (open.kind != Tok::kOpen) {
      return Error(open, absl::StrCat("expected \"(\" after \"", op.text, "\", found ", Describe(open)));
    }
    std::vector<std::string> values;
    bool want_value = true;
    while (true) {
      const Token& t = Next();
      switch (t.kind) {
        case Tok::kIdent:
          if (!want_value) return Error(t, absl::StrCat("expected \",\" or \")\", found ", Describe(t)));
          if (absl::Status s = CheckValue(t, t.text); !s.ok()) return s;
          values.push_back(t.text);
          want_value = false;
          break;
        case Tok::kComma:
          if (want_value) values.emplace_back();
          want_value = true;
          break;
        case Tok::kClose:
          if (want_value) values.emplace_back();
          return values;
        case Tok::kEnd:
          return Error(t, "missing \")\"");
        default:
          return Error(t, absl::StrCat("expected a value, \",\" or \")\", found ", Describe(t)));
      }
    }
  }

  // A second, different value for the same key cannot live in the map; it
  // becomes `k in (v2)`, which keeps the AND (and so matches nothing, as
  // kubectl's `k=a,k=b` does).
  void AddMatchLabel(const std::string& key, const std::string& value) {
    auto& labels = *out_.mutable_match_labels();
    auto it = labels.find(key);
    if (it == labels.end()) {
      labels[key] = value;
    } else if (it->second != value) {
      AddExpression(key, "In", {value});
    }
  }

  std::string_view text_;
  std::vector<Token> tokens_;
  size_t next_ = 0;
  fleet::v1::Placement out_;
};

}  // namespace

absl::StatusOr<fleet::v1::Placement> ParseSelector(std::string_view text) { return Parser(text).Parse(); }

}  // namespace srfleet::hub
