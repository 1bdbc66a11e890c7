// The CLI's building blocks, without a hub: HumanDuration, tables, the
// router PHASE/READY rules, hub address resolution, exit codes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <sstream>

#include "hub/cli/exit_codes.h"
#include "hub/cli/human_time.h"
#include "hub/cli/hub_connection.h"
#include "hub/cli/hub_errors.h"
#include "hub/cli/router_status.h"
#include "hub/cli/table.h"
#include "hub/cli/watch_command.h"
#include "tests/support/test_files.h"

namespace srfleet::cli {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

// ---- HumanDuration ------------------------------------------------------------

TEST(HumanDuration, FollowsApimachineryRules) {
  struct Case {
    absl::Duration d;
    const char* want;
  } cases[] = {
      {absl::Seconds(-2), "<invalid>"},
      {absl::Milliseconds(-1500), "0s"},  // up to 1s of clock skew
      {absl::Seconds(-1), "0s"},
      {absl::ZeroDuration(), "0s"},
      {absl::Milliseconds(999), "0s"},
      {absl::Seconds(1), "1s"},
      {absl::Seconds(45), "45s"},
      {absl::Seconds(119), "119s"},
      {absl::Seconds(120), "2m"},
      {absl::Seconds(121), "2m1s"},
      {absl::Minutes(5) + absl::Seconds(12), "5m12s"},
      {absl::Minutes(9) + absl::Seconds(59), "9m59s"},
      {absl::Minutes(10), "10m"},
      {absl::Minutes(10) + absl::Seconds(30), "10m"},
      {absl::Minutes(179), "179m"},
      {absl::Hours(3), "3h"},
      {absl::Hours(3) + absl::Minutes(5), "3h5m"},
      {absl::Hours(7) + absl::Minutes(59), "7h59m"},
      {absl::Hours(8), "8h"},
      {absl::Hours(8) + absl::Minutes(30), "8h"},
      {absl::Hours(47), "47h"},
      {absl::Hours(48), "2d"},
      {absl::Hours(52), "2d4h"},
      {absl::Hours(24 * 7 + 23), "7d23h"},
      {absl::Hours(24 * 8), "8d"},
      {absl::Hours(24 * 8 + 5), "8d"},
      {absl::Hours(24 * 729), "729d"},
      {absl::Hours(24 * 730), "2y"},
      {absl::Hours(24 * 770), "2y40d"},
      {absl::Hours(24 * 365 * 8), "8y"},
      {absl::Hours(24 * 365 * 9 + 100), "9y"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(absl::FormatDuration(c.d));
    EXPECT_EQ(HumanDuration(c.d), c.want);
  }
}

TEST(HumanTime, AgesAndTimestamps) {
  absl::Time now = absl::FromUnixSeconds(1714557600);  // 2024-05-01T10:00:00Z
  EXPECT_EQ(Age(now, 0), "<unknown>");
  EXPECT_EQ(Age(now, absl::ToUnixMillis(now - absl::Seconds(45))), "45s");
  EXPECT_EQ(Timestamp(absl::ToUnixMillis(now)), "2024-05-01T10:00:00Z");
  EXPECT_EQ(Timestamp(0), "<unknown>");
  EXPECT_EQ(TimestampWithAge(now, absl::ToUnixMillis(now - absl::Hours(3))), "2024-05-01T07:00:00Z (3h ago)");
}

// ---- Table / FieldList --------------------------------------------------------------

TEST(Table, AlignsColumnsWithThreeSpacesAndNoTrailingBlanks) {
  Table t({"NAME", "STATE", "AGE"});
  t.AddRow({"a", "Connected", "5m"});
  t.AddRow({"longer-name", "", "→x"});
  std::ostringstream out;
  t.Print(out, "  ");
  EXPECT_EQ(out.str(),
            "  NAME          STATE       AGE\n"
            "  a             Connected   5m\n"
            "  longer-name               →x\n");
}

TEST(FieldList, AlignsValuesAndContinuesMultiLineValues) {
  FieldList f;
  f.Add("Name", "foo");
  f.Add("Labels", "a=1\nb=2");
  f.Add("Empty", "");
  std::ostringstream out;
  f.Print(out);
  EXPECT_EQ(out.str(),
            "Name:     foo\n"
            "Labels:   a=1\n"
            "          b=2\n"
            "Empty:\n");
}

// ---- Router summary -----------------------------------------------------------------

v1::Delivery* AddDelivery(v1::IntentView* view, const std::string& cluster, const std::string& phase,
                          int64_t status_revision, const std::string& nack = "") {
  auto* d = view->add_deliveries();
  d->set_cluster(cluster);
  d->set_pushed_revision(view->revision());
  if (!phase.empty()) {
    d->mutable_status()->set_phase(phase);
    d->mutable_status()->set_intent_revision(status_revision);
  }
  if (!nack.empty()) {
    d->set_nack_error(nack);
    d->set_nack_revision(view->revision());
  }
  return d;
}

v1::IntentView Intent(std::vector<std::string> targets) {
  v1::IntentView view;
  view.set_revision(7);
  view.set_hub_managed(true);
  for (auto& t : targets) view.add_target_clusters(t);
  return view;
}

TEST(RouterSummary, PhaseAndReadyRules) {
  {
    SCOPED_TRACE("no target: Unscheduled");
    RouterSummary s = Summarize(Intent({}));
    EXPECT_EQ(s.phase, "Unscheduled");
    EXPECT_EQ(s.clusters, 0);
  }
  {
    SCOPED_TRACE("all running at the revision");
    auto v = Intent({"a", "b"});
    AddDelivery(&v, "a", "Running", 7);
    AddDelivery(&v, "b", "Running", 7);
    RouterSummary s = Summarize(v);
    EXPECT_EQ(s.phase, "Running");
    EXPECT_EQ(s.ready, 2);
    EXPECT_EQ(s.clusters, 2);
  }
  {
    SCOPED_TRACE("running an older revision is not ready: Progressing");
    auto v = Intent({"a", "b"});
    AddDelivery(&v, "a", "Running", 7);
    AddDelivery(&v, "b", "Running", 6);
    RouterSummary s = Summarize(v);
    EXPECT_EQ(s.phase, "Progressing");
    EXPECT_EQ(s.ready, 1);
  }
  {
    SCOPED_TRACE("not delivered yet: Progressing");
    auto v = Intent({"a", "b"});
    AddDelivery(&v, "a", "Running", 7);
    EXPECT_EQ(Summarize(v).phase, "Progressing");
  }
  {
    SCOPED_TRACE("Pending beats Progressing");
    auto v = Intent({"a", "b", "c"});
    AddDelivery(&v, "a", "Pending", 7);
    AddDelivery(&v, "b", "", 0);
    AddDelivery(&v, "c", "Running", 7);
    EXPECT_EQ(Summarize(v).phase, "Pending");
  }
  {
    SCOPED_TRACE("Degraded beats Pending");
    auto v = Intent({"a", "b"});
    AddDelivery(&v, "a", "Pending", 7);
    AddDelivery(&v, "b", "Degraded", 7);
    EXPECT_EQ(Summarize(v).phase, "Degraded");
  }
  {
    SCOPED_TRACE("NACKed beats Degraded");
    auto v = Intent({"a", "b"});
    AddDelivery(&v, "a", "Degraded", 7);
    AddDelivery(&v, "b", "Running", 6, "spec.x: unknown field");
    RouterSummary s = Summarize(v);
    EXPECT_EQ(s.phase, "NACKed");
    EXPECT_EQ(s.ready, 0);
  }
  {
    SCOPED_TRACE("Failed beats NACKed");
    auto v = Intent({"a", "b"});
    AddDelivery(&v, "a", "Failed", 7);
    AddDelivery(&v, "b", "", 0, "refused");
    EXPECT_EQ(Summarize(v).phase, "Failed");
  }
  {
    SCOPED_TRACE("a NACK on a cluster being cleaned up still shows");
    auto v = Intent({"a"});
    AddDelivery(&v, "a", "Running", 7);
    AddDelivery(&v, "old", "", 0, "cannot delete");
    RouterSummary s = Summarize(v);
    EXPECT_EQ(s.phase, "NACKed");
    EXPECT_EQ(s.ready, 1);
    EXPECT_EQ(s.clusters, 1);
  }
  {
    SCOPED_TRACE("unmanaged: what the clusters report");
    v1::IntentView v;
    AddDelivery(&v, "a", "Running", 0);
    AddDelivery(&v, "b", "Degraded", 0);
    RouterSummary s = Summarize(v);
    EXPECT_EQ(s.phase, "Degraded");
    EXPECT_EQ(s.clusters, 2);
    EXPECT_EQ(s.ready, 1);
  }
}

TEST(RouterSummary, IntentIds) {
  EXPECT_EQ(IntentIdFor("foo", ""), "default/foo");
  EXPECT_EQ(IntentIdFor("foo", "llm"), "llm/foo");
  EXPECT_EQ(IntentIdFor("llm/foo", "other"), "llm/foo");
  EXPECT_EQ(IntentIdFor("semanticrouter.vllm.ai/llm/foo", ""), "llm/foo");
  EXPECT_EQ(RouterRef("llm", "foo"), "semanticrouter.vllm.ai/llm/foo");
}

// ---- exit codes ---------------------------------------------------------------------------

TEST(ExitCodes, ForEachStatusCode) {
  EXPECT_EQ(ExitCodeForStatus(absl::StatusCode::kOk), 0);
  EXPECT_EQ(ExitCodeForStatus(absl::StatusCode::kInvalidArgument), 1);
  EXPECT_EQ(ExitCodeForStatus(absl::StatusCode::kFailedPrecondition), 1);
  EXPECT_EQ(ExitCodeForStatus(absl::StatusCode::kAlreadyExists), 1);
  EXPECT_EQ(ExitCodeForStatus(absl::StatusCode::kInternal), 1);
  EXPECT_EQ(ExitCodeForStatus(absl::StatusCode::kNotFound), 4);
  EXPECT_EQ(ExitCodeForStatus(absl::StatusCode::kUnavailable), 5);
  EXPECT_EQ(ExitCodeForStatus(absl::StatusCode::kDeadlineExceeded), 5);
  EXPECT_EQ(ExitCodeForStatus(absl::StatusCode::kUnauthenticated), 6);
  EXPECT_EQ(ExitCodeForStatus(absl::StatusCode::kPermissionDenied), 6);
}

// ---- hub address resolution -----------------------------------------------------------------

class HubSettingsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("srfleet-cli-settings-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "home" / ".config" / "srfleet");
    env_["HOME"] = (dir_ / "home").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  EnvLookup Env() {
    return [this](const std::string& name) -> std::optional<std::string> {
      auto it = env_.find(name);
      if (it == env_.end()) return std::nullopt;
      return it->second;
    };
  }
  fs::path DefaultConfig() { return dir_ / "home" / ".config" / "srfleet" / "config.yaml"; }
  void WriteDefaultConfig(const std::string& text) { testing_support::WriteFile(DefaultConfig(), text); }

  fs::path dir_;
  std::map<std::string, std::string> env_;
};

TEST_F(HubSettingsTest, DefaultsWithNothingSet) {
  auto s = ResolveHubSettings({}, Env());
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->address, "localhost:7443");
  EXPECT_EQ(s->address_source, "default");
  EXPECT_FALSE(s->tls.insecure);  // TLS with the system roots
  EXPECT_EQ(s->tls.ca_file, "");
  EXPECT_EQ(s->timeout, absl::Seconds(10));
  EXPECT_EQ(s->config_path, "");  // none exists
  EXPECT_EQ(s->config_hint, "~/.config/srfleet/config.yaml");
}

TEST_F(HubSettingsTest, FlagBeatsEnvBeatsConfigFileBeatsDefault) {
  WriteDefaultConfig("hub: from-config:1\n");
  {
    auto s = ResolveHubSettings({}, Env());
    ASSERT_TRUE(s.ok()) << s.status();
    EXPECT_EQ(s->address, "from-config:1");
    EXPECT_EQ(s->address_source, DefaultConfig().string());
    EXPECT_EQ(s->config_path, DefaultConfig().string());
  }
  env_["SRFLEET_HUB"] = "from-env:2";
  {
    auto s = ResolveHubSettings({}, Env());
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(s->address, "from-env:2");
    EXPECT_EQ(s->address_source, "SRFLEET_HUB");
  }
  HubFlags flags;
  flags.hub = "from-flag:3";
  {
    auto s = ResolveHubSettings(flags, Env());
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(s->address, "from-flag:3");
    EXPECT_EQ(s->address_source, "--hub");
  }
  env_["SRFLEET_HUB"] = "";  // set but empty: ignored
  {
    auto s = ResolveHubSettings({}, Env());
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(s->address, "from-config:1");
  }
}

TEST_F(HubSettingsTest, TlsSettingsResolvePerField) {
  WriteDefaultConfig(R"(hub: hub.example.com
tls:
  ca: certs/ca.pem
  cert: /abs/me.pem
  key: ~/keys/me-key.pem
  serverName: hub.internal
)");
  env_["SRFLEET_TLS_CERT"] = "/env/cert.pem";
  HubFlags flags;
  flags.tls_key = "/flag/key.pem";
  auto s = ResolveHubSettings(flags, Env());
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->address, "hub.example.com:7443");
  EXPECT_EQ(s->tls.ca_file, (DefaultConfig().parent_path() / "certs/ca.pem").string());  // beside the file
  EXPECT_EQ(s->tls.cert_file, "/env/cert.pem");
  EXPECT_EQ(s->tls.key_file, "/flag/key.pem");
  EXPECT_EQ(s->tls.server_name, "hub.internal");
  flags.tls_key.clear();
  auto t = ResolveHubSettings(flags, Env());
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->tls.key_file, (dir_ / "home" / "keys/me-key.pem").string());
}

TEST_F(HubSettingsTest, Insecure) {
  EXPECT_FALSE(ResolveHubSettings({}, Env())->tls.insecure);
  WriteDefaultConfig("tls: {insecure: true}\n");
  EXPECT_TRUE(ResolveHubSettings({}, Env())->tls.insecure);
  env_["SRFLEET_INSECURE"] = "0";  // the environment overrides the file
  EXPECT_FALSE(ResolveHubSettings({}, Env())->tls.insecure);
  HubFlags flags;
  flags.insecure = true;
  EXPECT_TRUE(ResolveHubSettings(flags, Env())->tls.insecure);
  WriteDefaultConfig("");
  env_["SRFLEET_INSECURE"] = "1";
  EXPECT_TRUE(ResolveHubSettings({}, Env())->tls.insecure);
  env_["SRFLEET_INSECURE"] = "maybe";
  auto bad = ResolveHubSettings({}, Env());
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("SRFLEET_INSECURE=maybe"));
  EXPECT_EQ(ExitCodeForSettingsError(bad.status()), kUsage);
}

TEST_F(HubSettingsTest, ExplicitConfigFileMustExistTheDefaultNeedNot) {
  fs::path other = dir_ / "other.yaml";
  testing_support::WriteFile(other, "hub: other:9\n");
  env_["SRFLEET_CONFIG"] = other.string();
  WriteDefaultConfig("hub: default-file:1\n");
  auto s = ResolveHubSettings({}, Env());
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->address, "other:9");  // $SRFLEET_CONFIG replaces the default file
  EXPECT_EQ(s->config_hint, other.string());

  env_["SRFLEET_CONFIG"] = (dir_ / "missing.yaml").string();
  auto missing = ResolveHubSettings({}, Env());
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("missing.yaml (from SRFLEET_CONFIG)"));
  EXPECT_EQ(ExitCodeForSettingsError(missing.status()), kIoError);
}

TEST_F(HubSettingsTest, XdgConfigHome) {
  env_["XDG_CONFIG_HOME"] = (dir_ / "xdg").string();
  testing_support::WriteFile(dir_ / "xdg" / "srfleet" / "config.yaml", "hub: xdg:1\n");
  auto s = ResolveHubSettings({}, Env());
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->address, "xdg:1");
}

TEST_F(HubSettingsTest, BadConfigFilesNameTheFileAndTheField) {
  struct Case {
    const char* text;
    const char* message;
  } cases[] = {
      {"hub: [a]\n", "hub: must be a string"},
      {"hbu: x\n", "hbu: unknown field (known: hub, tls)"},
      {"tls: {sever_name: x}\n", "tls.sever_name: unknown field"},
      {"tls: {insecure: yes please}\n", "tls.insecure: must be true or false"},
      {"tls: ca.pem\n", "tls: must be a mapping"},
      {"- a\n- b\n", "must be a mapping"},
      {"hub: x\nhub: y\n", "config.yaml"},  // duplicate keys: the codec's error
      {"hub: [unterminated\n", "config.yaml"},
      {"hub: a\n---\nhub: b\n", "must hold one YAML document"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    WriteDefaultConfig(c.text);
    auto s = ResolveHubSettings({}, Env());
    ASSERT_FALSE(s.ok());
    EXPECT_THAT(std::string(s.status().message()), HasSubstr(DefaultConfig().string()));
    EXPECT_THAT(std::string(s.status().message()), HasSubstr(c.message));
    EXPECT_EQ(ExitCodeForSettingsError(s.status()), kInvalidInput);
  }
  WriteDefaultConfig("# only a comment\n");
  EXPECT_TRUE(ResolveHubSettings({}, Env()).ok());
}

TEST_F(HubSettingsTest, Timeout) {
  HubFlags flags;
  flags.timeout = "2m";
  EXPECT_EQ(ResolveHubSettings(flags, Env())->timeout, absl::Minutes(2));
  flags.timeout = "soon";
  auto bad = ResolveHubSettings(flags, Env());
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("--timeout: invalid duration \"soon\""));
  EXPECT_EQ(ExitCodeForSettingsError(bad.status()), kUsage);
}

TEST(ParseTimeout, Forms) {
  EXPECT_EQ(*ParseTimeout("10s"), absl::Seconds(10));
  EXPECT_EQ(*ParseTimeout("1m30s"), absl::Seconds(90));
  EXPECT_EQ(*ParseTimeout("500ms"), absl::Milliseconds(500));
  EXPECT_EQ(*ParseTimeout("30"), absl::Seconds(30));
  EXPECT_FALSE(ParseTimeout("").ok());
  EXPECT_FALSE(ParseTimeout("0").ok());
  EXPECT_FALSE(ParseTimeout("-1s").ok());
  EXPECT_FALSE(ParseTimeout("inf").ok());
  EXPECT_FALSE(ParseTimeout("ten").ok());
}

TEST(NormalizeHubAddress, AddsTheDefaultPortAndDropsSchemes) {
  EXPECT_EQ(NormalizeHubAddress("hub"), "hub:7443");
  EXPECT_EQ(NormalizeHubAddress("hub:9000"), "hub:9000");
  EXPECT_EQ(NormalizeHubAddress("https://hub.example.com/"), "hub.example.com:7443");
  EXPECT_EQ(NormalizeHubAddress("grpc://hub:1"), "hub:1");
  EXPECT_EQ(NormalizeHubAddress("10.0.0.1"), "10.0.0.1:7443");
  EXPECT_EQ(NormalizeHubAddress("[::1]"), "[::1]:7443");
  EXPECT_EQ(NormalizeHubAddress("[::1]:9"), "[::1]:9");
  EXPECT_EQ(NormalizeHubAddress("::1"), "[::1]:7443");
  EXPECT_EQ(NormalizeHubAddress("dns:///hub:1"), "dns:///hub:1");
  EXPECT_EQ(NormalizeHubAddress("unix:/run/hub.sock"), "unix:/run/hub.sock");
  EXPECT_EQ(NormalizeHubAddress(" hub "), "hub:7443");
}

TEST_F(HubSettingsTest, ConnectChecksTlsFilesBeforeDialling) {
  HubSettings settings;
  settings.address = "localhost:1";
  settings.tls.ca_file = (dir_ / "nope.pem").string();
  auto missing = ConnectToHub(settings);
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("nope.pem (--tls-ca)"));
  EXPECT_EQ(ExitCodeForSettingsError(missing.status()), kIoError);

  testing_support::WriteFile(dir_ / "cert.pem", "-----BEGIN CERTIFICATE-----\n");
  settings.tls.ca_file.clear();
  settings.tls.cert_file = (dir_ / "cert.pem").string();  // no key
  auto half = ConnectToHub(settings);
  ASSERT_FALSE(half.ok());
  EXPECT_EQ(ExitCodeForSettingsError(half.status()), kUsage);

  settings.tls.insecure = true;  // plaintext ignores the TLS files
  auto plain = ConnectToHub(settings);
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_TRUE((*plain)->endpoint().insecure);
  EXPECT_EQ((*plain)->endpoint().address, "localhost:1");
}

// ---- watch lines -----------------------------------------------------------------------------

TEST(WatchLines, FixedWidthColumnsAndDashesForBlanks) {
  v1::FleetEvent e;
  e.set_unix_ms(1714557600000);
  e.set_type("Warning");
  e.set_reason("Nacked");
  e.set_intent_id("llm/foo");
  e.set_cluster("eu-1");
  e.set_revision(5);
  e.set_message("spec.x: unknown field");
  EXPECT_EQ(FormatEventLine(e),
            "2024-05-01T10:00:00Z   Warning   Nacked             llm/foo                    5          eu-1      "
            "         spec.x: unknown field");
  v1::FleetEvent blank;
  blank.set_unix_ms(1714557600000);
  blank.set_type("Normal");
  blank.set_reason("ClusterConnected");
  EXPECT_THAT(FormatEventLine(blank),
              ::testing::MatchesRegex("2024-05-01T10:00:00Z   Normal    ClusterConnected   - {26}- {10}-"));
  EXPECT_THAT(EventHeaderLine(), ::testing::StartsWith("TIME                   TYPE      REASON"));
}

}  // namespace
}  // namespace srfleet::cli
