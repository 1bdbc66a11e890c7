// The event-handler factories of controller.h and the key helpers: how an
// informer event becomes a work-queue key.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "agent/controller/controller.h"

namespace srfleet::agent {
namespace {

std::string StringAt(const Json& object, const char* key) {
  if (!object.is_object()) return "";
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

const Json* MetadataOf(const Json& object) {
  if (!object.is_object()) return nullptr;
  auto it = object.find("metadata");
  return it != object.end() && it->is_object() ? &*it : nullptr;
}

// "vllm.ai/v1alpha1" -> "vllm.ai"; "v1" -> "" (the core group).
std::string GroupOf(const std::string& api_version) {
  const size_t slash = api_version.find('/');
  return slash == std::string::npos ? "" : api_version.substr(0, slash);
}

// The key of the controlling owner of `object`, if it is of the wanted kind.
std::optional<std::string> ControllerOwnerKey(const Json& object, const std::string& kind, const std::string& group) {
  const Json* metadata = MetadataOf(object);
  if (metadata == nullptr) return std::nullopt;
  auto refs = metadata->find("ownerReferences");
  if (refs == metadata->end() || !refs->is_array()) return std::nullopt;
  for (const Json& ref : *refs) {
    if (!ref.is_object()) continue;
    auto controller = ref.find("controller");
    if (controller == ref.end() || !controller->is_boolean() || !controller->get<bool>()) continue;
    // At most one reference is the controller: it decides, match or not.
    if (StringAt(ref, "kind") != kind || GroupOf(StringAt(ref, "apiVersion")) != group) return std::nullopt;
    const std::string name = StringAt(ref, "name");
    if (name.empty()) return std::nullopt;
    const std::string ns = StringAt(*metadata, "namespace");
    return ns.empty() ? name : ns + "/" + name;
  }
  return std::nullopt;
}

}  // namespace

std::string ObjectKeyOf(const Json& object) {
  const Json* metadata = MetadataOf(object);
  if (metadata == nullptr) return "";
  const std::string name = StringAt(*metadata, "name");
  if (name.empty()) return "";
  const std::string ns = StringAt(*metadata, "namespace");
  return ns.empty() ? name : ns + "/" + name;
}

std::pair<std::string, std::string> SplitObjectKey(const std::string& key) {
  const size_t slash = key.find('/');
  if (slash == std::string::npos) return {"", key};
  return {key.substr(0, slash), key.substr(slash + 1)};
}

ResourceEventHandlers EnqueueSelf(WorkQueue& queue) {
  auto enqueue = [&queue](const Json& object) {
    if (std::string key = ObjectKeyOf(object); !key.empty()) queue.Add(key);
  };
  ResourceEventHandlers h;
  h.on_add = enqueue;
  h.on_update = [enqueue](const Json&, const Json& object) { enqueue(object); };
  h.on_delete = enqueue;
  return h;
}

ResourceEventHandlers EnqueueOwnerOf(WorkQueue& queue, const std::string& owner_kind,
                                     const std::string& owner_api_group) {
  auto enqueue = [&queue, owner_kind, owner_api_group](const Json& object) {
    if (auto key = ControllerOwnerKey(object, owner_kind, owner_api_group)) queue.Add(*key);
  };
  ResourceEventHandlers h;
  h.on_add = enqueue;
  h.on_update = [enqueue](const Json& old_object, const Json& object) {
    enqueue(old_object);  // the queue de-duplicates when the owner did not change
    enqueue(object);
  };
  h.on_delete = enqueue;
  return h;
}

ResourceEventHandlers EnqueueMapped(WorkQueue& queue, std::function<std::vector<std::string>(const Json& object)> map) {
  auto enqueue = [&queue, map = std::move(map)](const Json& object) {
    if (!map) return;
    for (const std::string& key : map(object)) queue.Add(key);
  };
  ResourceEventHandlers h;
  h.on_add = enqueue;
  h.on_update = [enqueue](const Json& old_object, const Json& object) {
    enqueue(old_object);
    enqueue(object);
  };
  h.on_delete = enqueue;
  return h;
}

}  // namespace srfleet::agent
