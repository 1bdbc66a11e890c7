// HubLink end to end: a fake hub (real gRPC server, tests/agent/hublink/
// fake_hub.h) and a kubesim cluster. Waits poll until a condition or a
// generous deadline; "nothing was sent" is asserted against a later event
// that must come after it (flushes are ordered), never after a sleep.
#include "agent/hublink/hub_link.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "shared/grpc/tls_credentials.h"
#include "shared/tls/pki.h"
#include "tests/agent/e2e/agent_e2e_support.h"
#include "tests/agent/hublink/fake_hub.h"
#include "tests/agent/hublink/hublink_test_support.h"

namespace srfleet::agent::hublink {
namespace {

using e2e::AgentHarness;
using e2e::RoutersRef;
using e2e::WaitFor;
using testing::DeleteOf;
using testing::FakeHub;
using testing::FakeHubOptions;
using testing::FastLinkOptions;
using testing::HubManagedRouter;
using testing::RouterManifest;
using testing::TestClaims;
using testing::UpsertOf;
namespace v1 = ::srfleet::fleet::v1;

class HubLinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(h_.ok());
    h_.CreateNamespace("llm");
    hub_ = FakeHub::Start();
    ASSERT_NE(hub_, nullptr);
  }
  void TearDown() override {
    if (link_) link_->Stop();
    link_.reset();
    hub_.reset();
  }

  HubLink& StartLink(HubLinkOptions options) {
    if (!options.claims) options.claims = [this] { return claims_.Get(); };
    link_ = std::make_unique<HubLink>(h_.agent_client(), std::move(options));
    absl::Status started = link_->Start();
    EXPECT_TRUE(started.ok()) << started;
    return *link_;
  }
  HubLink& StartLink() { return StartLink(FastLinkOptions(hub_->address())); }

  // Connected, and the hub has the stream (so pushes reach it).
  bool WaitConnected(FakeHub& hub) {
    return WaitFor([&] { return link_->Connected() && hub.open_streams() > 0; }, absl::Seconds(20));
  }

  // Pushes `message` and returns the agent's answer to `nonce`.
  v1::AgentMessage PushAndWait(const v1::HubMessage& message, const std::string& nonce) {
    EXPECT_TRUE(hub_->Push(message));
    std::optional<v1::AgentMessage> reply;
    EXPECT_TRUE(WaitFor([&] { return (reply = hub_->ReplyTo(nonce)).has_value(); }, absl::Seconds(20)))
        << "no answer to " << nonce;
    return reply.value_or(v1::AgentMessage());
  }

  // The latest word on router `key` ("<ns>/<name>") in the reports so far:
  // its status, or nullopt when it was last removed or never mentioned.
  std::optional<v1::RouterStatus> LastReported(FakeHub& hub, const std::string& key) {
    std::optional<v1::RouterStatus> last;
    for (const v1::StatusReport& r : hub.reports()) {
      if (r.full()) last.reset();
      for (const auto& s : r.routers()) {
        if (absl::StrCat(s.namespace_(), "/", s.name()) == key) last = s;
      }
      for (const auto& k : r.removed()) {
        if (k == key) last.reset();
      }
    }
    return last;
  }
  int TimesReported(FakeHub& hub, const std::string& key) {
    int n = 0;
    for (const v1::StatusReport& r : hub.reports()) {
      for (const auto& s : r.routers()) n += absl::StrCat(s.namespace_(), "/", s.name()) == key;
    }
    return n;
  }

  void PatchStatus(const std::string& name, Json status) {
    absl::StatusOr<Json> patched =
        h_.client().MergePatchStatus(RoutersRef().WithNamespace("llm").WithName(name), {{"status", std::move(status)}});
    ASSERT_TRUE(patched.ok()) << patched.status();
  }

  int64_t HubLinkWrites() {
    int64_t n = 0;
    for (const auto& [key, count] : h_.Writes()) n += count;
    return n;
  }

  AgentHarness h_;
  std::unique_ptr<FakeHub> hub_;
  std::unique_ptr<HubLink> link_;
  TestClaims claims_;
};

TEST_F(HubLinkTest, HelloListsHubManagedRoutersFromTheirAnnotations) {
  h_.CreateRouter(HubManagedRouter("llm", "from-hub", 7, "abc"));
  h_.CreateRouter(RouterManifest("llm", "local"));
  StartLink();
  ASSERT_TRUE(WaitConnected(*hub_));
  std::vector<v1::Hello> hellos = hub_->hellos();
  ASSERT_EQ(hellos.size(), 1u);
  const v1::Hello& hello = hellos[0];
  EXPECT_EQ(hello.cluster(), "c1");
  EXPECT_EQ(hello.labels().at("env"), "test");
  EXPECT_EQ(hello.claims().at("srfleet.io/platform"), "kubernetes");
  EXPECT_EQ(hello.agent_version(), "test-1");
  EXPECT_EQ(hello.protocol_version(), 1u);
  ASSERT_EQ(hello.known_size(), 1);
  EXPECT_EQ(hello.known(0).intent_id(), "llm/from-hub");
  EXPECT_EQ(hello.known(0).revision(), 7);
  EXPECT_EQ(hello.known(0).checksum(), "abc");
  // Hello is the first message of the stream.
  EXPECT_TRUE(hub_->received().front().has_hello());
  EXPECT_EQ(link_->stats().connects, 1);
}

TEST_F(HubLinkTest, UpsertCreatesTheRouterAndTheSameUpsertAgainWritesNothing) {
  StartLink();
  ASSERT_TRUE(WaitConnected(*hub_));
  const Json manifest = RouterManifest("llm", "r1");
  v1::AgentMessage reply = PushAndWait(UpsertOf("n1", manifest, 4), "n1");
  ASSERT_TRUE(reply.has_ack()) << reply.DebugString();
  EXPECT_EQ(reply.ack().intent_id(), "llm/r1");
  EXPECT_EQ(reply.ack().revision(), 4);

  std::optional<Json> cr = h_.Router("llm", "r1");
  ASSERT_TRUE(cr.has_value());
  EXPECT_EQ(StringField(*cr, {"metadata", "labels", kManagedByLabel}), kManagedByValue);
  const Json& annotations = (*cr)["metadata"]["annotations"];
  EXPECT_EQ(annotations[kIntentIdAnnotation], "llm/r1");
  EXPECT_EQ(annotations[kRevisionAnnotation], "4");
  EXPECT_EQ(annotations[kChecksumAnnotation], testing::FakeChecksum(manifest.dump()));
  EXPECT_EQ((*cr)["spec"]["vllmEndpoints"][0]["model"], "qwen2.5-7b");

  // Again, as after a reconnect the hub could: an Ack and no write at all.
  h_.cluster().ResetCounters();
  reply = PushAndWait(UpsertOf("n2", manifest, 4), "n2");
  EXPECT_TRUE(reply.has_ack()) << reply.DebugString();
  EXPECT_EQ(HubLinkWrites(), 0) << e2e::Describe(h_.Writes());

  // A new revision with a changed spec: one apply.
  reply = PushAndWait(UpsertOf("n3", RouterManifest("llm", "r1", "llama-3-8b"), 5), "n3");
  EXPECT_TRUE(reply.has_ack()) << reply.DebugString();
  EXPECT_EQ(h_.Writes()["apply semanticrouters"], 1) << e2e::Describe(h_.Writes());
  cr = h_.Router("llm", "r1");
  ASSERT_TRUE(cr.has_value());
  EXPECT_EQ((*cr)["metadata"]["annotations"][kRevisionAnnotation], "5");
  EXPECT_EQ((*cr)["spec"]["vllmEndpoints"][0]["model"], "llama-3-8b");

  for (const char* nonce : {"n1", "n2", "n3"}) EXPECT_EQ(hub_->RepliesTo(nonce), 1) << nonce;
  HubLinkStats stats = link_->stats();
  EXPECT_EQ(stats.acks, 3);
  EXPECT_EQ(stats.nacks, 0);
  EXPECT_EQ(stats.upserts_applied, 2);
}

TEST_F(HubLinkTest, NacksAMissingNamespace) {
  StartLink();
  ASSERT_TRUE(WaitConnected(*hub_));
  v1::AgentMessage reply = PushAndWait(UpsertOf("n1", RouterManifest("team-x", "r"), 2), "n1");
  ASSERT_TRUE(reply.has_nack()) << reply.DebugString();
  EXPECT_EQ(reply.nack().error(), "namespace \"team-x\" not found on cluster c1");
  EXPECT_EQ(reply.nack().intent_id(), "team-x/r");
  EXPECT_EQ(reply.nack().revision(), 2);
  EXPECT_EQ(link_->stats().nacks, 1);
}

TEST_F(HubLinkTest, NacksALocalRouterOfTheSameNameAndLeavesItAlone) {
  const Json local = h_.CreateRouter(RouterManifest("llm", "taken", "local-model"));
  StartLink();
  ASSERT_TRUE(WaitConnected(*hub_));
  h_.cluster().ResetCounters();
  v1::AgentMessage reply = PushAndWait(UpsertOf("n1", RouterManifest("llm", "taken"), 3), "n1");
  ASSERT_TRUE(reply.has_nack()) << reply.DebugString();
  EXPECT_EQ(reply.nack().error(),
            "semanticrouter llm/taken exists on cluster c1 and is not managed by srfleet-hub; delete or rename it");
  EXPECT_EQ(HubLinkWrites(), 0);
  std::optional<Json> cr = h_.Router("llm", "taken");
  ASSERT_TRUE(cr.has_value());
  EXPECT_EQ(ResourceVersionOf(*cr), ResourceVersionOf(local));
  EXPECT_FALSE(IsHubManaged(*cr));
}

TEST_F(HubLinkTest, NacksWhatTheApiRefuses) {
  StartLink();
  ASSERT_TRUE(WaitConnected(*hub_));
  Json invalid = RouterManifest("llm", "bad");
  invalid["spec"]["vllmEndpoints"] = "not-a-list";
  v1::AgentMessage reply = PushAndWait(UpsertOf("n1", invalid, 1), "n1");
  ASSERT_TRUE(reply.has_nack()) << reply.DebugString();
  EXPECT_NE(reply.nack().error().find("on cluster c1"), std::string::npos) << reply.nack().error();
  EXPECT_NE(reply.nack().error().find("vllmEndpoints"), std::string::npos) << reply.nack().error();

  v1::HubMessage garbage = UpsertOf("n2", RouterManifest("llm", "bad"), 2);
  garbage.mutable_upsert()->set_manifest_json("{oops");
  reply = PushAndWait(garbage, "n2");
  ASSERT_TRUE(reply.has_nack());
  EXPECT_EQ(reply.nack().error(), "manifest_json is not valid JSON");
  EXPECT_FALSE(h_.Router("llm", "bad").has_value());
}

TEST_F(HubLinkTest, DeleteRemovesOnlyHubManagedRouters) {
  h_.CreateRouter(RouterManifest("llm", "local"));
  StartLink();
  ASSERT_TRUE(WaitConnected(*hub_));
  ASSERT_TRUE(PushAndWait(UpsertOf("u1", RouterManifest("llm", "mine"), 1), "u1").has_ack());

  // Same name as a local router: acknowledged (nothing of the hub's there), untouched.
  v1::AgentMessage reply = PushAndWait(DeleteOf("d1", "llm/local"), "d1");
  EXPECT_TRUE(reply.has_ack()) << reply.DebugString();
  EXPECT_TRUE(h_.Router("llm", "local").has_value());

  reply = PushAndWait(DeleteOf("d2", "llm/mine"), "d2");
  ASSERT_TRUE(reply.has_ack()) << reply.DebugString();
  EXPECT_EQ(reply.ack().intent_id(), "llm/mine");
  EXPECT_EQ(reply.ack().revision(), 0);
  EXPECT_TRUE(WaitFor([&] { return !h_.Router("llm", "mine").has_value(); }));

  // Already gone: done.
  EXPECT_TRUE(PushAndWait(DeleteOf("d3", "llm/mine"), "d3").has_ack());
  EXPECT_TRUE(PushAndWait(DeleteOf("d4", "llm/never-was"), "d4").has_ack());
  EXPECT_TRUE(PushAndWait(DeleteOf("d5", "no-slash"), "d5").has_nack());
  EXPECT_EQ(link_->stats().deletes_applied, 1);
}

TEST_F(HubLinkTest, StatusChangesReachTheHubOnceEach) {
  h_.CreateRouter(RouterManifest("llm", "a"));
  h_.CreateRouter(RouterManifest("llm", "b"));
  // Production flush and per-router intervals: the 2 s bound below is the
  // promise the hub's users get.
  HubLinkOptions options = FastLinkOptions(hub_->address());
  options.status_flush_interval = absl::Milliseconds(100);
  options.status_min_interval_per_router = absl::Seconds(1);
  StartLink(options);
  ASSERT_TRUE(WaitConnected(*hub_));
  ASSERT_TRUE(WaitFor([&] { return !hub_->reports().empty(); }));
  const v1::StatusReport first = hub_->reports().front();
  EXPECT_TRUE(first.full());
  EXPECT_EQ(first.routers_size(), 2);

  PatchStatus("a", {{"phase", "Running"},
                    {"replicas", 1},
                    {"readyReplicas", 1},
                    {"observedGeneration", 1},
                    {"conditions", Json::array({{{"type", "Available"},
                                                 {"status", "True"},
                                                 {"reason", "MinimumReplicasAvailable"},
                                                 {"message", "1/1 ready"},
                                                 {"lastTransitionTime", "2024-05-01T10:00:00Z"}}})},
                    {"backends", Json::array({{{"name", "qwen"},
                                               {"model", "qwen2.5-7b"},
                                               {"endpoint", "vllm-qwen.llm.svc.cluster.local:8000"},
                                               {"protocol", "http"},
                                               {"resolved", true}}})}});
  const absl::Time patched = absl::Now();
  ASSERT_TRUE(WaitFor(
      [&] {
        std::optional<v1::RouterStatus> s = LastReported(*hub_, "llm/a");
        return s && s->phase() == "Running";
      },
      absl::Seconds(20)));
  EXPECT_LE(absl::Now() - patched, absl::Seconds(2));
  v1::RouterStatus a = *LastReported(*hub_, "llm/a");
  EXPECT_EQ(a.ready_replicas(), 1);
  EXPECT_EQ(a.observed_generation(), 1);
  ASSERT_EQ(a.conditions_size(), 1);
  EXPECT_EQ(a.conditions(0).last_transition_unix(), 1714557600);
  ASSERT_EQ(a.backends_size(), 1);
  EXPECT_EQ(a.backends(0), "qwen=vllm-qwen.llm.svc.cluster.local:8000 (resolved)");
  EXPECT_FALSE(hub_->reports().back().full());
  const int a_reports = TimesReported(*hub_, "llm/a");
  EXPECT_EQ(a_reports, 2);  // the full report, then the change

  // A change to `a` that leaves its status alone, then a status change to
  // `b`: once b's arrives, a's has been looked at too, and was not sent.
  absl::StatusOr<Json> labelled = h_.client().MergePatch(RoutersRef().WithNamespace("llm").WithName("a"),
                                                         {{"metadata", {{"labels", {{"touched", "yes"}}}}}});
  ASSERT_TRUE(labelled.ok()) << labelled.status();
  PatchStatus("b", {{"phase", "Pending"}});
  ASSERT_TRUE(WaitFor([&] {
    std::optional<v1::RouterStatus> s = LastReported(*hub_, "llm/b");
    return s && s->phase() == "Pending";
  }));
  EXPECT_EQ(TimesReported(*hub_, "llm/a"), a_reports);

  // Deleted: `removed`.
  ASSERT_TRUE(h_.client().Delete(RoutersRef().WithNamespace("llm").WithName("b")).ok());
  ASSERT_TRUE(WaitFor([&] {
    for (const auto& r : hub_->reports()) {
      for (const auto& k : r.removed()) {
        if (k == "llm/b") return true;
      }
    }
    return false;
  }));
  EXPECT_GE(link_->stats().status_reports_sent, 4);
}

TEST_F(HubLinkTest, ReconnectSendsAFullReportAndWritesNothing) {
  h_.CreateRouter(RouterManifest("llm", "local"));
  StartLink();
  ASSERT_TRUE(WaitConnected(*hub_));
  ASSERT_TRUE(PushAndWait(UpsertOf("u1", RouterManifest("llm", "mine"), 9), "u1").has_ack());
  ASSERT_TRUE(WaitFor([&] { return LastReported(*hub_, "llm/mine").has_value(); }));

  h_.cluster().ResetCounters();
  hub_->Clear();
  hub_->DropStreams();
  ASSERT_TRUE(WaitFor([&] { return hub_->hellos().size() >= 2 && !hub_->reports().empty(); }));
  const v1::Hello hello = hub_->hellos().back();
  ASSERT_EQ(hello.known_size(), 1);
  EXPECT_EQ(hello.known(0).intent_id(), "llm/mine");
  EXPECT_EQ(hello.known(0).revision(), 9);
  const v1::StatusReport full = hub_->reports().front();
  EXPECT_TRUE(full.full());
  ASSERT_EQ(full.routers_size(), 2);  // local routers too
  EXPECT_EQ(full.routers(0).name(), "local");
  EXPECT_EQ(full.routers(1).name(), "mine");
  EXPECT_EQ(full.routers(1).intent_id(), "llm/mine");
  EXPECT_EQ(full.routers(1).intent_revision(), 9);
  EXPECT_EQ(HubLinkWrites(), 0) << e2e::Describe(h_.Writes());
  EXPECT_EQ(link_->stats().connects, 2);
}

TEST_F(HubLinkTest, ReconnectsWithBackoffAfterTheHubRestartsAndSaysWhatItHolds) {
  StartLink();
  ASSERT_TRUE(WaitConnected(*hub_));
  const Json manifest = RouterManifest("llm", "kept");
  ASSERT_TRUE(PushAndWait(UpsertOf("u1", manifest, 11), "u1").has_ack());

  const int port = hub_->port();
  hub_->Shutdown();
  ASSERT_TRUE(WaitFor([&] { return !link_->Connected(); }));
  h_.cluster().ResetCounters();
  const int64_t attempts = link_->stats().connect_attempts;
  ASSERT_TRUE(WaitFor([&] { return link_->stats().connect_attempts >= attempts + 2; }));  // retrying
  EXPECT_FALSE(link_->Connected());
  // Failed dials cost the cluster nothing (no list for a Hello nobody reads).
  EXPECT_EQ(h_.cluster().counters().by_verb_resource["list semanticrouters"], 0);

  FakeHubOptions options;
  options.port = port;
  std::unique_ptr<FakeHub> restarted = FakeHub::Start(options);
  ASSERT_NE(restarted, nullptr);
  ASSERT_TRUE(WaitConnected(*restarted));
  std::vector<v1::Hello> hellos = restarted->hellos();
  ASSERT_EQ(hellos.size(), 1u);
  ASSERT_EQ(hellos[0].known_size(), 1);
  EXPECT_EQ(hellos[0].known(0).intent_id(), "llm/kept");
  EXPECT_EQ(hellos[0].known(0).revision(), 11);
  EXPECT_EQ(hellos[0].known(0).checksum(), testing::FakeChecksum(manifest.dump()));
  EXPECT_EQ(link_->stats().connects, 2);
  link_->Stop();
}

TEST_F(HubLinkTest, StopIsPromptWhileTheHubIsUnreachable) {
  const std::string address = hub_->address();
  hub_->Shutdown();
  HubLinkOptions options = FastLinkOptions(address);
  options.backoff = kube::BackoffPolicy{absl::Seconds(5), absl::Seconds(30), 2.0, 0.5};
  StartLink(options);
  ASSERT_TRUE(WaitFor([&] { return link_->stats().connect_attempts >= 1; }));
  EXPECT_FALSE(link_->Connected());
  const absl::Time before = absl::Now();
  link_->Stop();
  EXPECT_LT(absl::Now() - before, absl::Seconds(1));
  link_->Stop();  // idempotent
}

// A listening socket nobody accepts on: TCP connects, the hub never speaks.
class SilentListener {
 public:
  SilentListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 || ::listen(fd_, 16) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      ADD_FAILURE() << "cannot listen";
      return;
    }
    port_ = ntohs(addr.sin_port);
  }
  ~SilentListener() {
    if (fd_ >= 0) ::close(fd_);
  }
  std::string address() const { return absl::StrCat("127.0.0.1:", port_); }

 private:
  int fd_ = -1;
  int port_ = 0;
};

TEST_F(HubLinkTest, AHubThatNeverAnswersIsRedialledAndStopStaysPrompt) {
  SilentListener silent;
  HubLinkOptions options = FastLinkOptions(silent.address());
  options.welcome_timeout = absl::Milliseconds(300);
  StartLink(options);
  ASSERT_TRUE(WaitFor([&] { return link_->stats().connect_attempts >= 2; }));
  EXPECT_FALSE(link_->Connected());
  const absl::Time before = absl::Now();
  link_->Stop();
  EXPECT_LT(absl::Now() - before, absl::Seconds(1));
}

TEST_F(HubLinkTest, HeartbeatsAndClaimsUpdates) {
  hub_->Shutdown();
  FakeHubOptions fast;
  fast.heartbeat_ms = 50;
  hub_ = FakeHub::Start(fast);
  ASSERT_NE(hub_, nullptr);
  StartLink();
  ASSERT_TRUE(WaitConnected(*hub_));
  ASSERT_TRUE(WaitFor([&] { return hub_->Count(v1::AgentMessage::kHeartbeat) >= 3; }));
  EXPECT_EQ(hub_->Count(v1::AgentMessage::kClaims), 0);  // unchanged claims are not repeated

  claims_.Set({{"srfleet.io/platform", "openshift"}, {"srfleet.io/kserve", "true"}});
  ASSERT_TRUE(WaitFor([&] { return hub_->Count(v1::AgentMessage::kClaims) >= 1; }));
  for (const auto& m : hub_->received()) {
    if (!m.has_claims()) continue;
    EXPECT_EQ(m.claims().claims().at("srfleet.io/platform"), "openshift");
    EXPECT_EQ(m.claims().claims().at("srfleet.io/kserve"), "true");
  }
  // Said once: more heartbeats, no second update.
  const int beats = hub_->Count(v1::AgentMessage::kHeartbeat);
  ASSERT_TRUE(WaitFor([&] { return hub_->Count(v1::AgentMessage::kHeartbeat) >= beats + 3; }));
  EXPECT_EQ(hub_->Count(v1::AgentMessage::kClaims), 1);
  EXPECT_EQ(link_->stats().claims_updates_sent, 1);
}

TEST_F(HubLinkTest, LocalReconcilingGoesOnWithoutTheHubAndItsStatusArrivesLater) {
  h_.CreateService("llm", "vllm-qwen");
  h_.StartAgent();
  const int port = hub_->port();
  hub_->Shutdown();
  StartLink(FastLinkOptions(absl::StrCat("127.0.0.1:", port)));
  h_.CreateRouter(RouterManifest("llm", "local"));
  ASSERT_TRUE(h_.WaitForPhase("llm", "local", "Running", absl::Seconds(30)));
  EXPECT_FALSE(link_->Connected());
  EXPECT_GE(link_->stats().connect_attempts, 1);

  FakeHubOptions options;
  options.port = port;
  hub_ = FakeHub::Start(options);
  ASSERT_NE(hub_, nullptr);
  ASSERT_TRUE(WaitConnected(*hub_));
  ASSERT_TRUE(WaitFor([&] {
    std::optional<v1::RouterStatus> s = LastReported(*hub_, "llm/local");
    return s && s->phase() == "Running";
  }));
  v1::RouterStatus s = *LastReported(*hub_, "llm/local");
  EXPECT_EQ(s.intent_id(), "");
  EXPECT_GE(s.ready_replicas(), 1);
  ASSERT_GE(s.backends_size(), 1);
  EXPECT_NE(s.backends(0).find("(resolved)"), std::string::npos) << s.backends(0);

  // And an intent from the hub goes all the way to Running, reported with
  // the revision it came from.
  ASSERT_TRUE(PushAndWait(UpsertOf("u1", RouterManifest("llm", "placed"), 21), "u1").has_ack());
  ASSERT_TRUE(WaitFor(
      [&] {
        std::optional<v1::RouterStatus> p = LastReported(*hub_, "llm/placed");
        return p && p->phase() == "Running";
      },
      absl::Seconds(30)));
  EXPECT_EQ(LastReported(*hub_, "llm/placed")->intent_revision(), 21);
}

TEST_F(HubLinkTest, MutualTlsWithAServerNameOverride) {
  absl::StatusOr<tls::CertificateAuthority> ca = tls::CertificateAuthority::Create("fleet-ca");
  ASSERT_TRUE(ca.ok()) << ca.status();
  tls::ServerCertOptions server_cert;
  server_cert.common_name = "hub.fleet.internal";
  server_cert.dns_names = {"hub.fleet.internal"};
  server_cert.ip_addresses = {};  // so dialling 127.0.0.1 needs the override
  absl::StatusOr<tls::CertifiedKey> server = ca->IssueServerCert(server_cert);
  ASSERT_TRUE(server.ok()) << server.status();
  tls::ClientCertOptions client_cert;
  client_cert.user = "c1";
  absl::StatusOr<tls::CertifiedKey> client = ca->IssueClientCert(client_cert);
  ASSERT_TRUE(client.ok()) << client.status();

  hub_->Shutdown();
  absl::Mutex mu;
  std::vector<std::string> peers;
  FakeHubOptions options;
  options.credentials = grpcutil::MakeServerCredentialsFromPem({server->cert_pem, server->key_pem, ca->cert_pem()});
  options.on_peer = [&](const std::string& cn) {
    absl::MutexLock lock(&mu);
    peers.push_back(cn);
  };
  hub_ = FakeHub::Start(options);
  ASSERT_NE(hub_, nullptr);

  HubLinkOptions link = FastLinkOptions(hub_->address());
  link.credentials = grpcutil::MakeChannelCredentialsFromPem({ca->cert_pem(), client->cert_pem, client->key_pem});
  link.tls_server_name = "hub.fleet.internal";
  StartLink(link);
  ASSERT_TRUE(WaitConnected(*hub_));
  absl::MutexLock lock(&mu);
  ASSERT_FALSE(peers.empty());
  EXPECT_EQ(peers.back(), "c1");
}

TEST(HubLinkNoCrdTest, ConnectsWithoutTheCrdAndNacksUpserts) {
  agent::testing::KubesimEnv env(e2e::SimOptions());  // no SemanticRouter CRD
  ASSERT_TRUE(env.ok());
  std::unique_ptr<kube::KubeClient> client = env.NewClient(e2e::FastClientOptions());
  std::unique_ptr<FakeHub> hub = FakeHub::Start();
  ASSERT_NE(hub, nullptr);
  HubLink link(*client, FastLinkOptions(hub->address()));
  ASSERT_TRUE(link.Start().ok());
  ASSERT_TRUE(WaitFor([&] { return link.Connected() && hub->open_streams() > 0; }));
  ASSERT_EQ(hub->hellos().size(), 1u);
  EXPECT_EQ(hub->hellos()[0].known_size(), 0);
  ASSERT_TRUE(hub->Push(UpsertOf("u1", RouterManifest("default", "r"), 1)));
  std::optional<v1::AgentMessage> reply;
  ASSERT_TRUE(WaitFor([&] { return (reply = hub->ReplyTo("u1")).has_value(); }));
  ASSERT_TRUE(reply->has_nack()) << reply->DebugString();
  EXPECT_EQ(reply->nack().error(),
            "semanticrouters.vllm.ai is not served on cluster c1 (is the SemanticRouter CRD installed?)");
  link.Stop();
}

TEST(HubLinkOptionsTest, StartRefusesIncompleteOptions) {
  AgentHarness h;
  ASSERT_TRUE(h.ok());
  HubLinkOptions options = FastLinkOptions("127.0.0.1:1");
  options.cluster_name.clear();
  HubLink no_name(h.agent_client(), options);
  EXPECT_EQ(no_name.Start().code(), absl::StatusCode::kInvalidArgument);
  options = FastLinkOptions("127.0.0.1:1");
  options.credentials = nullptr;
  HubLink no_creds(h.agent_client(), options);
  EXPECT_EQ(no_creds.Start().code(), absl::StatusCode::kInvalidArgument);

  HubLink ok(h.agent_client(), FastLinkOptions("127.0.0.1:1"));
  EXPECT_TRUE(ok.Start().ok());
  EXPECT_TRUE(ok.Start().ok());  // idempotent
  ok.Stop();
  EXPECT_EQ(ok.Start().code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace srfleet::agent::hublink
