#include "hub/server/prepared_push.h"

#include <grpcpp/support/proto_buffer_writer.h>
#include <grpcpp/impl/codegen/proto_utils.h>

#include "absl/strings/str_cat.h"

namespace srfleet::hub {
namespace {

PushPtr Serialise(PreparedPush push, const fleet::v1::HubMessage& message) {
  bool own_buffer = false;
  // The only failure is a message over 2 GiB, which the manifest limit rules out.
  (void)grpc::SerializationTraits<fleet::v1::HubMessage>::Serialize(message, &push.bytes, &own_buffer);
  push.size = push.bytes.Length();
  return std::make_shared<const PreparedPush>(std::move(push));
}

}  // namespace

PushPtr PrepareUpsert(const std::string& intent_id, int64_t revision, const std::string& checksum,
                      const std::string& ns, const std::string& name, const std::string& manifest_json) {
  fleet::v1::HubMessage message;
  fleet::v1::IntentUpsert* upsert = message.mutable_upsert();
  PreparedPush push;
  push.kind = PreparedPush::Kind::kUpsert;
  push.intent_id = intent_id;
  push.revision = revision;
  push.nonce = absl::StrCat("u", revision);
  upsert->set_nonce(push.nonce);
  upsert->set_intent_id(intent_id);
  upsert->set_revision(revision);
  upsert->set_checksum(checksum);
  upsert->set_namespace_(ns);
  upsert->set_name(name);
  upsert->set_manifest_json(manifest_json);
  return Serialise(std::move(push), message);
}

PushPtr PrepareDelete(const std::string& intent_id, int64_t revision) {
  fleet::v1::HubMessage message;
  PreparedPush push;
  push.kind = PreparedPush::Kind::kDelete;
  push.intent_id = intent_id;
  push.nonce = absl::StrCat("d", revision, "/", intent_id);
  message.mutable_delete_()->set_nonce(push.nonce);
  message.mutable_delete_()->set_intent_id(intent_id);
  return Serialise(std::move(push), message);
}

PushPtr PrepareWelcome(const fleet::v1::Welcome& welcome) {
  fleet::v1::HubMessage message;
  *message.mutable_welcome() = welcome;
  PreparedPush push;
  push.kind = PreparedPush::Kind::kWelcome;
  push.nonce = "w";
  return Serialise(std::move(push), message);
}

}  // namespace srfleet::hub
