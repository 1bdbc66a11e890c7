#include "agent/hublink/hub_link.h"

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "shared/text/log_value.h"
#include "absl/synchronization/mutex.h"
#include "agent/hublink/intent_materializer.h"
#include "agent/hublink/link_session.h"
#include "agent/hublink/status_reporter.h"
#include "fleet/v1/agent_link.grpc.pb.h"
#include "spdlog/spdlog.h"

namespace srfleet::agent::hublink {
namespace {

constexpr uint32_t kProtocolVersion = 1;

StatusReporterOptions ReporterOptions(const HubLinkOptions& o) {
  StatusReporterOptions r;
  r.watch_namespace = o.watch_namespace;
  r.min_interval_per_router = o.status_min_interval_per_router;
  r.informer = o.informer;
  return r;
}

// "UNAVAILABLE: connection refused": the code by name, as gRPC documents it.
std::string Describe(const grpc::Status& status) {
  static constexpr const char* kNames[] = {"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED",
                                           "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED",
                                           "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED",
                                           "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"};
  const int code = static_cast<int>(status.error_code());
  const std::string name = code >= 0 && code <= 16 ? kNames[code] : absl::StrCat("CODE_", code);
  return absl::StrCat(name, ": ", status.error_message());
}

}  // namespace

struct HubLink::State {
  State(kube::KubeClient& c, HubLinkOptions o)
      : options(std::move(o)),
        materializer(c, MaterializerOptions{options.cluster_name, options.watch_namespace}),
        reporter(c, ReporterOptions(options)) {}

  // A fresh channel per dial, on its own subchannel pool: gRPC's internal
  // reconnect backoff (up to 2 min) never stacks on ours, so the policy in
  // the options is the one that decides when the hub is tried again.
  std::shared_ptr<grpc::Channel> NewChannel() const {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetUserAgentPrefix(
        absl::StrCat("srfleet-agent/", options.agent_version.empty() ? "dev" : options.agent_version));
    if (!options.tls_server_name.empty()) args.SetSslTargetNameOverride(options.tls_server_name);
    if (options.keepalive_time > absl::ZeroDuration()) {
      args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, static_cast<int>(absl::ToInt64Milliseconds(options.keepalive_time)));
      args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
      args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
    }
    return grpc::CreateCustomChannel(options.hub_address, options.credentials, args);
  }

  bool Stopping() {
    absl::MutexLock lock(&mu);
    return stopping;
  }

  // Sleeps `d` unless Stop() comes first (then true).
  bool SleepUnlessStopped(absl::Duration d) {
    absl::MutexLock lock(&mu);
    mu.AwaitWithTimeout(absl::Condition(&stopping), d);
    return stopping;
  }

  // How one stream ended, for the log line that says when the next dial is.
  struct StreamEnd {
    bool welcomed = false;
    std::string what;    // "disconnected", "cannot connect", ...
    std::string detail;  // the gRPC status or the error
  };

  void Run() {
    kube::Backoff backoff(options.backoff);
    while (!Stopping()) {
      const absl::Time started = absl::Now();
      const StreamEnd end = RunStream();
      if (Stopping()) {
        spdlog::info("msg=\"hub link: stopped\" hub={}", options.hub_address);
        break;
      }
      if (end.welcomed || absl::Now() - started > options.stable_stream) backoff.Reset();
      const absl::Duration delay = backoff.Next();
      spdlog::warn("msg=\"hub link: {}\" hub={} error={} retry_in={}", end.what, options.hub_address,
                   text::LogQuote(end.detail),
                   absl::FormatDuration(delay));
      if (SleepUnlessStopped(delay)) break;
    }
  }

  // Dials, says Hello and serves one stream to its end.
  StreamEnd RunStream() {
    ++counters.connect_attempts;
    const std::map<std::string, std::string> claims =
        options.claims ? options.claims() : std::map<std::string, std::string>();
    LinkSessionConfig config;
    config.flush_interval = options.status_flush_interval;
    config.welcome_timeout = options.welcome_timeout;
    config.claims = options.claims;
    config.hello_claims = claims;
    config.reporter = &reporter;
    config.counters = &counters;
    auto session = std::make_shared<LinkSession>(std::move(config));
    {
      absl::MutexLock lock(&mu);
      if (stopping) return StreamEnd{};
      current = session;  // Stop() cancels it from here on
    }
    std::shared_ptr<grpc::Channel> channel = NewChannel();
    std::unique_ptr<fleet::v1::AgentLink::Stub> stub = fleet::v1::AgentLink::NewStub(channel);
    session->Open(*stub);

    bool welcomed = false;
    std::string failure;
    // Open() returns once the call is on a connection or failed. Failed:
    // Finish() says why, and listing the cluster for a Hello nobody will read
    // would only cost the API server a request per dial while the hub is away.
    const grpc_connectivity_state state = channel->GetState(/*try_to_connect=*/false);
    const bool dial_failed = state == GRPC_CHANNEL_TRANSIENT_FAILURE || state == GRPC_CHANNEL_SHUTDOWN;
    absl::StatusOr<std::vector<fleet::v1::KnownIntent>> known =
        dial_failed ? absl::UnavailableError("dial failed") : materializer.ListKnown();
    if (dial_failed) {
      session->Cancel();
    } else if (!known.ok()) {
      // Without the list, Hello would claim an empty cluster and the hub
      // would push everything again: try later rather than lie.
      failure = absl::StrCat("cannot list hub-managed routers: ", known.status().message());
      session->Cancel();
    } else {
      fleet::v1::AgentMessage hello;
      fleet::v1::Hello* h = hello.mutable_hello();
      h->set_cluster(options.cluster_name);
      h->mutable_labels()->insert(options.labels.begin(), options.labels.end());
      h->mutable_claims()->insert(claims.begin(), claims.end());
      h->set_agent_version(options.agent_version);
      h->set_protocol_version(kProtocolVersion);
      for (fleet::v1::KnownIntent& k : *known) *h->add_known() = std::move(k);
      if (session->Write(hello)) {
        welcomed = Serve(*session);
      }
    }
    connected = false;
    grpc::Status end = session->Finish();
    {
      absl::MutexLock lock(&mu);
      current.reset();
    }
    if (!failure.empty()) return StreamEnd{false, "not connecting", failure};
    return StreamEnd{welcomed, welcomed ? "disconnected" : "cannot connect", Describe(end)};
  }

  // Reads until the stream ends; true when a Welcome came.
  bool Serve(LinkSession& session) {
    bool welcomed = false;
    fleet::v1::HubMessage message;
    while (session.Read(&message)) {
      switch (message.kind_case()) {
        case fleet::v1::HubMessage::kWelcome: {
          if (welcomed) break;  // once per stream; a repeat changes nothing
          welcomed = true;
          const uint32_t ms = message.welcome().heartbeat_interval_ms();
          const absl::Duration heartbeat = ms > 0 ? absl::Milliseconds(ms) : options.default_heartbeat_interval;
          reporter.BeginStream();
          session.OnWelcome(heartbeat);
          ++counters.connects;
          connected = true;
          spdlog::info("msg=\"hub link: connected\" hub={} hub_id={} cluster={} heartbeat={} hub_labels={}",
                       options.hub_address, message.welcome().hub_id(), options.cluster_name,
                       absl::FormatDuration(heartbeat), message.welcome().labels_size());
          break;
        }
        case fleet::v1::HubMessage::kUpsert:
          Answer(session, materializer.Upsert(message.upsert()), &counters.upserts_applied);
          break;
        case fleet::v1::HubMessage::kDelete:
          Answer(session, materializer.Delete(message.delete_()), &counters.deletes_applied);
          break;
        default:
          break;  // a newer hub's message: ignored, as proto3 intends
      }
    }
    return welcomed;
  }

  void Answer(LinkSession& session, const PushOutcome& outcome, std::atomic<int64_t>* applied) {
    if (outcome.wrote) ++*applied;
    if (outcome.reply.has_ack()) ++counters.acks;
    if (outcome.reply.has_nack()) ++counters.nacks;
    // A lost answer is not repaired here: the stream is gone, and the next
    // Hello's `known` tells the hub what actually landed.
    (void)session.Write(outcome.reply);
  }

  const HubLinkOptions options;
  IntentMaterializer materializer;
  StatusReporter reporter;
  LinkCounters counters;
  std::atomic<bool> connected{false};

  absl::Mutex mu;
  bool started ABSL_GUARDED_BY(mu) = false;
  bool stopping ABSL_GUARDED_BY(mu) = false;
  std::shared_ptr<LinkSession> current ABSL_GUARDED_BY(mu);
  std::thread thread ABSL_GUARDED_BY(mu);
};

HubLink::HubLink(kube::KubeClient& client, HubLinkOptions options)
    : state_(std::make_unique<State>(client, std::move(options))) {}

HubLink::~HubLink() { Stop(); }

absl::Status HubLink::Start() {
  const HubLinkOptions& o = state_->options;
  if (o.hub_address.empty()) return absl::InvalidArgumentError("hub link: no hub address");
  if (o.cluster_name.empty()) return absl::InvalidArgumentError("hub link: no cluster name");
  if (o.credentials == nullptr) return absl::InvalidArgumentError("hub link: no channel credentials");
  // Under the lock: Start() may race Stop() (a leadership callback while
  // the process shuts down), and Stop() must see either nothing started or
  // all of it.
  absl::MutexLock lock(&state_->mu);
  if (state_->stopping) return absl::FailedPreconditionError("hub link: stopped");
  if (state_->started) return absl::OkStatus();
  state_->started = true;
  state_->reporter.Start();
  state_->thread = std::thread([s = state_.get()] { s->Run(); });
  spdlog::info("msg=\"hub link: starting\" hub={} cluster={}", o.hub_address, o.cluster_name);
  return absl::OkStatus();
}

void HubLink::Stop() {
  std::shared_ptr<LinkSession> session;
  std::thread thread;
  {
    absl::MutexLock lock(&state_->mu);
    if (state_->stopping) return;
    state_->stopping = true;
    session = state_->current;
    thread = std::move(state_->thread);
  }
  if (session) session->Cancel();
  if (thread.joinable()) thread.join();
  state_->reporter.Stop();
  state_->connected = false;
}

bool HubLink::Connected() const { return state_->connected.load(); }

HubLinkStats HubLink::stats() const {
  const LinkCounters& c = state_->counters;
  HubLinkStats s;
  s.connect_attempts = c.connect_attempts.load();
  s.connects = c.connects.load();
  s.upserts_applied = c.upserts_applied.load();
  s.deletes_applied = c.deletes_applied.load();
  s.acks = c.acks.load();
  s.nacks = c.nacks.load();
  s.status_reports_sent = c.status_reports_sent.load();
  s.routers_sent = c.routers_sent.load();
  s.removed_sent = c.removed_sent.load();
  s.heartbeats_sent = c.heartbeats_sent.load();
  s.claims_updates_sent = c.claims_updates_sent.load();
  return s;
}

}  // namespace srfleet::agent::hublink
