#include "agent/reconcile/secret_values.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "agent/reconcile/json_fields.h"

namespace srfleet::agent {
namespace {

void Collect(const Json& node, std::set<render::SecretKeyRef>& out) {
  if (node.is_object()) {
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (it.key() == "password_secret_ref" && it.value().is_object()) {
        render::SecretKeyRef ref{StringField(it.value(), {"name"}), StringField(it.value(), {"key"})};
        if (!ref.name.empty() && !ref.key.empty()) out.insert(ref);
        continue;
      }
      Collect(it.value(), out);
    }
  } else if (node.is_array()) {
    for (const auto& v : node) Collect(v, out);
  }
}

}  // namespace

std::set<render::SecretKeyRef> SecretRefsOf(const Json& spec) {
  std::set<render::SecretKeyRef> out;
  if (const Json* config = FindField(spec, {"config"})) Collect(*config, out);
  return out;
}

SecretValues ReadSecretValues(kube::KubeClient& client, const std::string& ns,
                              const std::set<render::SecretKeyRef>& refs) {
  SecretValues out;
  std::map<std::string, absl::StatusOr<Json>> secrets;  // one GET per Secret
  for (const auto& ref : refs) {
    auto it = secrets.find(ref.name);
    if (it == secrets.end()) {
      it = secrets.emplace(ref.name, client.Get(kube::ResourceRef::Core("secrets", ns, ref.name))).first;
    }
    const absl::StatusOr<Json>& secret = it->second;
    if (!secret.ok()) {
      if (kube::IsNotFound(secret.status())) {
        out.problems.push_back(absl::StrCat("Secret ", ns, "/", ref.name, " (key ", ref.key,
                                            ") not found; create it or fix password_secret_ref"));
      } else {
        out.transient_error = true;
        out.problems.push_back(
            absl::StrCat("Secret ", ns, "/", ref.name, " could not be read: ", secret.status().message()));
      }
      continue;
    }
    const Json* data = FindField(*secret, {"data", ref.key.c_str()});
    std::string decoded;
    if (!data || !data->is_string() || !absl::Base64Unescape(data->get<std::string>(), &decoded)) {
      out.problems.push_back(absl::StrCat("Secret ", ns, "/", ref.name, " has no key \"", ref.key,
                                          "\"; add it or fix password_secret_ref.key"));
      continue;
    }
    out.values[ref] = std::move(decoded);
  }
  return out;
}

}  // namespace srfleet::agent
