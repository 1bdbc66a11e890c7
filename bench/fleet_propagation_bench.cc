// Fleet-scale propagation: a real srfleet-hub process and N simulated agents
// (protocol-level: each a gRPC stream on its own connection that Hellos,
// ACKs every push and heartbeats, as srfleet-agent does, without a cluster
// behind it) in this process. Prints, for each N:
//   - intent change -> last ACK: p50/p99/max over every agent and change,
//     measured from just before the CLI's ApplyIntent call to each ACK's
//     write completing on the agent;
//   - hub RSS per connected agent ((RSS with N agents - RSS with none) / N);
//   - hub kill -9 + restart -> every agent reconnected and resynced, and how
//     many pushes that resync cost (0 when nothing changed).
// Targets (ARCHITECTURE.md §7): p99 <= 1 s at 1,000 agents and <= 2 s at
// 10,000; <= 64 KB per idle agent; restart resync <= 60 s with 0 re-applies.
//
//   fleet_propagation_bench [--agents 100,1000,10000] [--changes 5]
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <map>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "fleet/v1/agent_link.grpc.pb.h"
#include "fleet/v1/fleet.grpc.pb.h"
#include "tests/support/free_port.h"

extern char** environ;

namespace srfleet::bench {
namespace {

using fleet::v1::AgentMessage;
using fleet::v1::HubMessage;

int64_t NowNs() { return absl::ToUnixNanos(absl::Now()); }

// ---- the hub process ----------------------------------------------------------

class HubProcess {
 public:
  HubProcess(std::string binary, std::string data_dir, int port)
      : binary_(std::move(binary)), data_dir_(std::move(data_dir)), port_(port) {}
  ~HubProcess() { Kill(SIGTERM); }

  bool Start() {
    std::vector<std::string> args = {binary_, "--data-dir", data_dir_, "--insecure", "--auto-register",
                                     "--listen", absl::StrCat("127.0.0.1:", port_), "--http-listen", "",
                                     "--log-level", "warn"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, binary_.c_str(), nullptr, nullptr, argv.data(), environ) != 0) return false;
    auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", port_), grpc::InsecureChannelCredentials());
    return channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(30));
  }
  void Kill(int sig) {
    if (pid_ <= 0) return;
    ::kill(pid_, sig);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }
  long RssKb() const {
    std::ifstream in(absl::StrCat("/proc/", pid_, "/status"));
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
    }
    return -1;
  }

 private:
  std::string binary_, data_dir_;
  int port_;
  pid_t pid_ = -1;
};

// ---- one simulated agent ---------------------------------------------------------

struct Known {
  int64_t revision = 0;
  std::string checksum;
};

struct FleetCounters {
  std::atomic<int> welcomed{0};
  std::atomic<int> upserts{0};
  absl::Mutex mu;
  std::vector<int64_t> ack_times_ns ABSL_GUARDED_BY(mu);  // when each ACK write completed
};

class SimAgent;

// One Connect stream. Kept alive by its SimAgent until replaced; holds (see
// AddHold) keep OnDone from racing a write started from another thread.
class Stream : public grpc::ClientBidiReactor<AgentMessage, HubMessage> {
 public:
  Stream(SimAgent& agent, fleet::v1::AgentLink::Stub& stub, const AgentMessage& hello);
  void Send(AgentMessage m);
  void Cancel() { ctx_.TryCancel(); }
  bool done() {
    absl::MutexLock lock(&mu_);
    return done_;
  }

  void OnReadDone(bool ok) override;
  void OnWriteDone(bool ok) override;
  void OnDone(const grpc::Status&) override {
    absl::MutexLock lock(&mu_);
    done_ = true;
  }

 private:
  bool TakeNextLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  SimAgent& agent_;
  grpc::ClientContext ctx_;
  HubMessage in_;
  absl::Mutex mu_;
  std::deque<AgentMessage> queue_ ABSL_GUARDED_BY(mu_);
  AgentMessage out_;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool closing_ ABSL_GUARDED_BY(mu_) = false;
  bool read_stopped_ ABSL_GUARDED_BY(mu_) = false;
  bool released_ ABSL_GUARDED_BY(mu_) = false;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  bool pending_ack_time_ = false;
};

class SimAgent {
 public:
  SimAgent(std::string name, std::shared_ptr<grpc::Channel> channel, FleetCounters& counters)
      : name_(std::move(name)), stub_(fleet::v1::AgentLink::NewStub(channel)), counters_(counters) {}

  void Connect() {
    AgentMessage hello;
    hello.mutable_hello()->set_cluster(name_);
    hello.mutable_hello()->set_protocol_version(1);
    hello.mutable_hello()->set_agent_version("bench");
    (*hello.mutable_hello()->mutable_labels())["fleet"] = "bench";
    {
      absl::MutexLock lock(&mu_);
      for (const auto& [id, k] : known_) {
        auto* known = hello.mutable_hello()->add_known();
        known->set_intent_id(id);
        known->set_revision(k.revision);
        known->set_checksum(k.checksum);
      }
    }
    auto stream = std::make_shared<Stream>(*this, *stub_, hello);
    absl::MutexLock lock(&mu_);
    old_.push_back(std::move(stream_));
    stream_ = std::move(stream);
  }
  void Heartbeat() {
    std::shared_ptr<Stream> s = current();
    if (!s) return;
    AgentMessage m;
    m.mutable_heartbeat()->set_sent_unix_ms(NowNs() / 1000000);
    s->Send(std::move(m));
  }
  std::shared_ptr<Stream> current() {
    absl::MutexLock lock(&mu_);
    return stream_;
  }
  void Disconnect() {
    if (auto s = current()) s->Cancel();
  }
  // Reactor callbacks.
  void OnUpsert(Stream& stream, const fleet::v1::IntentUpsert& u) {
    counters_.upserts++;
    {
      absl::MutexLock lock(&mu_);
      known_[u.intent_id()] = Known{u.revision(), u.checksum()};
    }
    AgentMessage ack;
    ack.mutable_ack()->set_nonce(u.nonce());
    ack.mutable_ack()->set_intent_id(u.intent_id());
    ack.mutable_ack()->set_revision(u.revision());
    stream.Send(std::move(ack));
  }
  FleetCounters& counters() { return counters_; }

 private:
  std::string name_;
  std::unique_ptr<fleet::v1::AgentLink::Stub> stub_;
  FleetCounters& counters_;
  absl::Mutex mu_;
  std::map<std::string, Known> known_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<Stream> stream_ ABSL_GUARDED_BY(mu_);
  std::vector<std::shared_ptr<Stream>> old_ ABSL_GUARDED_BY(mu_);  // ended streams, freed with the agent
};

Stream::Stream(SimAgent& agent, fleet::v1::AgentLink::Stub& stub, const AgentMessage& hello) : agent_(agent) {
  stub.async()->Connect(&ctx_, this);
  AddHold();  // released once reading stopped and no write is in flight
  Send(hello);
  StartRead(&in_);
  StartCall();
}

// gRPC may run a reaction inline from StartWrite/RemoveHold: never call them
// with mu_ held.
void Stream::Send(AgentMessage m) {
  {
    absl::MutexLock lock(&mu_);
    if (closing_) return;
    queue_.push_back(std::move(m));
    if (!TakeNextLocked()) return;
  }
  StartWrite(&out_);
}

bool Stream::TakeNextLocked() {
  if (writing_ || queue_.empty()) return false;
  out_ = std::move(queue_.front());
  queue_.pop_front();
  writing_ = true;
  pending_ack_time_ = out_.has_ack();
  return true;
}

void Stream::OnWriteDone(bool ok) {
  if (ok && pending_ack_time_) {
    FleetCounters& c = agent_.counters();
    absl::MutexLock lock(&c.mu);
    c.ack_times_ns.push_back(NowNs());
  }
  bool write = false, release = false;
  {
    absl::MutexLock lock(&mu_);
    writing_ = false;
    if (!ok) closing_ = true;
    if (closing_) {
      queue_.clear();
      release = read_stopped_ && !released_;
      released_ = released_ || release;
    } else {
      write = TakeNextLocked();
    }
  }
  if (write) StartWrite(&out_);
  if (release) RemoveHold();
}

void Stream::OnReadDone(bool ok) {
  if (!ok) {
    bool release = false;
    {
      absl::MutexLock lock(&mu_);
      closing_ = true;
      read_stopped_ = true;
      release = !writing_ && !released_;
      released_ = released_ || release;
    }
    if (release) RemoveHold();
    return;
  }
  if (in_.has_welcome()) agent_.counters().welcomed++;
  if (in_.has_upsert()) agent_.OnUpsert(*this, in_.upsert());
  StartRead(&in_);
}

// ---- the scenario -----------------------------------------------------------------

struct Percentiles {
  double p50_ms, p99_ms, max_ms;
};

Percentiles Summarise(std::vector<int64_t> ns) {
  std::sort(ns.begin(), ns.end());
  auto at = [&](double q) { return ns.empty() ? 0.0 : ns[std::min(ns.size() - 1, size_t(q * ns.size()))] / 1e6; };
  return {at(0.50), at(0.99), ns.empty() ? 0.0 : ns.back() / 1e6};
}

bool WaitFor(const std::function<bool()>& done, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return done();
}


std::string Manifest(int replicas) {
  return absl::StrCat(R"({"apiVersion":"vllm.ai/v1alpha1","kind":"SemanticRouter","metadata":{"name":"bench","namespace":"llm"},"spec":{"replicas":)",
                      replicas, R"(,"vllmEndpoints":[{"name":"qwen","model":"qwen2.5","backend":{"type":"service","service":{"name":"vllm-qwen","port":8000}}}]}})");
}

int RunScenario(const std::string& hub_binary, int n, int changes) {
  const std::string dir = (std::filesystem::temp_directory_path() / absl::StrCat("srfleet-bench-", ::getpid(), "-", n)).string();
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const int port = srfleet::testing::FreeLoopbackPort();
  HubProcess hub(hub_binary, dir, port);
  if (!hub.Start()) {
    std::fprintf(stderr, "cannot start %s\n", hub_binary.c_str());
    return 1;
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const long rss0 = hub.RssKb();
  const std::string target = absl::StrCat("127.0.0.1:", port);

  FleetCounters counters;
  std::vector<std::unique_ptr<SimAgent>> agents;
  agents.reserve(n);
  // Streams must end before the agents they call back into go away.
  struct Teardown {
    std::vector<std::unique_ptr<SimAgent>>& agents;
    ~Teardown() {
      for (auto& a : agents) a->Disconnect();
      WaitFor([&] { for (auto& a : agents) { auto s = a->current(); if (s && !s->done()) return false; } return true; },
              absl::Seconds(60));
    }
  } teardown{agents};
  // Heartbeats from the first connect on: a slow connect phase must not let
  // the hub's liveness timeout close early streams.
  absl::Mutex agents_mu;
  int connected_agents = 0;
  std::atomic<bool> stop{false};
  struct Joiner {
    std::atomic<bool>& stop;
    std::thread t;
    ~Joiner() {
      stop = true;
      if (t.joinable()) t.join();
    }
  } heartbeats{stop, std::thread([&] {
    while (!stop) {
      int count;
      {
        absl::MutexLock lock(&agents_mu);
        count = connected_agents;
      }
      for (int i = 0; i < count; ++i) agents[i]->Heartbeat();
      for (int i = 0; i < 50 && !stop; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  })};
  // One TCP connection per agent, as in a real fleet, as far as this
  // process's file descriptors allow (a gRPC client connection costs about
  // two); beyond that, agents share connections (each keeps its own stream).
  rlimit lim{};
  getrlimit(RLIMIT_NOFILE, &lim);
  const int max_connections = std::max(1, static_cast<int>((lim.rlim_cur - 1000) / 2));
  const int per_connection = (n + max_connections - 1) / max_connections;
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  const absl::Time connect_start = absl::Now();
  for (int i = 0; i < n; ++i) {
    if (i % per_connection == 0) {
      grpc::ChannelArguments args;
      args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
      args.SetInt("srfleet.bench.connection", i);
      channels.push_back(grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args));
    }
    auto channel = channels.back();
    agents.push_back(std::make_unique<SimAgent>(absl::StrCat("cluster-", i), channel, counters));
    agents.back()->Connect();
    absl::MutexLock lock(&agents_mu);
    connected_agents = i + 1;
  }
  if (!WaitFor([&] { return counters.welcomed.load() >= n; }, absl::Minutes(5))) {
    std::fprintf(stderr, "only %d/%d agents welcomed\n", counters.welcomed.load(), n);
    return 1;
  }
  const absl::Duration connect_time = absl::Now() - connect_start;
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const long rss_n = hub.RssKb();

  auto fleet = fleet::v1::Fleet::NewStub(grpc::CreateChannel(target, grpc::InsecureChannelCredentials()));
  std::vector<int64_t> latencies;
  int64_t last_revision = 0;
  for (int c = 0; c < changes; ++c) {
    {
      absl::MutexLock lock(&counters.mu);
      counters.ack_times_ns.clear();
    }
    grpc::ClientContext ctx;
    fleet::v1::ApplyIntentRequest req;
    req.set_manifest_json(Manifest(c + 1));
    (*req.mutable_placement()->mutable_match_labels())["fleet"] = "bench";
    fleet::v1::ApplyIntentResponse resp;
    const int64_t t0 = NowNs();
    grpc::Status s = fleet->ApplyIntent(&ctx, req, &resp);
    if (!s.ok()) {
      std::fprintf(stderr, "apply: %s\n", s.error_message().c_str());
      return 1;
    }
    last_revision = resp.revision();
    if (!WaitFor([&] { absl::MutexLock lock(&counters.mu); return counters.ack_times_ns.size() >= size_t(n); },
                 absl::Minutes(2))) {
      absl::MutexLock lock(&counters.mu);
      std::fprintf(stderr, "change %d: %zu/%d agents acked\n", c, counters.ack_times_ns.size(), n);
      return 1;
    }
    absl::MutexLock lock(&counters.mu);
    for (int64_t t : counters.ack_times_ns) latencies.push_back(t - t0);
  }
  const Percentiles p = Summarise(latencies);

  // kill -9 the hub, restart it on the same store; agents reconnect.
  const int upserts_before = counters.upserts.load();
  counters.welcomed = 0;
  hub.Kill(SIGKILL);
  const absl::Time restart = absl::Now();
  if (!hub.Start()) return 1;
  std::mt19937 rng(42);
  std::vector<int> order(n);
  for (int i = 0; i < n; ++i) order[i] = i;
  // Agents notice the dead stream and redial with jittered backoff.
  while (counters.welcomed.load() < n && absl::Now() - restart < absl::Minutes(3)) {
    for (int i : order) {
      auto s = agents[i]->current();
      if (s && s->done()) agents[i]->Connect();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const absl::Duration resync = absl::Now() - restart;
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const int resync_pushes = counters.upserts.load() - upserts_before;

  std::printf("agents=%-6d connections=%-6zu connect_all=%7.2fs  change->ack p50=%7.1fms p99=%7.1fms max=%7.1fms (%d changes, rev %lld)  "
              "hub_rss=%ld KB (%+.1f KB/agent)  kill-9 restart->all resynced=%6.2fs pushes_on_resync=%d\n",
              n, channels.size(), absl::ToDoubleSeconds(connect_time), p.p50_ms, p.p99_ms, p.max_ms, changes,
              static_cast<long long>(last_revision), rss_n, double(rss_n - rss0) / n, absl::ToDoubleSeconds(resync),
              resync_pushes);
  std::fflush(stdout);
  stop = true;
  heartbeats.t.join();
  std::filesystem::remove_all(dir);
  return 0;
}

}  // namespace
}  // namespace srfleet::bench

int main(int argc, char** argv) {
  std::vector<int> sizes = {100, 1000};
  int changes = 5;
  std::string hub = SRFLEET_HUB_BINARY;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--agents" && i + 1 < argc) {
      sizes.clear();
      for (absl::string_view s : absl::StrSplit(argv[++i], ',')) {
        int v = 0;
        if (absl::SimpleAtoi(s, &v) && v > 0) sizes.push_back(v);
      }
    } else if (a == "--changes" && i + 1 < argc) {
      changes = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--hub" && i + 1 < argc) {
      hub = argv[++i];
    } else {
      std::fprintf(stderr, "usage: %s [--agents 100,1000,10000] [--changes 5] [--hub PATH]\n", argv[0]);
      return 2;
    }
  }
  // One connection per agent: raise the fd limit as far as allowed.
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
  for (int n : sizes) {
    if (int rc = srfleet::bench::RunScenario(hub, n, changes); rc != 0) return rc;
  }
  return 0;
}
