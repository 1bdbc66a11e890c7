#include "shared/kube/resource_ref.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "shared/kube/url.h"

namespace srfleet::kube {

ResourceRef ResourceRef::Core(std::string resource, std::string ns, std::string name) {
  return ResourceRef{"", "v1", std::move(resource), std::move(ns), std::move(name), ""};
}

ResourceRef ResourceRef::Grouped(std::string group, std::string version, std::string resource,
                                 std::string ns, std::string name) {
  return ResourceRef{std::move(group), std::move(version), std::move(resource),
                     std::move(ns),    std::move(name),    ""};
}

ResourceRef ResourceRef::WithName(std::string new_name) const {
  ResourceRef r = *this;
  r.name = std::move(new_name);
  return r;
}

ResourceRef ResourceRef::WithNamespace(std::string new_ns) const {
  ResourceRef r = *this;
  r.ns = std::move(new_ns);
  return r;
}

ResourceRef ResourceRef::WithSubresource(std::string sub) const {
  ResourceRef r = *this;
  r.subresource = std::move(sub);
  return r;
}

std::string ResourceRef::GroupVersion() const {
  return group.empty() ? version : absl::StrCat(group, "/", version);
}

std::string ResourceRef::GroupVersionPath() const {
  return group.empty() ? absl::StrCat("/api/", PercentEncode(version))
                       : absl::StrCat("/apis/", PercentEncode(group), "/", PercentEncode(version));
}

std::string ResourceRef::CollectionPath() const {
  std::string path = GroupVersionPath();
  if (!ns.empty()) absl::StrAppend(&path, "/namespaces/", PercentEncode(ns));
  absl::StrAppend(&path, "/", PercentEncode(resource));
  return path;
}

std::string ResourceRef::Path() const {
  std::string path = CollectionPath();
  if (name.empty()) return path;
  absl::StrAppend(&path, "/", PercentEncode(name));
  if (!subresource.empty()) absl::StrAppend(&path, "/", PercentEncode(subresource));
  return path;
}

std::string ResourceRef::ResourceLabel() const {
  return subresource.empty() ? resource : absl::StrCat(resource, "/", subresource);
}

absl::Status ResourceRef::Validate(bool need_name) const {
  if (version.empty()) return absl::InvalidArgumentError(absl::StrCat("resource \"", resource, "\": no version"));
  if (resource.empty()) return absl::InvalidArgumentError("resource reference without a resource");
  if ((need_name || !subresource.empty()) && name.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(ResourceLabel(), ": an object name is required"));
  }
  return absl::OkStatus();
}

}  // namespace srfleet::kube
