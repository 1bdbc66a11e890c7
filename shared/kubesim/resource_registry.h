// What a cluster serves: the built-in resource types (a process-wide,
// immutable table) plus the custom types installed through CRDs and the
// "loose" stand-ins for optional add-on APIs (Route, Gateway, InferenceService).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "shared/schema/schema_node.h"

namespace srfleet::kubesim {

struct CrdDefinition;

// Which discovery flag makes an optional group appear.
enum class AddOn { kNone, kOpenShift, kGatewayApi, kKServe };

struct ResourceType {
  std::string group;                  // "" for the core group
  std::vector<std::string> versions;  // served versions, preferred first
  std::string storage_version;        // objects are kept in this version
  std::string resource;               // plural, e.g. "deployments"
  std::string singular;               // "" for built-ins (1.26 discovery publishes "")
  std::string kind;
  std::string list_kind;
  bool namespaced = true;
  bool status_subresource = false;
  // metadata.generation is maintained (set to 1, bumped on spec changes).
  bool has_generation = false;
  // Deployments also bump generation on annotation changes.
  bool generation_tracks_annotations = false;
  // DELETE answers with the object instead of a Status (ReturnDeletedObject).
  bool return_deleted_object = false;
  // Stored unstructured (custom resources): keys sorted, list items carry type meta.
  bool unstructured = false;
  bool deletecollection = true;
  std::vector<std::string> short_names;
  std::vector<std::string> categories;
  // Per served version (same order as `versions`); nullptr: no schema.
  std::vector<const schema::SchemaNode*> schemas;
  AddOn add_on = AddOn::kNone;
  // Keeps the compiled schemas alive for CRD-backed types.
  std::shared_ptr<const CrdDefinition> crd;

  std::string ApiVersion(const std::string& version) const {
    return group.empty() ? version : group + "/" + version;
  }
  std::string StorageApiVersion() const { return ApiVersion(storage_version); }
  bool Serves(const std::string& version) const;
  const schema::SchemaNode* SchemaFor(const std::string& version) const;
};

// Built-in types, shared by every cluster.
const std::vector<std::shared_ptr<const ResourceType>>& BuiltinTypes();
// Loose stand-ins (preserve-unknown-fields schema, status subresource).
const std::vector<std::shared_ptr<const ResourceType>>& LooseAddOnTypes();

using TypeId = uint32_t;

// One cluster's view: ids are stable for the life of the cluster (a removed
// CRD leaves a hole), so object keys can use them.
class ResourceRegistry {
 public:
  ResourceRegistry();

  struct Resolved {
    TypeId id = 0;
    const ResourceType* type = nullptr;
    std::string version;
  };

  // Group/version/resource as in a URL; only currently served types.
  std::optional<Resolved> Find(const std::string& group, const std::string& version,
                               const std::string& resource) const;
  std::optional<Resolved> FindKind(const std::string& api_version, const std::string& kind) const;
  const ResourceType* Get(TypeId id) const;
  std::optional<TypeId> IdOf(const std::string& group, const std::string& resource) const;
  std::vector<TypeId> ServedIds() const;
  // One past the largest id handed out (ids of removed types included).
  TypeId IdLimit() const { return static_cast<TypeId>(entries_.size()); }

  bool IsServed(TypeId id) const;
  void SetAddOns(bool openshift, bool gateway_api, bool kserve);

  // Installs (or replaces, keeping the id) a CRD-backed type for its
  // group+resource. Returns its id.
  TypeId InstallCustom(std::shared_ptr<const ResourceType> type);
  // Removes a CRD-backed type; a loose stand-in for the same group+resource
  // comes back. Returns the id whose objects must go.
  std::optional<TypeId> RemoveCustom(const std::string& group, const std::string& resource);
  // Custom types only, in install order (for discovery).
  std::vector<TypeId> CustomIds() const;

  size_t ApproximateBytes() const;

 private:
  struct Entry {
    std::shared_ptr<const ResourceType> type;  // null: removed
    std::shared_ptr<const ResourceType> loose;  // stand-in to restore when the CRD goes
    bool custom = false;
    uint64_t install_seq = 0;
  };
  bool AddOnOn(AddOn a) const;

  std::vector<Entry> entries_;
  uint64_t install_seq_ = 0;
  bool openshift_ = false, gateway_api_ = false, kserve_ = false;
};

}  // namespace srfleet::kubesim
