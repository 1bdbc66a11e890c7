// Which object or collection a request is about, and its URL path.
#pragma once

#include <string>

#include "absl/status/status.h"

namespace srfleet::kube {

struct ResourceRef {
  std::string group;        // "" for the core group
  std::string version;      // "v1"
  std::string resource;     // plural, lower-case: "configmaps"
  std::string ns;           // "" for cluster-scoped resources (or all namespaces in a list)
  std::string name;         // "" for the collection
  std::string subresource;  // "status", "scale", ...

  // Builders for the common shapes.
  static ResourceRef Core(std::string resource, std::string ns = "", std::string name = "");
  static ResourceRef Grouped(std::string group, std::string version, std::string resource,
                             std::string ns = "", std::string name = "");
  ResourceRef WithName(std::string new_name) const;
  ResourceRef WithNamespace(std::string new_ns) const;
  ResourceRef WithSubresource(std::string sub) const;

  // "v1" or "apps/v1".
  std::string GroupVersion() const;
  // "/api/v1" or "/apis/apps/v1".
  std::string GroupVersionPath() const;
  // The collection: /api/v1/namespaces/{ns}/{resource} (or without the
  // namespace part when ns is empty).
  std::string CollectionPath() const;
  // The object: CollectionPath()/{name}[/{subresource}]; the collection
  // when name is empty.
  std::string Path() const;
  // "configmaps" or "deployments/status" (for metrics and messages).
  std::string ResourceLabel() const;

  // version and resource set; name set when a subresource is.
  absl::Status Validate(bool need_name) const;
};

}  // namespace srfleet::kube
