// A push to agents, serialised once: the HubMessage bytes of an intent
// revision's upsert are built when the revision is stored and shared by every
// stream it goes to (grpc::ByteBuffer copies share the slices; no re-encode
// per agent). Deletes and Welcomes are small and built per stream.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <grpcpp/support/byte_buffer.h>

#include "fleet/v1/agent_link.pb.h"

namespace srfleet::hub {

struct PreparedPush {
  enum class Kind { kWelcome, kUpsert, kDelete };
  Kind kind = Kind::kUpsert;
  std::string intent_id;   // empty for kWelcome
  int64_t revision = 0;    // 0 for deletes
  std::string nonce;
  grpc::ByteBuffer bytes;  // a serialised fleet::v1::HubMessage
  size_t size = 0;         // bytes.Length()
};

using PushPtr = std::shared_ptr<const PreparedPush>;

// Nonces: "u<revision>" for upserts (revisions are unique hub-wide, so the
// nonce is too, and survives hub restarts), "d<revision>" for deletes made
// at a revision, "w" for the Welcome.
PushPtr PrepareUpsert(const std::string& intent_id, int64_t revision, const std::string& checksum,
                      const std::string& ns, const std::string& name, const std::string& manifest_json);
PushPtr PrepareDelete(const std::string& intent_id, int64_t revision);
PushPtr PrepareWelcome(const fleet::v1::Welcome& welcome);

}  // namespace srfleet::hub
