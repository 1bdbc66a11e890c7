// A hub for tests: a real gRPC server on 127.0.0.1 implementing AgentLink.
// It records every AgentMessage, answers each Hello with a Welcome (unless
// told not to), and writes whatever the test pushes to the newest stream.
#pragma once

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "fleet/v1/agent_link.grpc.pb.h"

namespace srfleet::agent::hublink::testing {

namespace v1 = ::srfleet::fleet::v1;

struct FakeHubOptions {
  int port = 0;                 // 0: pick one
  uint32_t heartbeat_ms = 200;  // in the Welcome
  bool send_welcome = true;
  std::shared_ptr<grpc::ServerCredentials> credentials;  // null: plaintext
  // Called with each stream's peer certificate CN ("" without mTLS).
  std::function<void(const std::string&)> on_peer;
};

class FakeHub final : public v1::AgentLink::Service {
 public:
  static std::unique_ptr<FakeHub> Start(FakeHubOptions options = {}) {
    auto hub = std::unique_ptr<FakeHub>(new FakeHub(options));
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort(absl::StrCat("127.0.0.1:", options.port),
                             options.credentials ? options.credentials : grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(hub.get());
    hub->server_ = builder.BuildAndStart();
    if (hub->server_ == nullptr || port == 0) {
      ADD_FAILURE() << "fake hub cannot listen on port " << options.port;
      return nullptr;
    }
    hub->port_ = port;
    return hub;
  }

  ~FakeHub() override { Shutdown(); }

  int port() const { return port_; }
  std::string address() const { return absl::StrCat("127.0.0.1:", port_); }

  // Ends every stream and stops listening.
  void Shutdown() {
    {
      absl::MutexLock lock(&mu_);
      if (shut_down_) return;
      shut_down_ = true;
    }
    if (server_) server_->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(200));
  }

  // Cancels the open streams (the agent sees the connection drop).
  void DropStreams() {
    absl::MutexLock lock(&mu_);
    for (grpc::ServerContext* ctx : open_) ctx->TryCancel();
  }

  // Queues `message` for the newest stream; false when none is open.
  bool Push(const v1::HubMessage& message) {
    absl::MutexLock lock(&mu_);
    if (open_.empty()) return false;
    outbox_.push_back(message);
    return true;
  }

  // --- what the agent sent -------------------------------------------------
  std::vector<v1::Hello> hellos() const {
    absl::MutexLock lock(&mu_);
    return hellos_;
  }
  std::vector<v1::AgentMessage> received() const {
    absl::MutexLock lock(&mu_);
    return received_;
  }
  std::vector<v1::StatusReport> reports() const {
    absl::MutexLock lock(&mu_);
    std::vector<v1::StatusReport> out;
    for (const auto& m : received_) {
      if (m.has_status()) out.push_back(m.status());
    }
    return out;
  }
  int Count(v1::AgentMessage::KindCase kind) const {
    absl::MutexLock lock(&mu_);
    int n = 0;
    for (const auto& m : received_) n += m.kind_case() == kind;
    return n;
  }
  // The Ack or Nack answering `nonce`, once it came.
  std::optional<v1::AgentMessage> ReplyTo(const std::string& nonce) const {
    absl::MutexLock lock(&mu_);
    for (const auto& m : received_) {
      if ((m.has_ack() && m.ack().nonce() == nonce) || (m.has_nack() && m.nack().nonce() == nonce)) return m;
    }
    return std::nullopt;
  }
  int RepliesTo(const std::string& nonce) const {
    absl::MutexLock lock(&mu_);
    int n = 0;
    for (const auto& m : received_)
      n += (m.has_ack() && m.ack().nonce() == nonce) || (m.has_nack() && m.nack().nonce() == nonce);
    return n;
  }
  size_t open_streams() const {
    absl::MutexLock lock(&mu_);
    return open_.size();
  }
  int streams_seen() const {
    absl::MutexLock lock(&mu_);
    return streams_seen_;
  }
  void Clear() {
    absl::MutexLock lock(&mu_);
    received_.clear();
  }

  grpc::Status Connect(grpc::ServerContext* ctx,
                       grpc::ServerReaderWriter<v1::HubMessage, v1::AgentMessage>* stream) override {
    if (options_.on_peer) {
      std::string cn;
      for (const auto& v : ctx->auth_context()->FindPropertyValues("x509_common_name")) cn.assign(v.data(), v.size());
      options_.on_peer(cn);
    }
    {
      absl::MutexLock lock(&mu_);
      open_.push_back(ctx);
      ++streams_seen_;
      outbox_.clear();  // pushes meant for an older stream die with it
    }
    bool reader_done = false;  // guarded by mu_
    std::thread reader([&] {
      v1::AgentMessage m;
      while (stream->Read(&m)) {
        absl::MutexLock lock(&mu_);
        received_.push_back(m);
        if (m.has_hello()) {
          hellos_.push_back(m.hello());
          if (options_.send_welcome) {
            v1::HubMessage welcome;
            welcome.mutable_welcome()->set_heartbeat_interval_ms(options_.heartbeat_ms);
            welcome.mutable_welcome()->set_hub_id("fake-hub");
            outbox_.push_front(welcome);
          }
        }
      }
      absl::MutexLock lock(&mu_);
      reader_done = true;
    });
    while (true) {
      std::vector<v1::HubMessage> batch;
      {
        absl::MutexLock lock(&mu_);
        auto ready = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return reader_done || !outbox_.empty() || shut_down_; };
        mu_.AwaitWithTimeout(absl::Condition(&ready), absl::Milliseconds(20));
        if (reader_done || shut_down_ || ctx->IsCancelled()) break;
        // Only the newest stream writes.
        if (open_.back() == ctx) {
          batch.assign(outbox_.begin(), outbox_.end());
          outbox_.clear();
        }
      }
      for (const auto& m : batch) {
        if (!stream->Write(m)) break;
      }
    }
    ctx->TryCancel();  // wakes the reader if we left first
    reader.join();
    absl::MutexLock lock(&mu_);
    std::erase(open_, ctx);
    return grpc::Status::OK;
  }

 private:
  explicit FakeHub(FakeHubOptions options) : options_(std::move(options)) {}

  FakeHubOptions options_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  mutable absl::Mutex mu_;
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<grpc::ServerContext*> open_ ABSL_GUARDED_BY(mu_);
  int streams_seen_ ABSL_GUARDED_BY(mu_) = 0;
  std::deque<v1::HubMessage> outbox_ ABSL_GUARDED_BY(mu_);
  std::vector<v1::AgentMessage> received_ ABSL_GUARDED_BY(mu_);
  std::vector<v1::Hello> hellos_ ABSL_GUARDED_BY(mu_);
};

}  // namespace srfleet::agent::hublink::testing
