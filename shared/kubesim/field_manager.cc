#include "shared/kubesim/field_manager.h"

#include <algorithm>
#include <exception>
#include <map>
#include <tuple>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "shared/kubesim/field_set.h"
#include "shared/kubesim/managed_fields_typed.h"

namespace srfleet::kubesim {
namespace {

constexpr char kApply[] = "Apply";
constexpr char kUpdate[] = "Update";
// The real server's name for whoever wrote an object that has no
// managedFields when it is first applied: it owns everything already there.
constexpr char kBeforeFirstApply[] = "before-first-apply";
// Past this many Update entries the oldest are folded into one per apiVersion.
constexpr size_t kMaxUpdateManagers = 10;
constexpr char kAncientChanges[] = "ancient-changes";

struct ManagerEntry {
  std::string manager;
  std::string operation;
  std::string api_version;
  std::string time;
  std::string subresource;
  FieldSet fields;

  // The server's manager identity: Apply entries ignore the apiVersion.
  bool Is(const std::string& m, const std::string& op, const std::string& version, const std::string& sub) const {
    return manager == m && operation == op && subresource == sub && (op == kApply || api_version == version);
  }
};

std::string StringField(const Json& object, const char* key) {
  if (!object.is_object()) return "";
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

const Json* FindManagedFields(const Json& object) {
  if (!object.is_object()) return nullptr;
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return nullptr;
  auto mf = meta->find("managedFields");
  return mf == meta->end() ? nullptr : &*mf;
}

Json WithoutManagedFields(const Json& object) {
  Json out = object;
  if (auto meta = out.find("metadata"); meta != out.end() && meta->is_object()) meta->erase("managedFields");
  return out;
}

// Replaces (in place, keeping key order) or appends metadata.managedFields;
// an empty list removes it, as the server omits an empty managedFields.
void SetManagedFields(Json& object, Json encoded) {
  auto meta = object.find("metadata");
  if (encoded.empty()) {
    if (meta != object.end() && meta->is_object()) meta->erase("managedFields");
    return;
  }
  if (meta == object.end() || !meta->is_object()) {
    object["metadata"] = Json::object();
    meta = object.find("metadata");
  }
  (*meta)["managedFields"] = std::move(encoded);
}

// Entries that do not decode are dropped, as the real server resets
// managedFields it cannot read rather than failing the write.
std::vector<ManagerEntry> DecodeManagedFields(const Json& object) {
  std::vector<ManagerEntry> out;
  const Json* mf = FindManagedFields(object);
  if (!mf || !mf->is_array()) return out;
  for (const auto& e : *mf) {
    if (!e.is_object()) continue;
    ManagerEntry entry{StringField(e, "manager"), StringField(e, "operation"),   StringField(e, "apiVersion"),
                       StringField(e, "time"),    StringField(e, "subresource"), FieldSet()};
    if (entry.operation != kApply && entry.operation != kUpdate) continue;
    if (e.contains("fieldsType") && StringField(e, "fieldsType") != "FieldsV1") continue;
    if (auto fields = e.find("fieldsV1"); fields != e.end()) {
      auto set = FieldSet::FromFieldsV1(*fields);
      if (!set.ok()) continue;
      entry.fields = std::move(*set);
    }
    auto same = std::find_if(out.begin(), out.end(), [&](const ManagerEntry& m) {
      return m.Is(entry.manager, entry.operation, entry.api_version, entry.subresource);
    });
    if (same != out.end()) {
      same->fields = same->fields.Union(entry.fields);
    } else {
      out.push_back(std::move(entry));
    }
  }
  return out;
}

// The server's order: operation (Apply < Update), time, manager, apiVersion,
// subresource. RFC 3339 UTC times of one format sort as strings.
Json EncodeManagedFields(std::vector<ManagerEntry> entries) {
  std::stable_sort(entries.begin(), entries.end(), [](const ManagerEntry& a, const ManagerEntry& b) {
    return std::tie(a.operation, a.time, a.manager, a.api_version, a.subresource) <
           std::tie(b.operation, b.time, b.manager, b.api_version, b.subresource);
  });
  Json out = Json::array();
  for (const auto& e : entries) {
    if (e.fields.empty()) continue;
    Json j = Json::object();
    j["manager"] = e.manager;
    j["operation"] = e.operation;
    if (!e.api_version.empty()) j["apiVersion"] = e.api_version;
    if (!e.time.empty()) j["time"] = e.time;
    j["fieldsType"] = "FieldsV1";
    j["fieldsV1"] = e.fields.ToFieldsV1();
    if (!e.subresource.empty()) j["subresource"] = e.subresource;
    out.push_back(std::move(j));
  }
  return out;
}

FieldSet MakeSet(const std::vector<std::vector<std::string>>& paths) {
  FieldSet set;
  for (const auto& names : paths) {
    Path path;
    for (const auto& n : names) path.push_back(PathElement::Field(n));
    set.Insert(path);
  }
  return set;
}

// Reset fields: never owned through the main resource (status) or through
// the status subresource (spec).
const FieldSet& StatusFields() {
  static const FieldSet kSet = MakeSet({{"status"}});
  return kSet;
}
const FieldSet& SpecFields() {
  static const FieldSet kSet = MakeSet({{"spec"}});
  return kSet;
}

// What the server strips from every entry (stripMetaManager): identity and
// server-owned metadata.
FieldSet StripMeta(const FieldSet& set) {
  static const FieldSet kMetadataItself = MakeSet({{"metadata"}});
  static const FieldSet kServerOwned = MakeSet({{"apiVersion"},
                                                {"kind"},
                                                {"metadata", "name"},
                                                {"metadata", "namespace"},
                                                {"metadata", "creationTimestamp"},
                                                {"metadata", "selfLink"},
                                                {"metadata", "uid"},
                                                {"metadata", "clusterName"},
                                                {"metadata", "generation"},
                                                {"metadata", "managedFields"},
                                                {"metadata", "resourceVersion"},
                                                {"metadata", "deletionTimestamp"}});
  return set.Difference(kMetadataItself).RecursiveDifference(kServerOwned);
}

// What a create is compared against: the server starts from an empty object
// of the type, in which Go structs held by value already exist (metadata;
// for built-in types also spec and the pod template's metadata and spec), so
// they are not "added" and get no "." of their own.
Json CreateBaseline(const Json& object, bool builtin) {
  Json base = Json::object();
  base["metadata"] = Json::object();
  if (!builtin || !object.is_object()) return base;
  auto spec = object.find("spec");
  if (spec == object.end() || !spec->is_object()) return base;
  base["spec"] = Json::object();
  auto tmpl = spec->find("template");
  if (tmpl == spec->end() || !tmpl->is_object()) return base;
  Json tb = Json::object();
  for (const char* part : {"metadata", "spec"}) {
    if (auto it = tmpl->find(part); it != tmpl->end() && it->is_object()) tb[part] = Json::object();
  }
  base["spec"]["template"] = std::move(tb);
  return base;
}

// The server-owned parts of an applied configuration are never applied.
Json SanitizeApplied(const Json& config) {
  Json out = config;
  out.erase("status");
  if (auto meta = out.find("metadata"); meta != out.end() && meta->is_object()) {
    for (const char* key : {"managedFields", "uid", "resourceVersion", "generation", "creationTimestamp",
                            "deletionTimestamp", "selfLink"}) {
      meta->erase(key);
    }
  }
  return out;
}

void DropEmptyEntries(std::vector<ManagerEntry>& managers) {
  managers.erase(
      std::remove_if(managers.begin(), managers.end(), [](const ManagerEntry& m) { return m.fields.empty(); }),
      managers.end());
}

// SMD Updater.Update, as the server runs it (under a temporary manager, so
// the writer's entry changes, and gets a new time, only if the write changed
// something): changed fields move to the writer, removed fields leave everyone.
void TrackUpdate(const Json& before, const Json& after, const std::string& manager, const std::string& api_version,
                 const std::string& subresource, const std::string& now, const Shape& root, const FieldSet& ignored,
                 std::vector<ManagerEntry>& managers) {
  Comparison cmp = CompareObjects(before, after, root);
  FieldSet changed = cmp.modified.Union(cmp.added).RecursiveDifference(ignored);
  FieldSet removed = cmp.removed.RecursiveDifference(ignored);
  for (auto& m : managers) m.fields = m.fields.Difference(changed).Difference(removed);
  FieldSet mine = StripMeta(changed);
  if (!mine.empty()) {
    auto it = std::find_if(managers.begin(), managers.end(),
                           [&](const ManagerEntry& m) { return m.Is(manager, kUpdate, api_version, subresource); });
    if (it == managers.end()) {
      managers.push_back(ManagerEntry{manager, kUpdate, api_version, now, subresource, FieldSet()});
      it = managers.end() - 1;
    }
    it->fields = it->fields.Union(mine);
    it->time = now;
  }
  DropEmptyEntries(managers);
}

// The server's capManagersManager: with more than kMaxUpdateManagers Update
// entries, the oldest are merged, per apiVersion, into an "ancient-changes"
// entry (which takes the time of the latest entry merged), so controllers
// that come and go cannot grow managedFields without bound.
void CapUpdateManagers(std::vector<ManagerEntry>& managers) {
  std::vector<size_t> updaters;
  for (size_t i = 0; i < managers.size(); ++i) {
    if (managers[i].operation == kUpdate) updaters.push_back(i);
  }
  if (updaters.size() <= kMaxUpdateManagers) return;
  std::stable_sort(updaters.begin(), updaters.end(), [&](size_t a, size_t b) {
    return std::tie(managers[a].time, managers[a].manager) < std::tie(managers[b].time, managers[b].manager);
  });
  std::vector<bool> merged_away(managers.size(), false);
  std::map<std::string, size_t> first_of_version;
  size_t remaining = updaters.size();
  for (size_t i = 0; i < updaters.size() && remaining > kMaxUpdateManagers; ++i) {
    ManagerEntry& m = managers[updaters[i]];
    auto first = first_of_version.find(m.api_version);
    if (first == first_of_version.end()) {
      first_of_version.emplace(m.api_version, updaters[i]);
      continue;
    }
    size_t bucket = managers.size();
    for (size_t j = 0; j < managers.size(); ++j) {
      if (!merged_away[j] && managers[j].Is(kAncientChanges, kUpdate, m.api_version, "")) bucket = j;
    }
    if (bucket == managers.size()) {  // the first entry of this version becomes the bucket
      bucket = first->second;
      managers[bucket].manager = kAncientChanges;
      managers[bucket].subresource.clear();
    }
    managers[bucket].fields = m.fields.Union(managers[bucket].fields);
    managers[bucket].time = m.time;
    merged_away[updaters[i]] = true;
    --remaining;
  }
  std::vector<ManagerEntry> kept;
  for (size_t i = 0; i < managers.size(); ++i) {
    if (!merged_away[i]) kept.push_back(std::move(managers[i]));
  }
  managers = std::move(kept);
}

// Identity and server-owned metadata survive any pruning (SMD would drop a
// whole "metadata" that the applier owned before and no longer sets at all).
void KeepServerOwnedMetadata(Json& merged, const Json& live) {
  auto live_meta = live.find("metadata");
  if (live_meta == live.end() || !live_meta->is_object()) return;
  if (!merged.contains("metadata") || !merged["metadata"].is_object()) merged["metadata"] = Json::object();
  Json& meta = merged["metadata"];
  for (const char* key : {"name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp",
                          "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink"}) {
    if (auto it = live_meta->find(key); it != live_meta->end() && !meta.contains(key)) meta[key] = *it;
  }
}

// SMD Updater.prune: removes from `merged` what the applier owned last time
// (`last`) and nobody owns now (the applier's new set included), but nothing
// that the applier never owned.
Json Prune(const Json& merged, const std::vector<ManagerEntry>& managers, const FieldSet& last, const Shape& root) {
  if (last.empty()) return merged;
  FieldSet last_all = EnsureNamedFieldsAreMembers(last, root);
  Json pruned = merged;
  RemoveItems(pruned, last_all, root);

  // Add back whatever anyone owns.
  FieldSet managed;
  for (const auto& m : managers) managed = managed.Union(m.fields);
  managed = EnsureNamedFieldsAreMembers(managed, root);
  FieldSet merged_set = EnsureNamedFieldsAreMembers(ToFieldSet(merged, root), root);
  FieldSet pruned_set = EnsureNamedFieldsAreMembers(ToFieldSet(pruned, root), root);
  Json owned = merged;
  RemoveItems(owned, merged_set.Difference(pruned_set.Union(managed)), root);

  // And only remove what the applier did own.
  FieldSet owned_set = EnsureNamedFieldsAreMembers(ToFieldSet(owned, root), root);
  Json out = merged;
  RemoveItems(out, merged_set.Difference(owned_set).Intersection(last_all), root);
  return out;
}

absl::StatusOr<ApplyOutcome> Apply(const Json* live, const Json& config, const std::string& manager, bool force,
                                   const std::string& now, const schema::SchemaNode* schema) {
  if (manager.empty()) return absl::InvalidArgumentError("fieldManager is required for apply requests");
  if (!config.is_object()) return absl::InvalidArgumentError("the applied configuration must be an object");
  const std::string api_version = StringField(config, "apiVersion");
  if (api_version.empty()) return absl::InvalidArgumentError("apiVersion must be set in the applied configuration");
  if (StringField(config, "kind").empty()) {
    return absl::InvalidArgumentError("kind must be set in the applied configuration");
  }
  if (live && !live->is_object()) return absl::InvalidArgumentError("the live object must be an object");

  const Shape root = Shape::ForObject(schema);
  if (absl::Status s = ValidateAppliedLists(config, root); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("failed to create typed patch object: ", s.message()));
  }
  const Json applied = SanitizeApplied(config);
  const Json live_clean = live ? WithoutManagedFields(*live) : Json::object();

  std::vector<ManagerEntry> managers;
  if (live) {
    managers = DecodeManagedFields(*live);
    if (managers.empty()) {
      TrackUpdate(CreateBaseline(live_clean, schema == nullptr), live_clean, kBeforeFirstApply,
                  StringField(*live, "apiVersion"), "", now, root, StatusFields(), managers);
    }
  }

  auto self = std::find_if(managers.begin(), managers.end(),
                           [&](const ManagerEntry& m) { return m.Is(manager, kApply, "", ""); });
  const bool is_new = self == managers.end();
  const FieldSet last = is_new ? FieldSet() : self->fields;
  if (is_new) {
    managers.push_back(ManagerEntry{manager, kApply, api_version, now, "", FieldSet()});
    self = managers.end() - 1;
  }
  const size_t self_index = static_cast<size_t>(self - managers.begin());
  const FieldSet applied_set = ToFieldSet(applied, root).RecursiveDifference(StatusFields());
  managers[self_index].fields = applied_set;

  Json merged = Prune(MergeObjects(live_clean, applied, root), managers, last, root);
  KeepServerOwnedMetadata(merged, live_clean);

  // Conflicts: fields this apply sets to a new value that others own.
  Comparison cmp = CompareObjects(live_clean, merged, root);
  FieldSet changed = cmp.modified.Union(cmp.added).RecursiveDifference(StatusFields());
  FieldSet removed = cmp.removed.RecursiveDifference(StatusFields());
  std::vector<FieldSet> taken(managers.size());
  ApplyOutcome outcome;
  for (size_t i = 0; i < managers.size(); ++i) {
    if (i == self_index) continue;
    taken[i] = managers[i].fields.Intersection(changed);
    taken[i].ForEachMember([&](const Path& p) {
      outcome.conflicts.push_back(FieldConflict{managers[i].manager, PathToString(p)});
    });
  }
  if (!outcome.conflicts.empty() && !force) return outcome;
  outcome.conflicts.clear();

  for (size_t i = 0; i < managers.size(); ++i) {
    if (i == self_index) continue;
    managers[i].fields = managers[i].fields.Difference(taken[i]).Difference(removed);
  }
  ManagerEntry& mine = managers[self_index];
  mine.fields = StripMeta(applied_set);
  mine.api_version = api_version;
  const bool object_changed = !live || !JsonSemanticEqual(merged, live_clean);
  if (is_new || object_changed || !(mine.fields == last)) mine.time = now;
  DropEmptyEntries(managers);

  Json encoded = EncodeManagedFields(std::move(managers));
  SetManagedFields(merged, std::move(encoded));
  outcome.changed = !live || !JsonSemanticEqual(merged, *live);
  outcome.object = outcome.changed ? std::move(merged) : *live;
  return outcome;
}

// `[{}]`: the documented way to strip managedFields from an object.
bool IsResetRequest(const Json& managed_fields) {
  return managed_fields.is_array() && managed_fields.size() == 1 && managed_fields[0].is_object() &&
         managed_fields[0].empty();
}

}  // namespace

absl::StatusOr<ApplyOutcome> ApplyWithFieldManager(const Json* live, const Json& config, const std::string& manager,
                                                   bool force, const std::string& now_rfc3339,
                                                   const schema::SchemaNode* schema) {
  try {
    return Apply(live, config, manager, force, now_rfc3339, schema);
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("server-side apply failed: ", e.what()));
  }
}

Json RecordUpdate(const Json* old_object, const Json& new_object, const std::string& manager,
                  const std::string& now_rfc3339, const schema::SchemaNode* schema, const std::string& subresource) {
  try {
    if (!new_object.is_object() || (old_object && !old_object->is_object())) return new_object;
    const Json* new_mf = FindManagedFields(new_object);
    if (new_mf && IsResetRequest(*new_mf)) {
      Json out = new_object;
      SetManagedFields(out, Json::array());
      return out;
    }
    const Json* old_mf = old_object ? FindManagedFields(*old_object) : nullptr;
    // A request that carries managedFields different from the stored ones
    // replaces them (the server honors client-written managedFields).
    const bool client_set =
        new_mf && new_mf->is_array() && !new_mf->empty() && (!old_mf || !JsonSemanticEqual(*new_mf, *old_mf));
    std::vector<ManagerEntry> managers;
    if (client_set) {
      managers = DecodeManagedFields(new_object);
    } else if (old_object) {
      managers = DecodeManagedFields(*old_object);
    }

    const Shape root = Shape::ForObject(schema);
    const Json after = WithoutManagedFields(new_object);
    const Json before = old_object ? WithoutManagedFields(*old_object) : CreateBaseline(after, schema == nullptr);
    TrackUpdate(before, after, manager, StringField(new_object, "apiVersion"), subresource, now_rfc3339, root,
                subresource == "status" ? SpecFields() : StatusFields(), managers);
    CapUpdateManagers(managers);

    Json encoded = EncodeManagedFields(std::move(managers));
    // Unchanged ownership keeps the stored list byte for byte.
    if (old_mf && !client_set && JsonSemanticEqual(encoded, *old_mf)) encoded = *old_mf;
    Json out = new_object;
    SetManagedFields(out, std::move(encoded));
    return out;
  } catch (const std::exception&) {
    return new_object;
  }
}

}  // namespace srfleet::kubesim
