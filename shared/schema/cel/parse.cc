// Lexer, parser and checker for CEL expressions. The parser resolves names
// and overloads as it builds the tree, so a Program that compiles only fails
// at evaluation on data-dependent errors (missing keys, dynamic types, ...).
#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <limits>
#include <memory>
#include <regex>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "shared/schema/cel/cel_internal.h"

namespace srfleet::cel::internal {
namespace {

// Parser recursion per parenthesis/bracket/unary level is bounded so hostile
// input cannot overflow the stack; the tree height bounds the evaluator's
// recursion (long `a || b || ...` chains build deep trees without nesting).
constexpr int kMaxNesting = 100;
constexpr int kMaxHeight = 500;

constexpr std::array<std::string_view, 21> kReserved = {
    "true", "false", "null", "in", "as", "break", "const", "continue", "else",
    "for", "function", "if", "import", "let", "loop", "package", "namespace",
    "return", "var", "void", "while"};

bool IsReserved(std::string_view name) {
  return std::find(kReserved.begin(), kReserved.end(), name) != kReserved.end();
}

std::string Where(std::string_view src, size_t pos) {
  size_t line = 1;
  size_t column = 1;
  for (size_t i = 0; i < pos && i < src.size(); ++i) {
    if (src[i] == '\n') {
      ++line;
      column = 1;
    } else if ((static_cast<unsigned char>(src[i]) & 0xC0) != 0x80) {
      ++column;  // count code points, not UTF-8 bytes
    }
  }
  return absl::StrCat("line ", line, ", column ", column);
}

absl::Status SyntaxError(std::string_view src, size_t pos,
                         std::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat(
      "syntax error at ", Where(src, pos), ": ", std::string(message)));
}

absl::Status CheckError(std::string_view src, size_t pos,
                        std::string_view message) {
  return absl::InvalidArgumentError(
      absl::StrCat("error at ", Where(src, pos), ": ", std::string(message)));
}

// ----------------------------------------------------------------------------
// Lexer

enum class Tok { kEof, kInt, kUint, kDouble, kString, kIdent, kPunct };

struct Token {
  Tok kind = Tok::kEof;
  size_t pos = 0;
  std::string text;  // identifier, punctuation or decoded string literal
  uint64_t u = 0;    // kInt (magnitude; the sign is a separate token), kUint
  double d = 0;      // kDouble
};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsIdentStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool IsIdentChar(char c) { return IsIdentStart(c) || IsDigit(c); }
int HexValue(char c) {
  if (IsDigit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

class Lexer {
 public:
  explicit Lexer(std::string_view src) : src_(src) {}

  absl::StatusOr<std::vector<Token>> Run() {
    std::vector<Token> tokens;
    while (true) {
      SkipSpaceAndComments();
      if (i_ >= src_.size()) break;
      absl::StatusOr<Token> token = Next();
      if (!token.ok()) return token.status();
      tokens.push_back(*std::move(token));
    }
    tokens.push_back(Token{Tok::kEof, src_.size(), "", 0, 0});
    return tokens;
  }

 private:
  char At(size_t i) const { return i < src_.size() ? src_[i] : '\0'; }

  void SkipSpaceAndComments() {
    while (i_ < src_.size()) {
      const char c = src_[i_];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
        ++i_;
      } else if (c == '/' && At(i_ + 1) == '/') {
        while (i_ < src_.size() && src_[i_] != '\n') ++i_;
      } else {
        break;
      }
    }
  }

  absl::StatusOr<Token> Next() {
    const char c = src_[i_];
    if (IsDigit(c)) return Number();
    if (c == '\'' || c == '"') return String(i_, false);
    if (IsIdentStart(c)) {
      const size_t start = i_;
      while (i_ < src_.size() && IsIdentChar(src_[i_])) ++i_;
      const std::string_view word = src_.substr(start, i_ - start);
      const char next = At(i_);
      if (next == '\'' || next == '"') {
        if (word == "r" || word == "R") return String(start, true);
        if (word == "b" || word == "B" || word == "rb" || word == "br" ||
            word == "RB" || word == "BR" || word == "Rb" || word == "bR" ||
            word == "rB" || word == "Br") {
          return SyntaxError(src_, start, "bytes literals are not supported");
        }
      }
      return Token{Tok::kIdent, start, std::string(word), 0, 0};
    }
    static constexpr std::array<std::string_view, 6> kTwo = {
        "==", "!=", "<=", ">=", "&&", "||"};
    for (const std::string_view p : kTwo) {
      if (src_.substr(i_, 2) == p) {
        i_ += 2;
        return Token{Tok::kPunct, i_ - 2, std::string(p), 0, 0};
      }
    }
    if (std::string_view("<>!+-*/%?:.,[](){}").find(c) != std::string_view::npos) {
      ++i_;
      return Token{Tok::kPunct, i_ - 1, std::string(1, c), 0, 0};
    }
    if (c == '=' || c == '&' || c == '|') {
      return SyntaxError(src_, i_,
                         absl::StrCat("unexpected '", std::string(1, c),
                                      "' (did you mean '", std::string(2, c),
                                      "'?)"));
    }
    return SyntaxError(src_, i_, "unexpected character");
  }

  absl::StatusOr<Token> Number() {
    const size_t start = i_;
    Token token{Tok::kInt, start, "", 0, 0};
    if (src_[i_] == '0' && (At(i_ + 1) == 'x' || At(i_ + 1) == 'X')) {
      i_ += 2;
      const size_t digits = i_;
      while (HexValue(At(i_)) >= 0) ++i_;
      const auto [ptr, ec] =
          std::from_chars(src_.data() + digits, src_.data() + i_, token.u, 16);
      if (digits == i_ || ec != std::errc()) {
        return SyntaxError(src_, start, "invalid hex literal");
      }
    } else {
      while (IsDigit(At(i_))) ++i_;
      bool is_double = false;
      if (At(i_) == '.' && IsDigit(At(i_ + 1))) {
        is_double = true;
        ++i_;
        while (IsDigit(At(i_))) ++i_;
      }
      if (At(i_) == 'e' || At(i_) == 'E') {
        size_t j = i_ + 1;
        if (At(j) == '+' || At(j) == '-') ++j;
        if (IsDigit(At(j))) {
          is_double = true;
          i_ = j;
          while (IsDigit(At(i_))) ++i_;
        }
      }
      const char* first = src_.data() + start;
      const char* last = src_.data() + i_;
      if (is_double) {
        token.kind = Tok::kDouble;
        const auto [ptr, ec] = std::from_chars(first, last, token.d);
        if (ec != std::errc()) {
          return SyntaxError(src_, start, "double literal out of range");
        }
        return token;
      }
      const auto [ptr, ec] = std::from_chars(first, last, token.u);
      if (ec != std::errc()) {
        return SyntaxError(src_, start, "integer literal out of range");
      }
    }
    if (At(i_) == 'u' || At(i_) == 'U') {
      ++i_;
      token.kind = Tok::kUint;
    }
    return token;
  }

  // `start` is where the literal (with any r prefix) begins; i_ is at the
  // opening quote.
  absl::StatusOr<Token> String(size_t start, bool raw) {
    const char quote = src_[i_];
    const bool triple = At(i_ + 1) == quote && At(i_ + 2) == quote;
    i_ += triple ? 3 : 1;
    Token token{Tok::kString, start, "", 0, 0};
    while (true) {
      if (i_ >= src_.size()) {
        return SyntaxError(src_, start, "unterminated string literal");
      }
      const char c = src_[i_];
      if (c == quote) {
        if (!triple) {
          ++i_;
          return token;
        }
        if (At(i_ + 1) == quote && At(i_ + 2) == quote) {
          i_ += 3;
          return token;
        }
      }
      if (!triple && (c == '\n' || c == '\r')) {
        return SyntaxError(src_, i_, "newline in string literal");
      }
      if (c == '\\' && !raw) {
        absl::Status escaped = Escape(token.text);
        if (!escaped.ok()) return escaped;
        continue;
      }
      token.text += c;
      ++i_;
    }
  }

  absl::Status Escape(std::string& out) {
    const size_t at = i_;
    const char c = At(i_ + 1);
    i_ += 2;
    switch (c) {
      case '\\': case '\'': case '"': case '`': case '?': out += c; return absl::OkStatus();
      case 'a': out += '\a'; return absl::OkStatus();
      case 'b': out += '\b'; return absl::OkStatus();
      case 'f': out += '\f'; return absl::OkStatus();
      case 'n': out += '\n'; return absl::OkStatus();
      case 'r': out += '\r'; return absl::OkStatus();
      case 't': out += '\t'; return absl::OkStatus();
      case 'v': out += '\v'; return absl::OkStatus();
      default: break;
    }
    // In CEL string literals, numeric escapes denote code points.
    int digits = 0;
    int base = 16;
    if (c == 'x' || c == 'X') {
      digits = 2;
    } else if (c == 'u') {
      digits = 4;
    } else if (c == 'U') {
      digits = 8;
    } else if (c >= '0' && c <= '3') {
      digits = 3;
      base = 8;
      --i_;  // the first octal digit is part of the value
    } else {
      return SyntaxError(src_, at, "invalid escape sequence");
    }
    uint32_t cp = 0;
    for (int k = 0; k < digits; ++k) {
      const int v = HexValue(At(i_));
      if (v < 0 || v >= base) {
        return SyntaxError(src_, at, "invalid escape sequence");
      }
      cp = cp * base + v;
      ++i_;
    }
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return SyntaxError(src_, at, "escape is not a valid code point");
    }
    AppendUtf8(out, cp);
    return absl::OkStatus();
  }

  std::string_view src_;
  size_t i_ = 0;
};

// ----------------------------------------------------------------------------
// Parser

using NodePtr = std::shared_ptr<Node>;

// Kubernetes escapes property names that are not CEL identifiers.
std::string Unescape(const std::string& name) {
  if (name.size() > 4 && name.starts_with("__") && name.ends_with("__")) {
    const std::string inner = name.substr(2, name.size() - 4);
    if (IsReserved(inner)) return inner;
  }
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 4>
      kEscapes = {{{"__underscores__", "__"},
                   {"__dot__", "."},
                   {"__dash__", "-"},
                   {"__slash__", "/"}}};
  std::string out;
  const std::string_view s = name;
  size_t i = 0;
  while (i < s.size()) {
    bool replaced = false;
    for (const auto& [from, to] : kEscapes) {
      if (s.substr(i).starts_with(from)) {
        out += to;
        i += from.size();
        replaced = true;
        break;
      }
    }
    if (!replaced) out += s[i++];
  }
  return out;
}

std::optional<Macro> MacroNamed(std::string_view name) {
  if (name == "all") return Macro::kAll;
  if (name == "exists") return Macro::kExists;
  if (name == "exists_one") return Macro::kExistsOne;
  if (name == "map") return Macro::kMap;
  if (name == "filter") return Macro::kFilter;
  return std::nullopt;
}

std::optional<Kind> TypeNamed(std::string_view name) {
  if (name == "int") return Kind::kInt;
  if (name == "uint") return Kind::kUint;
  if (name == "double") return Kind::kDouble;
  if (name == "bool") return Kind::kBool;
  if (name == "string") return Kind::kString;
  if (name == "list") return Kind::kList;
  if (name == "map") return Kind::kMap;
  if (name == "null_type") return Kind::kNull;
  if (name == "type") return Kind::kType;
  return std::nullopt;
}

std::string Signature(const std::vector<NodePtr>& args) {
  std::vector<std::string> kinds;
  for (const NodePtr& a : args) kinds.emplace_back(KindName(a->type));
  return absl::StrCat("(", absl::StrJoin(kinds, ", "), ")");
}

class Parser {
 public:
  Parser(std::string_view src, std::vector<Token> tokens)
      : src_(src), tokens_(std::move(tokens)) {}

  absl::StatusOr<Parsed> Run() {
    NodePtr root = Expr();
    if (root != nullptr && Peek().kind != Tok::kEof) {
      Syntax(Peek().pos, absl::StrCat("unexpected ", Describe(Peek())));
    }
    if (!status_.ok()) return status_;
    return Parsed{std::move(root), max_slots_, uses_old_self_};
  }

 private:
  // Records the first error; returning nullptr unwinds the recursion.
  NodePtr Syntax(size_t pos, std::string_view message) {
    if (status_.ok()) status_ = SyntaxError(src_, pos, message);
    return nullptr;
  }
  NodePtr Check(size_t pos, std::string_view message) {
    if (status_.ok()) status_ = CheckError(src_, pos, message);
    return nullptr;
  }

  const Token& Peek(size_t k = 0) const {
    return tokens_[std::min(next_ + k, tokens_.size() - 1)];
  }
  const Token& Take() {
    const Token& t = Peek();
    if (next_ < tokens_.size() - 1) ++next_;
    return t;
  }
  bool IsPunct(std::string_view p, size_t k = 0) const {
    return Peek(k).kind == Tok::kPunct && Peek(k).text == p;
  }
  bool Expect(std::string_view p) {
    if (IsPunct(p)) {
      Take();
      return true;
    }
    Syntax(Peek().pos, absl::StrCat("expected '", std::string(p), "' but found ",
                                    Describe(Peek())));
    return false;
  }
  static std::string Describe(const Token& t) {
    switch (t.kind) {
      case Tok::kEof: return "end of input";
      case Tok::kString: return "string literal";
      case Tok::kInt: case Tok::kUint: case Tok::kDouble: return "number";
      default: return absl::StrCat("'", t.text, "'");
    }
  }

  // Guards one level of recursion; false (with the error recorded) when the
  // input nests too deeply.
  struct Nesting {
    explicit Nesting(int& depth) : depth_(depth) { ++depth_; }
    ~Nesting() { --depth_; }
    bool ok() const { return depth_ <= kMaxNesting; }
    int& depth_;
  };

  NodePtr New(NodeKind kind, size_t pos) {
    auto n = std::make_shared<Node>();
    n->kind = kind;
    n->pos = pos;
    return n;
  }

  NodePtr Finish(NodePtr n) {
    for (const auto& a : n->args) n->height = std::max(n->height, a->height + 1);
    if (n->height > kMaxHeight) return Syntax(n->pos, "expression too large");
    return n;
  }

  NodePtr Literal(size_t pos, Value v) {
    NodePtr n = New(NodeKind::kLiteral, pos);
    n->type = v.kind();
    n->literal = std::move(v);
    return n;
  }

  // --- grammar ---------------------------------------------------------------

  NodePtr Expr() {
    Nesting nesting(depth_);
    if (!nesting.ok()) return Syntax(Peek().pos, "expression nested too deeply");
    NodePtr cond = Or();
    if (cond == nullptr || !IsPunct("?")) return cond;
    const size_t pos = Take().pos;
    NodePtr then = Or();
    if (then == nullptr || !Expect(":")) return nullptr;
    NodePtr otherwise = Expr();
    if (otherwise == nullptr) return nullptr;
    if (cond->type != Kind::kBool && cond->type != Kind::kDyn) {
      return Check(cond->pos, absl::StrCat("condition of '?:' must be bool, not ",
                                           KindName(cond->type)));
    }
    NodePtr n = New(NodeKind::kTernary, pos);
    n->type = then->type == otherwise->type ? then->type : Kind::kDyn;
    n->args = {std::move(cond), std::move(then), std::move(otherwise)};
    return Finish(std::move(n));
  }

  NodePtr Or() {
    NodePtr lhs = And();
    while (lhs != nullptr && IsPunct("||")) {
      const size_t pos = Take().pos;
      lhs = Logic(NodeKind::kOr, pos, std::move(lhs), And());
    }
    return lhs;
  }

  NodePtr And() {
    NodePtr lhs = Relation();
    while (lhs != nullptr && IsPunct("&&")) {
      const size_t pos = Take().pos;
      lhs = Logic(NodeKind::kAnd, pos, std::move(lhs), Relation());
    }
    return lhs;
  }

  NodePtr Logic(NodeKind kind, size_t pos, NodePtr lhs, NodePtr rhs) {
    if (rhs == nullptr) return nullptr;
    for (const NodePtr& operand : {lhs, rhs}) {
      if (operand->type != Kind::kBool && operand->type != Kind::kDyn) {
        return Check(pos, absl::StrCat("found no matching overload for '",
                                       kind == NodeKind::kAnd ? "_&&_" : "_||_",
                                       "' applied to ", Signature({lhs, rhs})));
      }
    }
    NodePtr n = New(kind, pos);
    n->type = Kind::kBool;
    n->args = {std::move(lhs), std::move(rhs)};
    return Finish(std::move(n));
  }

  NodePtr Relation() {
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 6>
        kOps = {{{"<", "_<_"}, {"<=", "_<=_"}, {">", "_>_"}, {">=", "_>=_"},
                 {"==", "_==_"}, {"!=", "_!=_"}}};
    NodePtr lhs = Addition();
    while (lhs != nullptr) {
      std::string_view fn;
      if (Peek().kind == Tok::kIdent && Peek().text == "in") {
        fn = "@in";
      } else {
        for (const auto& [symbol, name] : kOps) {
          if (IsPunct(symbol)) fn = name;
        }
      }
      if (fn.empty()) break;
      const size_t pos = Take().pos;
      NodePtr rhs = Addition();
      if (rhs == nullptr) return nullptr;
      lhs = Call(pos, fn, false, {std::move(lhs), std::move(rhs)});
    }
    return lhs;
  }

  NodePtr Addition() {
    NodePtr lhs = Multiplication();
    while (lhs != nullptr && (IsPunct("+") || IsPunct("-"))) {
      const Token& op = Take();
      const std::string_view fn = op.text == "+" ? "_+_" : "_-_";
      NodePtr rhs = Multiplication();
      if (rhs == nullptr) return nullptr;
      lhs = Call(op.pos, fn, false, {std::move(lhs), std::move(rhs)});
    }
    return lhs;
  }

  NodePtr Multiplication() {
    NodePtr lhs = Unary();
    while (lhs != nullptr && (IsPunct("*") || IsPunct("/") || IsPunct("%"))) {
      const Token& op = Take();
      const std::string_view fn =
          op.text == "*" ? "_*_" : (op.text == "/" ? "_/_" : "_%_");
      NodePtr rhs = Unary();
      if (rhs == nullptr) return nullptr;
      lhs = Call(op.pos, fn, false, {std::move(lhs), std::move(rhs)});
    }
    return lhs;
  }

  NodePtr Unary() {
    Nesting nesting(depth_);
    if (!nesting.ok()) return Syntax(Peek().pos, "expression nested too deeply");
    if (IsPunct("!") || IsPunct("-")) {
      const Token& op = Take();
      // A minus sign belongs to a numeric literal, which lets the most
      // negative int be written even though its magnitude overflows int64.
      if (op.text == "-" && (Peek().kind == Tok::kInt || Peek().kind == Tok::kDouble)) {
        const Token& num = Take();
        NodePtr lit;
        if (num.kind == Tok::kDouble) {
          lit = Literal(op.pos, Double(-num.d));
        } else if (num.u > static_cast<uint64_t>(1) << 63) {
          return Syntax(num.pos, "integer literal out of range");
        } else {
          lit = Literal(op.pos, Int(static_cast<int64_t>(0 - num.u)));
        }
        return Suffixes(std::move(lit));
      }
      NodePtr operand = Unary();
      if (operand == nullptr) return nullptr;
      return Call(op.pos, op.text == "!" ? "!_" : "-_", false, {std::move(operand)});
    }
    return Suffixes(Primary());
  }

  NodePtr Suffixes(NodePtr n) {
    while (n != nullptr) {
      if (IsPunct(".")) {
        Take();
        if (Peek().kind != Tok::kIdent) {
          return Syntax(Peek().pos, absl::StrCat("expected a field name but found ",
                                                 Describe(Peek())));
        }
        const Token& id = Take();
        if (IsPunct("(")) {
          Take();
          n = MemberCall(id, std::move(n));
        } else {
          n = Select(id.pos, std::move(n), Unescape(id.text));
        }
      } else if (IsPunct("[")) {
        const size_t pos = Take().pos;
        NodePtr index = Expr();
        if (index == nullptr || !Expect("]")) return nullptr;
        n = Call(pos, "_[_]", false, {std::move(n), std::move(index)});
      } else {
        break;
      }
    }
    return n;
  }

  NodePtr Primary() {
    const Token& t = Peek();
    switch (t.kind) {
      case Tok::kInt:
        Take();
        if (t.u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
          return Syntax(t.pos, "integer literal out of range");
        }
        return Literal(t.pos, Int(static_cast<int64_t>(t.u)));
      case Tok::kUint:
        Take();
        return Literal(t.pos, Uint(t.u));
      case Tok::kDouble:
        Take();
        return Literal(t.pos, Double(t.d));
      case Tok::kString:
        Take();
        return Literal(t.pos, String(t.text));
      case Tok::kIdent:
        return IdentOrCall();
      case Tok::kPunct:
        if (t.text == "(") {
          Take();
          NodePtr e = Expr();
          if (e == nullptr || !Expect(")")) return nullptr;
          return e;
        }
        if (t.text == "[") return ListLiteral();
        if (t.text == "{") return MapLiteral();
        if (t.text == "." && Peek(1).kind == Tok::kIdent) {
          Take();  // a leading dot names the root scope, which is the only one
          return IdentOrCall();
        }
        break;
      default:
        break;
    }
    return Syntax(t.pos, absl::StrCat("unexpected ", Describe(t)));
  }

  NodePtr IdentOrCall() {
    const Token& id = Take();
    const std::string& name = id.text;
    if (name == "true" || name == "false") return Literal(id.pos, Bool(name == "true"));
    if (name == "null") return Literal(id.pos, Null());
    if (IsReserved(name)) {
      return Syntax(id.pos, absl::StrCat("reserved identifier '", name, "'"));
    }
    if (IsPunct("(")) {
      Take();
      std::vector<NodePtr> args;
      if (!ArgList(")", args)) return nullptr;
      if (name == "has") return Has(id.pos, std::move(args));
      return Call(id.pos, name, false, std::move(args));
    }
    for (size_t slot = scopes_.size(); slot-- > 0;) {
      if (scopes_[slot] == name) {
        NodePtr n = New(NodeKind::kVar, id.pos);
        n->slot = static_cast<int>(slot);
        return n;
      }
    }
    if (name == "self") return New(NodeKind::kSelf, id.pos);
    if (name == "oldSelf") {
      uses_old_self_ = true;
      return New(NodeKind::kOldSelf, id.pos);
    }
    if (const std::optional<Kind> kind = TypeNamed(name)) {
      return Literal(id.pos, Value{TypeValue{*kind}});
    }
    return Check(id.pos, absl::StrCat("undeclared reference to '", name, "'"));
  }

  // Parses `a, b, c<close>` (the opening token already taken). Lists and maps
  // allow a trailing comma; calls do not.
  bool ArgList(std::string_view close, std::vector<NodePtr>& out,
               bool trailing_comma = false) {
    if (IsPunct(close)) {
      Take();
      return true;
    }
    while (true) {
      NodePtr e = Expr();
      if (e == nullptr) return false;
      out.push_back(std::move(e));
      if (IsPunct(",")) {
        Take();
        if (trailing_comma && IsPunct(close)) break;
        continue;
      }
      break;
    }
    return Expect(close);
  }

  NodePtr ListLiteral() {
    NodePtr n = New(NodeKind::kList, Take().pos);
    n->type = Kind::kList;
    std::vector<NodePtr> items;
    if (!ArgList("]", items, true)) return nullptr;
    n->args.assign(items.begin(), items.end());
    return Finish(std::move(n));
  }

  NodePtr MapLiteral() {
    NodePtr n = New(NodeKind::kMap, Take().pos);
    n->type = Kind::kMap;
    while (!IsPunct("}")) {
      NodePtr key = Expr();
      if (key == nullptr || !Expect(":")) return nullptr;
      const Kind k = key->type;
      if (k != Kind::kString && k != Kind::kInt && k != Kind::kUint &&
          k != Kind::kBool && k != Kind::kDyn) {
        return Check(key->pos, absl::StrCat("unsupported map key type ", KindName(k)));
      }
      NodePtr value = Expr();
      if (value == nullptr) return nullptr;
      n->args.push_back(std::move(key));
      n->args.push_back(std::move(value));
      if (!IsPunct(",")) break;
      Take();
    }
    if (!Expect("}")) return nullptr;
    return Finish(std::move(n));
  }

  NodePtr Select(size_t pos, NodePtr operand, std::string field) {
    if (operand == nullptr) return nullptr;
    if (operand->type != Kind::kMap && operand->type != Kind::kDyn) {
      return Check(pos, absl::StrCat("type '", KindName(operand->type),
                                     "' does not support field selection"));
    }
    NodePtr n = New(NodeKind::kSelect, pos);
    n->name = std::move(field);
    n->args = {std::move(operand)};
    return Finish(std::move(n));
  }

  NodePtr Has(size_t pos, std::vector<NodePtr> args) {
    if (args.size() != 1 || args[0]->kind != NodeKind::kSelect) {
      return Check(pos, "has() requires a field selection such as has(self.field)");
    }
    NodePtr n = New(NodeKind::kHas, pos);
    n->type = Kind::kBool;
    n->name = args[0]->name;
    n->args = args[0]->args;
    return Finish(std::move(n));
  }

  NodePtr MemberCall(const Token& id, NodePtr receiver) {
    if (receiver == nullptr) return nullptr;
    if (const std::optional<Macro> macro = MacroNamed(id.text)) {
      return Comprehension(id, *macro, std::move(receiver));
    }
    std::vector<NodePtr> args = {std::move(receiver)};
    if (!ArgList(")", args)) return nullptr;
    return Call(id.pos, id.text, true, std::move(args));
  }

  NodePtr Comprehension(const Token& id, Macro macro, NodePtr range) {
    if (Peek().kind != Tok::kIdent || !IsPunct(",", 1) || IsReserved(Peek().text)) {
      return Check(id.pos, absl::StrCat("macro '", id.text,
                                        "' expects a variable name and an expression, as in ",
                                        id.text, "(x, x > 0)"));
    }
    if (range->type != Kind::kList && range->type != Kind::kMap &&
        range->type != Kind::kDyn) {
      return Check(id.pos, absl::StrCat("macro '", id.text, "' cannot range over ",
                                        KindName(range->type)));
    }
    NodePtr n = New(NodeKind::kComprehension, id.pos);
    n->macro = macro;
    n->type = macro == Macro::kMap || macro == Macro::kFilter ? Kind::kList : Kind::kBool;
    n->slot = static_cast<int>(scopes_.size());
    scopes_.push_back(Take().text);
    Take();  // the comma
    max_slots_ = std::max(max_slots_, static_cast<int>(scopes_.size()));
    std::vector<NodePtr> body;
    const bool ok = ArgList(")", body);
    scopes_.pop_back();
    if (!ok) return nullptr;
    const size_t max_args = macro == Macro::kMap ? 2 : 1;
    if (body.size() > max_args) {
      return Check(id.pos, absl::StrCat("macro '", id.text, "' takes ",
                                        max_args + 1, " arguments at most"));
    }
    if (body.empty()) {
      return Check(id.pos, absl::StrCat("macro '", id.text, "' needs an expression"));
    }
    const bool predicate_first = macro != Macro::kMap || body.size() == 2;
    if (predicate_first && body[0]->type != Kind::kBool && body[0]->type != Kind::kDyn) {
      return Check(body[0]->pos, absl::StrCat("predicate of '", id.text,
                                              "' must be bool, not ",
                                              KindName(body[0]->type)));
    }
    n->args.push_back(std::move(range));
    for (NodePtr& b : body) n->args.push_back(std::move(b));
    return Finish(std::move(n));
  }

  NodePtr Call(size_t pos, std::string_view fn, bool member, std::vector<NodePtr> args) {
    bool known = false;
    std::vector<const Overload*> viable;
    for (const Overload& o : Overloads()) {
      if (o.function != fn) continue;
      known = true;
      if (o.member != member || o.params.size() != args.size()) continue;
      bool match = true;
      for (size_t i = 0; i < args.size(); ++i) {
        const Kind p = o.params[i];
        const Kind a = args[i]->type;
        match = match && (p == Kind::kDyn || a == Kind::kDyn || p == a);
      }
      if (match) viable.push_back(&o);
    }
    if (!known) {
      return Check(pos, absl::StrCat("undeclared reference to '", std::string(fn), "'"));
    }
    if (viable.empty()) {
      return Check(pos, absl::StrCat("found no matching overload for '",
                                     std::string(fn), "' applied to ",
                                     member ? "receiver " : "", Signature(args)));
    }
    NodePtr n = New(NodeKind::kCall, pos);
    n->name = std::string(fn);
    n->type = viable.front()->result;
    for (const Overload* o : viable) {
      if (o->result != n->type) n->type = Kind::kDyn;
    }
    n->overloads = std::move(viable);
    if (fn == "matches") {
      n->regex = std::make_shared<RegexCache>();
      const Node& pattern = *args[1];
      if (pattern.kind == NodeKind::kLiteral && pattern.type == Kind::kString) {
        try {
          n->regex->literal =
              std::make_shared<const std::regex>(pattern.literal.get<std::string>());
        } catch (const std::regex_error& e) {
          return Check(pattern.pos, absl::StrCat("invalid regular expression: ", e.what()));
        }
      }
    }
    n->args.assign(args.begin(), args.end());
    return Finish(std::move(n));
  }

  std::string_view src_;
  std::vector<Token> tokens_;
  size_t next_ = 0;
  absl::Status status_;
  int depth_ = 0;
  std::vector<std::string> scopes_;  // comprehension variables, outermost first
  int max_slots_ = 0;
  bool uses_old_self_ = false;
};

}  // namespace

absl::StatusOr<Parsed> Parse(std::string_view source) {
  absl::StatusOr<std::vector<Token>> tokens = Lexer(source).Run();
  if (!tokens.ok()) return tokens.status();
  return Parser(source, *std::move(tokens)).Run();
}

}  // namespace srfleet::cel::internal
