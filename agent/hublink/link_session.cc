#include "agent/hublink/link_session.h"

#include <utility>

#include "spdlog/spdlog.h"

namespace srfleet::agent::hublink {

LinkSession::LinkSession(LinkSessionConfig config) : config_(std::move(config)), last_claims_(config_.hello_claims) {}

LinkSession::~LinkSession() {
  if (!finished_) {
    Cancel();
    Finish();
  }
}

void LinkSession::Open(fleet::v1::AgentLink::Stub& stub) {
  opened_ = absl::Now();
  // The sender first: creating the call blocks while the channel connects,
  // and the Welcome timeout it enforces covers that wait too (a hub that
  // accepts TCP but never answers is then redialled, not waited on forever).
  sender_ = std::thread([this] { SenderLoop(); });
  std::unique_ptr<Stream> stream = stub.Connect(&context_);
  absl::MutexLock lock(&write_mu_);
  stream_ = std::move(stream);
}

bool LinkSession::Write(const fleet::v1::AgentMessage& message) {
  absl::MutexLock lock(&write_mu_);
  if (broken_ || stream_ == nullptr) return false;
  if (!stream_->Write(message)) {
    // The call is dead; make sure the reader hears it too.
    broken_ = true;
    context_.TryCancel();
    return false;
  }
  return true;
}

// stream_ is written only by this thread (in Open), so reading it here
// needs no lock.
bool LinkSession::Read(fleet::v1::HubMessage* message) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  return stream_ != nullptr && stream_->Read(message);
}

void LinkSession::OnWelcome(absl::Duration heartbeat_interval) {
  absl::MutexLock lock(&mu_);
  welcomed_ = true;
  heartbeat_interval_ = heartbeat_interval;
  next_heartbeat_ = absl::Now() + heartbeat_interval;
}

void LinkSession::Cancel() { context_.TryCancel(); }

grpc::Status LinkSession::Finish() ABSL_NO_THREAD_SAFETY_ANALYSIS {  // stream_: see Read
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (sender_.joinable()) sender_.join();
  if (finished_) return grpc::Status(grpc::StatusCode::CANCELLED, "already finished");
  finished_ = true;
  if (stream_ == nullptr) return grpc::Status(grpc::StatusCode::CANCELLED, "never opened");
  return stream_->Finish();
}

void LinkSession::SenderLoop() {
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(&stopping_), config_.flush_interval);
      if (stopping_) return;
    }
    if (!SendDue(absl::Now())) return;
  }
}

bool LinkSession::SendDue(absl::Time now) {
  bool welcomed = false;
  bool heartbeat_due = false;
  {
    absl::MutexLock lock(&mu_);
    welcomed = welcomed_;
    if (welcomed_ && now >= next_heartbeat_) {
      heartbeat_due = true;
      next_heartbeat_ = now + heartbeat_interval_;
    }
  }
  if (!welcomed) {
    if (now - opened_ > config_.welcome_timeout) {
      spdlog::warn("msg=\"hub sent no Welcome; reconnecting\" waited={}",
                   absl::FormatDuration(config_.welcome_timeout));
      Cancel();
      return false;
    }
    return true;
  }

  if (heartbeat_due) {
    fleet::v1::AgentMessage beat;
    beat.mutable_heartbeat()->set_sent_unix_ms(absl::ToUnixMillis(now));
    if (!Write(beat)) return false;
    ++config_.counters->heartbeats_sent;
    // Claims follow platform detection (every 30 s by default): checking at
    // heartbeat pace is as fresh as they get.
    if (config_.claims) {
      std::map<std::string, std::string> claims = config_.claims();
      if (claims != last_claims_) {
        fleet::v1::AgentMessage update;
        update.mutable_claims()->mutable_claims()->insert(claims.begin(), claims.end());
        if (!Write(update)) return false;
        ++config_.counters->claims_updates_sent;
        spdlog::info("msg=\"claims changed; told the hub\" claims={}", claims.size());
        last_claims_ = std::move(claims);
      }
    }
  }

  if (config_.reporter != nullptr) {
    if (std::optional<fleet::v1::StatusReport> report = config_.reporter->NextReport(now)) {
      const int routers = report->routers_size();
      const int removed = report->removed_size();
      fleet::v1::AgentMessage message;
      *message.mutable_status() = *std::move(report);
      if (!Write(message)) return false;
      ++config_.counters->status_reports_sent;
      config_.counters->routers_sent += routers;
      config_.counters->removed_sent += removed;
    }
  }
  return true;
}

}  // namespace srfleet::agent::hublink
