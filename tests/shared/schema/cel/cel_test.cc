#include "shared/schema/cel/cel.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "shared/json/yaml_codec.h"

namespace srfleet::cel {
namespace {

using ::testing::HasSubstr;

Json J(std::string_view text) { return Json::parse(text); }

absl::StatusOr<Json> Eval(std::string_view expr, const Json& self = Json(),
                          const Json* old_self = nullptr) {
  absl::StatusOr<Program> program = Program::Compile(expr);
  if (!program.ok()) return program.status();
  return program->Evaluate(self, old_self);
}

// Compiles and evaluates a rule, failing the test on any error.
bool Rule(std::string_view expr, const Json& self = Json(),
          const Json* old_self = nullptr) {
  absl::StatusOr<Program> program = Program::Compile(expr);
  EXPECT_TRUE(program.ok()) << expr << ": " << program.status();
  if (!program.ok()) return false;
  absl::StatusOr<bool> result = program->EvaluateBool(self, old_self);
  EXPECT_TRUE(result.ok()) << expr << ": " << result.status();
  return result.ok() && *result;
}

std::string CompileError(std::string_view expr) {
  absl::StatusOr<Program> program = Program::Compile(expr);
  EXPECT_FALSE(program.ok()) << expr << " compiled";
  return program.ok() ? "" : std::string(program.status().message());
}

// Compiles fine, fails when evaluated.
std::string EvalError(std::string_view expr, const Json& self = Json()) {
  absl::StatusOr<Program> program = Program::Compile(expr);
  EXPECT_TRUE(program.ok()) << expr << ": " << program.status();
  if (!program.ok()) return "";
  absl::StatusOr<Json> result = program->Evaluate(self);
  EXPECT_FALSE(result.ok()) << expr << " evaluated to " << result->dump();
  return result.ok() ? "" : std::string(result.status().message());
}

// --- expressions that must evaluate to true ------------------------------------

struct TrueCase {
  const char* expr;
  const char* self = "null";
};

void PrintTo(const TrueCase& c, std::ostream* os) { *os << c.expr; }

class TrueExpression : public ::testing::TestWithParam<TrueCase> {};

TEST_P(TrueExpression, EvaluatesToTrue) {
  EXPECT_TRUE(Rule(GetParam().expr, J(GetParam().self))) << GetParam().expr;
}

INSTANTIATE_TEST_SUITE_P(
    Literals, TrueExpression,
    ::testing::Values(
        TrueCase{"0x1F == 31"}, TrueCase{"1e3 == 1000.0"}, TrueCase{"3u == 3u"},
        TrueCase{"-9223372036854775808 < 0"}, TrueCase{"'it\\'s' == \"it's\""},
        TrueCase{"'a\\tb' == 'a\\x09b' && '\\u00e9' == '\\351' && '\\xe9' == '\\U000000e9'"},
        TrueCase{"size('\\u00e9') == 1"}, TrueCase{"r'\\d' == '\\\\d'"},
        TrueCase{"'''two\nlines''' == 'two\\nlines'"},
        TrueCase{"[1, 'a', [true],] == [1, 'a', [true]]"},
        TrueCase{"{'a': 1, 'b': 2} == {'b': 2, 'a': 1}"},
        TrueCase{"{1: 'one', true: 'yes'}[1] == 'one'"},
        TrueCase{"null == null && self == null"},
        TrueCase{"true // a comment\n && true"}));

INSTANTIATE_TEST_SUITE_P(
    Operators, TrueExpression,
    ::testing::Values(
        TrueCase{"1 + 2 * 3 == 7"}, TrueCase{"(1 + 2) * 3 == 9"},
        TrueCase{"10 - 4 - 3 == 3"}, TrueCase{"7 / 2 == 3 && -7 / 2 == -3"},
        TrueCase{"-7 % 3 == -1 && 7 % -3 == 1"},
        TrueCase{"true || false && false"}, TrueCase{"!false && !!true"},
        TrueCase{"false ? 1 == 2 : true ? true : false"},
        TrueCase{"1 < 2 == true"}, TrueCase{"1.5 * 2.0 == 3.0"},
        TrueCase{"1u + 2u == 3u && 7u % 4u == 3u"},
        TrueCase{"'ab' + 'c' == 'abc' && 'abc' < 'abd' && 'B' < 'a'"},
        TrueCase{"[1] + [2, 3] == [1, 2, 3]"},
        TrueCase{"2 in [1, 2] && !(5 in [1, 2]) && 'k' in {'k': 1}"},
        TrueCase{"[1, 2][1] == 2 && {'a': {'b': 7}}['a']['b'] == 7"},
        TrueCase{"false == false && true > false"}));

INSTANTIATE_TEST_SUITE_P(
    HeterogeneousNumbers, TrueExpression,
    ::testing::Values(
        TrueCase{"1 == 1.0 && 2u == 2 && 2 == 2u"},
        TrueCase{"1 < 1.5 && 1.5 < 2 && 3u > 2.5 && -1 < 0u"},
        TrueCase{"[1, 2] == [1.0, 2.0] && 2.0 in [1, 2]"},
        TrueCase{"9007199254740993 != 9007199254740992.0"},
        TrueCase{"1 != 'a' && [1] != {'a': 1} && null != 0"},
        TrueCase{"self.n == 2.0 && self.n + 1 == 3", R"({"n": 2})"},
        TrueCase{"self.f == 1.5 && self.f > 1", R"({"f": 1.5})"},
        TrueCase{"type(self.big) == uint", R"({"big": 18446744073709551615})"},
        TrueCase{"double('NaN') != double('NaN')"}));

INSTANTIATE_TEST_SUITE_P(
    Functions, TrueExpression,
    ::testing::Values(
        TrueCase{"size(self.s) == 5 && self.s.size() == 5", R"({"s": "héllo"})"},
        TrueCase{"size([1, 2]) == 2 && {'a': 1}.size() == 1"},
        TrueCase{"'kserve-x'.startsWith('kserve') && 'a.yaml'.endsWith('.yaml')"},
        TrueCase{"'hello'.contains('ell') && !'hello'.contains('xyz')"},
        TrueCase{"'abc'.matches('b') && !'abc'.matches('^b') && matches('abc', 'c$')"},
        TrueCase{"self.s.matches(self.re)", R"({"s": "v1.2", "re": "^v[0-9]+"})"},
        TrueCase{"int('42') == 42 && int(3.9) == 3 && int(-3.9) == -3 && int(7u) == 7"},
        TrueCase{"uint(5) == 5u && double(2) == 2.0 && double('1.5') == 1.5"},
        TrueCase{"string(12) == '12' && string(1.5) == '1.5' && string(true) == 'true'"},
        TrueCase{"bool('true') && !bool('false') && dyn(1) == 1"},
        TrueCase{"type(1) == int && type('a') == string && type(1.0) != int"},
        TrueCase{"type(self) == map && type(self.l) == list && type(type(1)) == type",
                 R"({"l": []})"},
        TrueCase{"'Cookie'.lowerAscii() == 'cookie' && 'a'.upperAscii() == 'A'"},
        TrueCase{"' x\\t'.trim() == 'x'"},
        TrueCase{"'a/b/c'.split('/') == ['a', 'b', 'c'] && 'a/b/c'.split('/', 2) == ['a', 'b/c']"},
        TrueCase{"'ab'.split('') == ['a', 'b'] && 'a'.split('/', 0) == []"},
        TrueCase{"['a', 'b'].join('-') == 'a-b' && ['x', 'y'].join() == 'xy'"},
        TrueCase{"duration('1h') == duration('60m') && duration('1.5s') < duration('2s')"},
        TrueCase{"string(duration('90m')) == '5400s' && string(duration('-1.25s')) == '-1.25s'"},
        TrueCase{"duration('1m') + duration('30s') == duration('90s')"}));

INSTANTIATE_TEST_SUITE_P(
    Macros, TrueExpression,
    ::testing::Values(
        TrueCase{"[1, 2, 3].all(x, x > 0) && ![1, 2, 3].all(x, x > 1)"},
        TrueCase{"[1, 2, 3].exists(x, x == 2) && ![1, 2].exists(x, x == 5)"},
        TrueCase{"[1, 2, 3].exists_one(x, x > 2) && ![1, 2, 3].exists_one(x, x > 1)"},
        TrueCase{"[].all(x, false) && ![].exists(x, true)"},
        TrueCase{"[1, 2, 3].map(x, x * 2) == [2, 4, 6]"},
        TrueCase{"[1, 2, 3].map(x, x > 1, x * 10) == [20, 30]"},
        TrueCase{"[1, 2, 3, 4].filter(x, x % 2 == 0) == [2, 4]"},
        TrueCase{"self.all(k, k.startsWith('app')) && self.exists(k, self[k] == 2)",
                 R"({"app": 1, "apple": 2})"},
        TrueCase{"self.map(k, k) == ['b', 'a'] && self.filter(k, self[k] > 1) == ['a']",
                 R"({"b": 1, "a": 2})"},
        TrueCase{"[[1, 2], [3]].all(l, l.all(x, x > 0))"},
        TrueCase{"[1, 2].map(x, [x].map(x, x * 10)[0]) == [10, 20]"},  // shadowing
        TrueCase{"[1, 2].all(x, [3, 4].exists(y, y == x + 2))"}));

// --- typical Kubernetes rules -----------------------------------------------------

TEST(KubernetesRules, ConditionalRequiredField) {
  constexpr const char* kRule =
      "self.type != 'kserve' || (has(self.inferenceServiceName) && "
      "self.inferenceServiceName != '')";
  EXPECT_TRUE(Rule(kRule, J(R"({"type": "vllm"})")));
  EXPECT_TRUE(Rule(kRule, J(R"({"type": "kserve", "inferenceServiceName": "isvc"})")));
  EXPECT_FALSE(Rule(kRule, J(R"({"type": "kserve"})")));
  EXPECT_FALSE(Rule(kRule, J(R"({"type": "kserve", "inferenceServiceName": ""})")));
}

TEST(KubernetesRules, ReplicaBounds) {
  constexpr const char* kRule = "!self.enabled || self.minReplicas <= self.maxReplicas";
  EXPECT_TRUE(Rule(kRule, J(R"({"enabled": false})")));
  EXPECT_TRUE(Rule(kRule, J(R"({"enabled": true, "minReplicas": 1, "maxReplicas": 3})")));
  EXPECT_FALSE(Rule(kRule, J(R"({"enabled": true, "minReplicas": 4, "maxReplicas": 3})")));
  // Enabled without the fields is an evaluation error, not a silent pass.
  EXPECT_THAT(EvalError(kRule, J(R"({"enabled": true})")), HasSubstr("no such key: minReplicas"));
}

TEST(KubernetesRules, DnsLabelName) {
  constexpr const char* kRule =
      "self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$') && "
      "size(self.metadata.name) <= 63";
  const auto named = [](const std::string& name) {
    return Json{{"metadata", {{"name", name}}}};
  };
  EXPECT_TRUE(Rule(kRule, named("semantic-router-1")));
  EXPECT_FALSE(Rule(kRule, named("Semantic")));
  EXPECT_FALSE(Rule(kRule, named("trailing-")));
  EXPECT_TRUE(Rule(kRule, named(std::string(63, 'a'))));
  EXPECT_FALSE(Rule(kRule, named(std::string(64, 'a'))));
}

TEST(KubernetesRules, UniqueNames) {
  constexpr const char* kRule = "self.all(e, self.exists_one(f, f.name == e.name))";
  EXPECT_TRUE(Rule(kRule, J(R"([{"name": "a"}, {"name": "b"}])")));
  EXPECT_FALSE(Rule(kRule, J(R"([{"name": "a"}, {"name": "b"}, {"name": "a"}])")));
  EXPECT_TRUE(Rule(kRule, J("[]")));
}

TEST(KubernetesRules, TransitionRuleImmutable) {
  absl::StatusOr<Program> program = Program::Compile("self == oldSelf");
  ASSERT_TRUE(program.ok()) << program.status();
  EXPECT_TRUE(program->uses_old_self());
  const Json before = J(R"({"a": [1, {"b": "x"}], "c": 2})");
  const Json reordered = J(R"({"c": 2.0, "a": [1, {"b": "x"}]})");
  const Json changed = J(R"({"a": [1, {"b": "y"}], "c": 2})");
  EXPECT_TRUE(*program->EvaluateBool(reordered, &before));
  EXPECT_FALSE(*program->EvaluateBool(changed, &before));
  absl::StatusOr<bool> no_old = program->EvaluateBool(before);
  ASSERT_FALSE(no_old.ok());
  EXPECT_THAT(no_old.status().message(), HasSubstr("oldSelf"));
  EXPECT_FALSE(Program::Compile("self.a == 1")->uses_old_self());
}

TEST(KubernetesRules, GatewayApiRules) {
  EXPECT_TRUE(Rule("!('*' in self && self.size() > 1)", J(R"(["*"])")));
  EXPECT_FALSE(Rule("!('*' in self && self.size() > 1)", J(R"(["*", "GET"])")));
  EXPECT_FALSE(Rule("self.filter(f, f.type == 'CORS').size() <= 1",
                    J(R"([{"type": "CORS"}, {"type": "CORS"}])")));
  EXPECT_TRUE(Rule("self.all(key, key.split(\"/\")[0].size() < 253)",
                   J(R"({"example.com/key": "v", "plain": "w"})")));
  EXPECT_FALSE(Rule("self.lowerAscii() != 'cookie'", Json("Cookie")));
  constexpr const char* kTimeouts =
      "!(has(self.request) && has(self.backendRequest) && duration(self.request) != "
      "duration('0s') && duration(self.backendRequest) > duration(self.request))";
  EXPECT_TRUE(Rule(kTimeouts, J(R"({"request": "10s", "backendRequest": "2s"})")));
  EXPECT_FALSE(Rule(kTimeouts, J(R"({"request": "1s", "backendRequest": "1500ms"})")));
  EXPECT_TRUE(Rule(kTimeouts, J(R"({"request": "0s", "backendRequest": "1m"})")));
}

TEST(KubernetesRules, EscapedPropertyNames) {
  EXPECT_TRUE(Rule("self.__namespace__ == 'ns' && has(self.__namespace__)",
                   J(R"({"namespace": "ns"})")));
  EXPECT_TRUE(Rule("self.x__dash__y == 1 && self.a__dot__b == 2 && self.p__slash__q == 3 && "
                   "self.u__underscores__v == 4",
                   J(R"({"x-y": 1, "a.b": 2, "p/q": 3, "u__v": 4})")));
  EXPECT_TRUE(Rule("self['x-y'] == 1", J(R"({"x-y": 1})")));
}

TEST(KubernetesRules, MessageExpressionProducesString) {
  absl::StatusOr<Json> message = Eval(
      "'name ' + self.metadata.name + ' has ' + string(size(self.items)) + ' items'",
      J(R"({"metadata": {"name": "r1"}, "items": [1, 2]})"));
  ASSERT_TRUE(message.ok()) << message.status();
  EXPECT_EQ(*message, Json("name r1 has 2 items"));
}

// Every rule in the reference Gateway API / Route CRDs must compile.
TEST(KubernetesRules, ReferenceCrdRulesCompile) {
  const std::filesystem::path root = std::filesystem::path(SRFLEET_REFERENCE_DIR) / "reference";
  if (!std::filesystem::exists(root)) GTEST_SKIP() << "no reference folder at " << root;
  int rules = 0;
  std::function<void(const Json&)> walk = [&](const Json& node) {
    if (node.is_object()) {
      for (const auto& [key, value] : node.items()) {
        if (key == "x-kubernetes-validations" && value.is_array()) {
          for (const Json& v : value) {
            const std::string rule = v.value("rule", "");
            absl::StatusOr<Program> program = Program::Compile(rule);
            EXPECT_TRUE(program.ok()) << rule << ": " << program.status();
            ++rules;
          }
        }
        walk(value);
      }
    } else if (node.is_array()) {
      for (const Json& item : node) walk(item);
    }
  };
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    if (entry.path().extension() != ".yaml") continue;
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    absl::StatusOr<std::vector<Json>> docs = ParseYamlDocuments(text.str());
    if (!docs.ok()) continue;  // not every reference file is a manifest
    for (const Json& doc : *docs) walk(doc);
  }
  EXPECT_GT(rules, 50);
}

// --- CEL error semantics -----------------------------------------------------------

TEST(ErrorSemantics, LogicalOperatorsAreCommutativeOverErrors) {
  const Json self = J(R"({"a": 1})");
  EXPECT_FALSE(Rule("false && self.missing == 1", self));
  EXPECT_FALSE(Rule("self.missing == 1 && false", self));
  EXPECT_TRUE(Rule("true || self.missing == 1", self));
  EXPECT_TRUE(Rule("self.missing == 1 || true", self));
  EXPECT_TRUE(Rule("1 / 0 == 1 || self.a == 1", self));
  EXPECT_THAT(EvalError("self.missing == 1 && true", self), HasSubstr("no such key: missing"));
  EXPECT_THAT(EvalError("false || self.missing == 1", self), HasSubstr("no such key"));
  // A non-bool operand is an error that the other side can still absorb.
  EXPECT_TRUE(Rule("self.a || true", self));
  EXPECT_THAT(EvalError("self.a && true", self), HasSubstr("no matching overload"));
}

TEST(ErrorSemantics, MacrosAbsorbErrorsLikeLogicalOperators) {
  EXPECT_FALSE(Rule("[0, -1].all(x, 1 / x > 0)"));  // -1 decides despite 1/0
  EXPECT_TRUE(Rule("[0, 1].exists(x, 1 / x == 1)"));
  EXPECT_THAT(EvalError("[0, 1].all(x, 1 / x > 0)"), HasSubstr("division by zero"));
  EXPECT_THAT(EvalError("[0, 1].exists_one(x, 1 / x == 1)"), HasSubstr("division by zero"));
  EXPECT_THAT(EvalError("[1, 2].filter(x, x)"), HasSubstr("must be bool"));
}

TEST(ErrorSemantics, IntegerOverflowIsAnError) {
  EXPECT_THAT(EvalError("9223372036854775807 + 1 > 0"), HasSubstr("overflow"));
  EXPECT_THAT(EvalError("-9223372036854775808 - 1 < 0"), HasSubstr("overflow"));
  EXPECT_THAT(EvalError("9223372036854775807 * 2 > 0"), HasSubstr("overflow"));
  EXPECT_THAT(EvalError("-9223372036854775808 / -1 > 0"), HasSubstr("overflow"));
  EXPECT_THAT(EvalError("-(-9223372036854775808) > 0"), HasSubstr("overflow"));
  EXPECT_THAT(EvalError("0u - 1u > 0u"), HasSubstr("overflow"));
  EXPECT_THAT(CompileError("9223372036854775808 > 0"), HasSubstr("out of range"));
}

TEST(ErrorSemantics, DivisionByZero) {
  EXPECT_THAT(EvalError("1 / 0 == 0"), HasSubstr("division by zero"));
  EXPECT_THAT(EvalError("1 % 0 == 0"), HasSubstr("modulus by zero"));
  EXPECT_THAT(EvalError("1u / 0u == 0u"), HasSubstr("division by zero"));
  EXPECT_TRUE(Rule("1.0 / 0.0 > 1e308"));  // IEEE: +inf
}

TEST(ErrorSemantics, MissingKeysAndIndexes) {
  const Json self = J(R"({"spec": {"a": 1}, "list": [1]})");
  EXPECT_THAT(EvalError("self.spec.b == 1", self), HasSubstr("no such key: b"));
  EXPECT_THAT(EvalError("self.status.phase == 'x'", self), HasSubstr("no such key: status"));
  EXPECT_THAT(EvalError("self['b'] == 1", self), HasSubstr("no such key: b"));
  EXPECT_THAT(EvalError("self.list[1] == 1", self), HasSubstr("out of range"));
  EXPECT_THAT(EvalError("self.list[-1] == 1", self), HasSubstr("out of range"));
  EXPECT_THAT(EvalError("self.spec.a.b == 1", self), HasSubstr("does not support field selection"));
}

TEST(ErrorSemantics, HasMacro) {
  const Json self = J(R"({"spec": {"a": null, "nested": {"x": 1}}})");
  EXPECT_TRUE(Rule("has(self.spec) && has(self.spec.a) && has(self.spec.nested.x)", self));
  EXPECT_FALSE(Rule("has(self.spec.b)", self));
  EXPECT_THAT(EvalError("has(self.status.phase)", self), HasSubstr("no such key: status"));
  EXPECT_THAT(EvalError("has(self.spec.nested.x.y)", self), HasSubstr("has()"));
  EXPECT_THAT(CompileError("has(self)"), HasSubstr("has() requires a field selection"));
  EXPECT_THAT(CompileError("has(self['a'])"), HasSubstr("has() requires a field selection"));
}

TEST(ErrorSemantics, TypeMismatches) {
  // Known at compile time: both operands are literals.
  const std::string message = CompileError("1 + 'a'");
  EXPECT_THAT(message, HasSubstr("found no matching overload for '_+_' applied to (int, string)"));
  EXPECT_THAT(message, HasSubstr("column 3"));
  EXPECT_THAT(CompileError("1u + 1"), HasSubstr("no matching overload"));
  EXPECT_THAT(CompileError("size(1)"), HasSubstr("no matching overload for 'size'"));
  EXPECT_THAT(CompileError("1 ? 2 : 3"), HasSubstr("must be bool"));
  EXPECT_THAT(CompileError("1 && true"), HasSubstr("'_&&_'"));
  EXPECT_THAT(CompileError("1.field"), HasSubstr("does not support field selection"));
  EXPECT_THAT(CompileError("'abc'.all(x, true)"), HasSubstr("cannot range over string"));
  // Known only at run time.
  const Json self = J(R"({"n": 1, "s": "x", "f": 1.5})");
  EXPECT_THAT(EvalError("self.n + 'a' == 'x'", self),
              HasSubstr("no matching overload for '_+_' applied to (int, string)"));
  EXPECT_THAT(EvalError("self.f + 1 > 0", self), HasSubstr("(double, int)"));
  EXPECT_THAT(EvalError("self.s < 1", self), HasSubstr("'_<_'"));
  EXPECT_THAT(EvalError("self.n.startsWith('a')", self), HasSubstr("startsWith"));
  EXPECT_THAT(EvalError("self.n.all(x, true)", self), HasSubstr("cannot iterate over int"));
}

TEST(ErrorSemantics, ConversionErrors) {
  EXPECT_THAT(EvalError("int('12x') == 12"), HasSubstr("cannot convert '12x'"));
  EXPECT_THAT(EvalError("uint(-1) == 0u"), HasSubstr("out of range"));
  EXPECT_THAT(EvalError("int(9223372036854775807.0) > 0"), HasSubstr("out of range"));
  EXPECT_THAT(EvalError("int(double('NaN')) == 0"), HasSubstr("out of range"));
  EXPECT_THAT(EvalError("duration('10 s') > duration('1s')"), HasSubstr("invalid duration"));
  EXPECT_THAT(EvalError("bool('yes')"), HasSubstr("cannot convert"));
  EXPECT_THAT(EvalError("['a', 1].join() == ''"), HasSubstr("not a string"));
  EXPECT_THAT(EvalError("{'a': 1, 'a': 2}.size() == 2"), HasSubstr("duplicate map key"));
}

TEST(ErrorSemantics, RegularExpressions) {
  EXPECT_THAT(CompileError("self.matches('[a-')"), HasSubstr("invalid regular expression"));
  EXPECT_THAT(EvalError("'a'.matches(self)", Json("(")), HasSubstr("invalid regular expression"));
  EXPECT_THAT(EvalError("self.matches('a')", Json(std::string(20000, 'a'))),
              HasSubstr("input longer than"));
}

TEST(ErrorSemantics, EvaluateBoolRequiresBool) {
  absl::StatusOr<Program> program = Program::Compile("self.n + 1");
  ASSERT_TRUE(program.ok());
  EXPECT_EQ(*program->Evaluate(J(R"({"n": 1})")), Json(2));
  absl::StatusOr<bool> result = program->EvaluateBool(J(R"({"n": 1})"));
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.status().message(), HasSubstr("must evaluate to bool, got int"));
}

// --- syntax and checking -----------------------------------------------------------

TEST(Compile, SyntaxErrorsNameTheColumn) {
  EXPECT_THAT(CompileError("self.a +"), HasSubstr("syntax error at line 1, column 9"));
  EXPECT_THAT(CompileError("self.a = 1"), HasSubstr("column 8: unexpected '=' (did you mean '=='?)"));
  EXPECT_THAT(CompileError("(1 + 2"), HasSubstr("column 7: expected ')' but found end of input"));
  EXPECT_THAT(CompileError("self.a &&\n  )"), HasSubstr("line 2, column 3: unexpected ')'"));
  EXPECT_THAT(CompileError("'unterminated"), HasSubstr("column 1: unterminated string"));
  EXPECT_THAT(CompileError("self.a 1"), HasSubstr("column 8: unexpected number"));
  EXPECT_THAT(CompileError("'\\q'"), HasSubstr("invalid escape"));
  EXPECT_THAT(CompileError("self.if == 1 || if"), HasSubstr("reserved identifier 'if'"));
  EXPECT_THAT(CompileError("b'bytes'"), HasSubstr("bytes literals are not supported"));
  EXPECT_THAT(CompileError(""), HasSubstr("end of input"));
}

TEST(Compile, UndeclaredNamesAndFunctions) {
  EXPECT_THAT(CompileError("foo == 1"), HasSubstr("undeclared reference to 'foo'"));
  EXPECT_THAT(CompileError("self.frobnicate()"), HasSubstr("undeclared reference to 'frobnicate'"));
  EXPECT_THAT(CompileError("self.startsWith()"), HasSubstr("no matching overload"));
  EXPECT_THAT(CompileError("[1].all(x, true) && x == 1"), HasSubstr("column 21: undeclared reference to 'x'"));
  EXPECT_THAT(CompileError("self.all(1, true)"), HasSubstr("expects a variable name"));
  EXPECT_THAT(CompileError("self.map(x, x, x, x)"), HasSubstr("3 arguments at most"));
}

TEST(Compile, HostileInputIsRejectedNotCrashing) {
  EXPECT_THAT(CompileError(std::string(5000, '(') + "1" + std::string(5000, ')')),
              HasSubstr("nested too deeply"));
  EXPECT_THAT(CompileError(std::string(5000, '!') + "true"), HasSubstr("nested too deeply"));
  std::string chain = "true";
  for (int i = 0; i < 2000; ++i) chain += " || true";
  EXPECT_THAT(CompileError(chain), HasSubstr("expression too large"));
}

// --- the Program object ------------------------------------------------------------

TEST(Program, ResultsConvertToJson) {
  const Json self = J(R"({"l": [1, 2, 3], "m": {"k": "v"}})");
  EXPECT_EQ(*Eval("self.l.map(x, x * 2)", self), J("[2, 4, 6]"));
  EXPECT_EQ(*Eval("self.m", self), J(R"({"k": "v"})"));
  EXPECT_EQ(*Eval("{'a': [1u, 2.5, null]}"), J(R"({"a": [1, 2.5, null]})"));
  EXPECT_EQ(*Eval("type(1)"), Json("int"));
  EXPECT_EQ(*Eval("duration('1m')"), Json("60s"));
}

TEST(Program, DefaultConstructedIsEmpty) {
  const Program empty;
  EXPECT_EQ(empty.source(), "");
  EXPECT_FALSE(empty.Evaluate(Json()).ok());
}

TEST(Program, CopiesShareTheCompiledTree) {
  absl::StatusOr<Program> program = Program::Compile("self.x > 1");
  ASSERT_TRUE(program.ok());
  const Program copy = *program;
  EXPECT_EQ(copy.source(), "self.x > 1");
  EXPECT_TRUE(*copy.EvaluateBool(J(R"({"x": 2})")));
  EXPECT_FALSE(*program->EvaluateBool(J(R"({"x": 0})")));
}

TEST(Program, ConcurrentEvaluationWithDynamicRegex) {
  absl::StatusOr<Program> program = Program::Compile("self.s.matches(self.re)");
  ASSERT_TRUE(program.ok());
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      const Json yes = {{"s", "abc"}, {"re", t % 2 == 0 ? "^a" : "c$"}};
      const Json no = {{"s", "abc"}, {"re", "^z"}};
      for (int i = 0; i < 200; ++i) {
        if (*program->EvaluateBool(yes) != true) ++mismatches[t];
        if (*program->EvaluateBool(no) != false) ++mismatches[t];
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_THAT(mismatches, ::testing::Each(0));
}

}  // namespace
}  // namespace srfleet::cel
