#include "hub/placement/label_selector.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "hub/placement/label_syntax.h"

namespace srfleet::hub {
namespace {

using ::testing::HasSubstr;
using fleet::v1::Placement;

Placement MustParse(std::string_view text) {
  auto p = ParseSelector(text);
  EXPECT_TRUE(p.ok()) << text << ": " << p.status();
  return p.ok() ? *p : Placement();
}

void AddExpr(Placement* p, const std::string& key, const std::string& op, std::vector<std::string> values = {}) {
  auto* e = p->add_match_expressions();
  e->set_key(key);
  e->set_operator_(op);
  for (auto& v : values) e->add_values(v);
}

// ---- ParseSelector ------------------------------------------------------------

TEST(ParseSelector, CanonicalFormOfEachSyntax) {
  struct Case {
    const char* text;
    const char* canonical;
  } cases[] = {
      {"", ""},
      {"   ", ""},
      {"env=prod", "env=prod"},
      {"env==prod", "env=prod"},
      {"env = prod", "env=prod"},
      {"env!=prod", "env!=prod"},
      {"tier in (a,b)", "tier in (a,b)"},
      {"tier in (b, a, b)", "tier in (a,b)"},
      {"tier in(a)", "tier in (a)"},
      {"zone notin (x)", "zone!=x"},
      {"zone notin (y,x)", "zone notin (x,y)"},
      {"!gpu", "!gpu"},
      {"! gpu", "!gpu"},
      {"region", "region"},
      {"k=", "k="},
      {"k==", "k="},
      {"k!=", "k!="},
      {"k in ()", "k in ()"},
      {"k in (a,)", "k in (,a)"},
      {"a=1,a=1", "a=1"},
      {"a=1,a=2", "a=1,a in (2)"},
      {"in in (x)", "in in (x)"},
      {"notin", "notin"},
      {"srfleet.io/platform=openshift", "srfleet.io/platform=openshift"},
      {"srfleet.io/kubernetes-version in (1.29,1.30)", "srfleet.io/kubernetes-version in (1.29,1.30)"},
      {"env=prod,tier in (a,b),!gpu,region,zone notin (x),k!=v,k==v",
       "env=prod,k=v,!gpu,k!=v,region,tier in (a,b),zone!=x"},
      {"  env = prod ,  tier in ( a , b ) ", "env=prod,tier in (a,b)"},
      {"A_b.c-D=V.1_x-Y", "A_b.c-D=V.1_x-Y"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    auto p = ParseSelector(c.text);
    ASSERT_TRUE(p.ok()) << p.status();
    EXPECT_EQ(FormatSelector(*p), c.canonical);
    EXPECT_TRUE(ValidatePlacement(*p).ok()) << ValidatePlacement(*p);
  }
}

TEST(ParseSelector, MapsOperatorsToThePlacementFields) {
  Placement p = MustParse("env=prod,k==v,x!=y,t in (a,b),u notin (c),g,!h");
  EXPECT_EQ(p.match_labels().size(), 2u);
  EXPECT_EQ(p.match_labels().at("env"), "prod");
  EXPECT_EQ(p.match_labels().at("k"), "v");
  ASSERT_EQ(p.match_expressions_size(), 5);
  const auto& ne = p.match_expressions(0);
  EXPECT_EQ(ne.key(), "x");
  EXPECT_EQ(ne.operator_(), "NotIn");
  EXPECT_THAT(ne.values(), ::testing::ElementsAre("y"));
  EXPECT_EQ(p.match_expressions(1).operator_(), "In");
  EXPECT_THAT(p.match_expressions(1).values(), ::testing::ElementsAre("a", "b"));
  EXPECT_EQ(p.match_expressions(2).operator_(), "NotIn");
  EXPECT_EQ(p.match_expressions(3).key(), "g");
  EXPECT_EQ(p.match_expressions(3).operator_(), "Exists");
  EXPECT_EQ(p.match_expressions(3).values_size(), 0);
  EXPECT_EQ(p.match_expressions(4).key(), "h");
  EXPECT_EQ(p.match_expressions(4).operator_(), "DoesNotExist");
}

TEST(ParseSelector, EmptyParenthesesAreTheEmptyValueAsInKubectl) {
  Placement p = MustParse("k in ()");
  ASSERT_EQ(p.match_expressions_size(), 1);
  EXPECT_THAT(p.match_expressions(0).values(), ::testing::ElementsAre(""));
}

TEST(ParseSelector, ErrorsNameTheSelectorTheProblemAndTheColumn) {
  struct Case {
    const char* text;
    const char* message;
  } cases[] = {
      {"env in (a", "selector \"env in (a\": missing \")\" at column 10"},
      {"env in (a,b", "selector \"env in (a,b\": missing \")\" at column 12"},
      {"env in a", "expected \"(\" after \"in\", found \"a\" at column 8"},
      {"env notin", "expected \"(\" after \"notin\", found the end of the selector at column 10"},
      {"a,", "missing requirement after \",\" at column 3"},
      {"a,,b", "empty requirement before \",\" at column 3"},
      {",a", "empty requirement before \",\" at column 1"},
      {"(a)", "expected a key or \"!\", found \"(\" at column 1"},
      {"env prod", "expected =, ==, !=, in, notin or \",\" after key \"env\", found \"prod\" at column 5"},
      {"env (a)", "after key \"env\", found \"(\" at column 5"},
      {"k>5", "operator \">\" is not supported"},
      {"k<5", "at column 2"},
      {"!k=v", "\"!k\" takes no operator or value, found \"=\" at column 3"},
      {"!", "expected a key after \"!\", found the end of the selector at column 2"},
      {"!!a", "expected a key after \"!\", found \"!\" at column 2"},
      {"env=prod!", "expected \",\" between requirements, found \"!\" at column 9"},
      {"k=v=w", "expected \",\" between requirements, found \"=\" at column 4"},
      {"k=(v)", "expected a value after \"=\", found \"(\" at column 3"},
      {"k in (a b)", "expected \",\" or \")\", found \"b\" at column 9"},
      {"k in (a,(b)", "expected a value, \",\" or \")\", found \"(\" at column 9"},
      {"-bad=1", "invalid key \"-bad\": name part must consist of alphanumeric characters"},
      {"x,bad-=1", "invalid key \"bad-\"" /* column */},
      {"env=-x", "invalid value \"-x\": must consist of alphanumeric characters, '-', '_' or '.', and must start "
                 "and end with an alphanumeric character at column 5"},
      {"t in (ok,no way)", "expected \",\" or \")\", found \"way\""},
      {"t in (ok,-no)", "invalid value \"-no\""},
      {"a/b/c", "more than one '/'"},
      {"/x", "prefix part must not be empty"},
      {"x/", "name part must not be empty"},
      {"Example.com/x", "prefix part \"Example.com\" must be a lowercase RFC 1123 subdomain"},
      {"a..b/x", "prefix part \"a..b\""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    auto p = ParseSelector(c.text);
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(p.status().message()), HasSubstr(c.message));
    EXPECT_THAT(std::string(p.status().message()), HasSubstr(std::string("selector \"") + c.text + "\": "));
  }
}

TEST(ParseSelector, ColumnsPointAtTheOffendingToken) {
  auto p = ParseSelector("x,bad-=1");
  ASSERT_FALSE(p.ok());
  EXPECT_THAT(std::string(p.status().message()), ::testing::EndsWith("at column 3"));
  auto v = ParseSelector("env=prod, tier in (a, -b)");
  ASSERT_FALSE(v.ok());
  EXPECT_THAT(std::string(v.status().message()), ::testing::EndsWith("at column 23"));
}

TEST(ParseSelector, LengthLimits) {
  std::string name63(63, 'a'), name64(64, 'a');
  EXPECT_TRUE(ParseSelector(name63 + "=" + name63).ok());
  EXPECT_THAT(std::string(ParseSelector(name64).status().message()),
              HasSubstr("name part must be no more than 63 characters"));
  EXPECT_THAT(std::string(ParseSelector("k=" + name64).status().message()),
              HasSubstr("must be no more than 63 characters"));
  std::string prefix253;
  while (prefix253.size() < 253) prefix253 += prefix253.empty() ? "a" : ".a";
  prefix253.resize(253);
  EXPECT_TRUE(ParseSelector(prefix253 + "/k").ok()) << prefix253.size();
  EXPECT_FALSE(ParseSelector(prefix253 + "a/k").ok());
}

// ---- ValidatePlacement ----------------------------------------------------------

TEST(ValidatePlacement, AcceptsEmptyAndWellFormedPlacements) {
  EXPECT_TRUE(ValidatePlacement(Placement()).ok());
  Placement p;
  (*p.mutable_match_labels())["srfleet.io/platform"] = "openshift";
  (*p.mutable_match_labels())["empty"] = "";
  AddExpr(&p, "tier", "In", {"a", ""});
  AddExpr(&p, "zone", "NotIn", {"x"});
  AddExpr(&p, "gpu", "Exists");
  AddExpr(&p, "spot", "DoesNotExist");
  EXPECT_TRUE(ValidatePlacement(p).ok()) << ValidatePlacement(p);
}

TEST(ValidatePlacement, NamesTheFieldOfEachProblem) {
  struct Case {
    const char* name;
    Placement placement;
    const char* message;
  };
  std::vector<Case> cases;
  {
    Placement p;
    AddExpr(&p, "ok", "Exists");
    AddExpr(&p, "tier", "In");
    cases.push_back({"in without values", p, "placement.matchExpressions[1].values: required for operator In"});
  }
  {
    Placement p;
    AddExpr(&p, "tier", "NotIn");
    cases.push_back({"notin without values", p, "placement.matchExpressions[0].values: required for operator NotIn"});
  }
  {
    Placement p;
    AddExpr(&p, "gpu", "Exists", {"x"});
    cases.push_back(
        {"exists with values", p, "placement.matchExpressions[0].values: must be empty for operator Exists"});
  }
  {
    Placement p;
    AddExpr(&p, "gpu", "DoesNotExist", {"x"});
    cases.push_back({"doesnotexist with values", p, "must be empty for operator DoesNotExist"});
  }
  {
    Placement p;
    AddExpr(&p, "gpu", "Equals", {"x"});
    cases.push_back(
        {"unknown operator", p,
         "placement.matchExpressions[0].operator: must be In, NotIn, Exists or DoesNotExist, got \"Equals\""});
  }
  {
    Placement p;
    AddExpr(&p, "gpu", "in", {"x"});
    cases.push_back({"operators are case sensitive", p, "got \"in\""});
  }
  {
    Placement p;
    AddExpr(&p, "gpu", "");
    cases.push_back({"missing operator", p, "placement.matchExpressions[0].operator: required"});
  }
  {
    Placement p;
    AddExpr(&p, "", "Exists");
    cases.push_back({"missing key", p, "placement.matchExpressions[0].key: required"});
  }
  {
    Placement p;
    AddExpr(&p, "bad key", "Exists");
    cases.push_back({"bad key", p, "placement.matchExpressions[0].key: invalid key \"bad key\": name part"});
  }
  {
    Placement p;
    AddExpr(&p, "k", "In", {"ok", "not ok"});
    cases.push_back({"bad value", p, "placement.matchExpressions[0].values[1]: invalid value \"not ok\""});
  }
  {
    Placement p;
    (*p.mutable_match_labels())["UPPER.example.com/x"] = "v";
    cases.push_back({"bad label key", p, "placement.matchLabels: invalid key \"UPPER.example.com/x\": prefix part"});
  }
  {
    Placement p;
    (*p.mutable_match_labels())["env"] = "pr od";
    cases.push_back({"bad label value", p, "placement.matchLabels[env]: invalid value \"pr od\""});
  }
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    absl::Status s = ValidatePlacement(c.placement);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(s.message()), HasSubstr(c.message));
  }
}

TEST(ValidatePlacement, ReportsEveryProblem) {
  Placement p;
  (*p.mutable_match_labels())["-x"] = "v";
  AddExpr(&p, "a", "In");
  AddExpr(&p, "b", "Exists", {"v"});
  absl::Status s = ValidatePlacement(p);
  EXPECT_THAT(std::string(s.message()),
              ::testing::AllOf(HasSubstr("placement.matchLabels: invalid key \"-x\""),
                               HasSubstr("; placement.matchExpressions[0].values: required"),
                               HasSubstr("; placement.matchExpressions[1].values: must be empty")));
}

// ---- Matches --------------------------------------------------------------------

TEST(Matches, KubernetesSemanticsIncludingAbsentKeys) {
  struct Case {
    const char* selector;
    Labels labels;
    bool match;
  } cases[] = {
      {"", {}, true},
      {"", {{"env", "prod"}}, true},
      {"env=prod", {{"env", "prod"}}, true},
      {"env=prod", {{"env", "prod"}, {"x", "y"}}, true},
      {"env=prod", {{"env", "dev"}}, false},
      {"env=prod", {}, false},
      {"env=", {{"env", ""}}, true},
      {"env=", {}, false},
      {"env!=prod", {}, true},  // absent key: NotIn matches
      {"env!=prod", {{"env", "dev"}}, true},
      {"env!=prod", {{"env", "prod"}}, false},
      {"tier in (a,b)", {{"tier", "a"}}, true},
      {"tier in (a,b)", {{"tier", "b"}}, true},
      {"tier in (a,b)", {{"tier", "c"}}, false},
      {"tier in (a,b)", {}, false},
      {"tier notin (a,b)", {}, true},
      {"tier notin (a,b)", {{"tier", "c"}}, true},
      {"tier notin (a,b)", {{"tier", "a"}}, false},
      {"gpu", {{"gpu", ""}}, true},
      {"gpu", {{"gpu", "true"}}, true},
      {"gpu", {}, false},
      {"!gpu", {}, true},
      {"!gpu", {{"gpu", ""}}, false},
      {"k in ()", {{"k", ""}}, true},
      {"k in ()", {}, false},
      {"a=1,a=2", {{"a", "1"}}, false},
      {"a=1,a=2", {{"a", "2"}}, false},
      {"srfleet.io/platform=openshift,env in (prod,staging),!srfleet.io/spot",
       {{"srfleet.io/platform", "openshift"}, {"env", "staging"}},
       true},
      {"srfleet.io/platform=openshift,env in (prod,staging),!srfleet.io/spot",
       {{"srfleet.io/platform", "openshift"}, {"env", "staging"}, {"srfleet.io/spot", "true"}},
       false},
      {"srfleet.io/platform=openshift,env in (prod,staging),!srfleet.io/spot",
       {{"srfleet.io/platform", "kubernetes"}, {"env", "prod"}},
       false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.selector);
    EXPECT_EQ(Matches(MustParse(c.selector), c.labels), c.match);
  }
}

TEST(Matches, UnknownOperatorMatchesNothing) {
  Placement p;
  AddExpr(&p, "k", "Gt", {"1"});
  EXPECT_FALSE(Matches(p, {{"k", "5"}}));
  EXPECT_FALSE(Matches(p, {}));
}

// ---- FormatSelector ---------------------------------------------------------------

TEST(FormatSelector, SortsLabelsThenExpressionsByKeyWithSortedValues) {
  Placement p;
  (*p.mutable_match_labels())["b"] = "2";
  (*p.mutable_match_labels())["a"] = "1";
  AddExpr(&p, "zone", "In", {"y", "x"});
  AddExpr(&p, "gpu", "DoesNotExist");
  AddExpr(&p, "arch", "Exists");
  AddExpr(&p, "a", "NotIn", {"q"});
  AddExpr(&p, "region", "NotIn", {"w", "v"});
  EXPECT_EQ(FormatSelector(p), "a=1,b=2,a!=q,arch,!gpu,region notin (v,w),zone in (x,y)");
  EXPECT_EQ(FormatSelector(Placement()), "");
}

TEST(FormatSelector, InvalidOperatorsDoNotFormatAsAValidSelector) {
  Placement p;
  AddExpr(&p, "k", "Gt", {"1"});
  EXPECT_FALSE(ParseSelector(FormatSelector(p)).ok()) << FormatSelector(p);
}

TEST(FormatSelector, RoundTripsToAnEquivalentPlacement) {
  const char* selectors[] = {
      "",
      "env=prod",
      "env=prod,tier in (a,b),!gpu,region,zone notin (x),k!=v,k==v",
      "a=1,a=2",
      "k in (),j=,l!=",
      "k in (a,,b)",
      "srfleet.io/platform in (openshift,kubernetes),srfleet.io/kubernetes-version notin (1.27,1.28)",
      "z,y,x,!w,v=1,u in (3,2,1)",
      "in in (notin),notin",
  };
  const Labels samples[] = {
      {},
      {{"env", "prod"}},
      {{"env", "prod"}, {"tier", "a"}, {"region", "eu"}, {"k", "v"}},
      {{"env", "prod"}, {"tier", "a"}, {"region", "eu"}, {"k", "v"}, {"gpu", "1"}},
      {{"a", "1"}},
      {{"k", ""}, {"j", ""}},
      {{"k", "a"}, {"j", ""}, {"l", "x"}},
      {{"srfleet.io/platform", "openshift"}},
      {{"srfleet.io/platform", "openshift"}, {"srfleet.io/kubernetes-version", "1.29"}},
      {{"z", ""}, {"y", ""}, {"x", ""}, {"v", "1"}, {"u", "2"}},
      {{"in", "notin"}, {"notin", "x"}},
  };
  for (const char* s : selectors) {
    SCOPED_TRACE(s);
    Placement first = MustParse(s);
    std::string text = FormatSelector(first);
    Placement second = MustParse(text);
    EXPECT_EQ(FormatSelector(second), text);  // canonical: a fixed point
    for (const auto& labels : samples) EXPECT_EQ(Matches(first, labels), Matches(second, labels));
  }
}

TEST(FormatSelector, EqualPlacementsFormatEqually) {
  Placement a = MustParse("x in (2,1),y,env=prod");
  Placement b = MustParse("y , env==prod , x in (1,2,1)");
  EXPECT_EQ(FormatSelector(a), FormatSelector(b));
}

// ---- label syntax ------------------------------------------------------------------

TEST(LabelSyntax, KeysAndValues) {
  EXPECT_EQ(LabelKeyProblem("env"), "");
  EXPECT_EQ(LabelKeyProblem("srfleet.io/platform"), "");
  EXPECT_EQ(LabelKeyProblem("a-b.c_d"), "");
  EXPECT_NE(LabelKeyProblem(""), "");
  EXPECT_NE(LabelKeyProblem("a_"), "");
  EXPECT_NE(LabelKeyProblem("srfleet.io/"), "");
  EXPECT_NE(LabelKeyProblem("-x.io/a"), "");
  EXPECT_EQ(LabelValueProblem(""), "");
  EXPECT_EQ(LabelValueProblem("v1.2_3-x"), "");
  EXPECT_NE(LabelValueProblem("a/b"), "");
  EXPECT_NE(LabelValueProblem(".x"), "");
}

}  // namespace
}  // namespace srfleet::hub
