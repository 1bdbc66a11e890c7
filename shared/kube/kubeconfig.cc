// LoadKubeconfig / LoadFromEnvironment: the subset of kubeconfig that a
// controller needs (token and client-certificate credentials).
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "shared/json/yaml_codec.h"
#include "shared/kube/file_util.h"
#include "shared/kube/rest_config.h"
#include "shared/kube/url.h"

namespace srfleet::kube {
namespace {

using internal::ReadWholeFile;

// Errors all read "kubeconfig <path>: <problem>".
class Reporter {
 public:
  explicit Reporter(std::string path) : path_(std::move(path)) {}
  absl::Status Invalid(const std::string& what) const {
    return absl::InvalidArgumentError(absl::StrCat("kubeconfig ", path_, ": ", what));
  }
  absl::Status Missing(const std::string& what) const {
    return absl::NotFoundError(absl::StrCat("kubeconfig ", path_, ": ", what));
  }
  absl::Status Unsupported(const std::string& what) const {
    return absl::UnimplementedError(absl::StrCat("kubeconfig ", path_, ": ", what));
  }

 private:
  std::string path_;
};

std::string Str(const Json& object, const char* key) {
  if (!object.is_object()) return "";
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return "";
  if (it->is_string()) return it->get<std::string>();
  return it->dump();  // a scalar the YAML codec typed (e.g. a numeric token)
}

bool Bool(const Json& object, const char* key) {
  if (!object.is_object()) return false;
  auto it = object.find(key);
  if (it == object.end()) return false;
  if (it->is_boolean()) return it->get<bool>();
  return it->is_string() && it->get<std::string>() == "true";
}

// Finds the entry named `name` in a clusters/users/contexts list and returns
// its `field` (cluster/user/context) object.
const Json* FindNamed(const Json& root, const char* list, const char* field, const std::string& name) {
  auto it = root.find(list);
  if (it == root.end() || !it->is_array()) return nullptr;
  for (const Json& entry : *it) {
    if (Str(entry, "name") != name) continue;
    auto f = entry.find(field);
    static const Json kEmpty = Json::object();
    return f != entry.end() && f->is_object() ? &*f : &kEmpty;
  }
  return nullptr;
}

absl::StatusOr<std::string> DecodeBase64Field(const Reporter& report, const std::string& where,
                                              const char* field, const std::string& value) {
  std::string compact;
  for (char c : value) {
    if (c != '\n' && c != '\r' && c != ' ' && c != '\t') compact.push_back(c);
  }
  std::string decoded;
  if (!absl::Base64Unescape(compact, &decoded)) {
    return report.Invalid(absl::StrCat(where, ": ", field, " is not valid base64"));
  }
  return decoded;
}

// Reads the `file_field` path (relative to the kubeconfig's directory) or
// decodes `data_field`; data wins when both are set, as in client-go.
absl::StatusOr<std::string> FileOrData(const Reporter& report, const std::filesystem::path& base_dir,
                                       const std::string& where, const Json& object, const char* file_field,
                                       const char* data_field) {
  const std::string data = Str(object, data_field);
  if (!data.empty()) return DecodeBase64Field(report, where, data_field, data);
  std::string file = Str(object, file_field);
  if (file.empty()) return std::string();
  std::filesystem::path p(file);
  if (p.is_relative()) p = base_dir / p;
  absl::StatusOr<std::string> content = ReadWholeFile(p.string());
  if (!content.ok()) {
    return report.Invalid(absl::StrCat(where, ": ", file_field, " ", content.status().message()));
  }
  return content;
}

absl::Status CheckPem(const Reporter& report, const std::string& where, const char* field,
                      const std::string& pem) {
  if (!pem.empty() && pem.find("-----BEGIN") == std::string::npos) {
    return report.Invalid(absl::StrCat(where, ": ", field, " does not contain PEM data"));
  }
  return absl::OkStatus();
}

absl::Status ApplyCluster(const Reporter& report, const std::filesystem::path& base_dir,
                          const std::string& name, const Json& cluster, RestConfig& out) {
  const std::string where = absl::StrCat("cluster \"", name, "\"");
  out.server = Str(cluster, "server");
  if (out.server.empty()) return report.Invalid(absl::StrCat(where, ": server is not set"));
  if (absl::StatusOr<ServerUrl> url = ParseServerUrl(out.server); !url.ok()) {
    return report.Invalid(absl::StrCat(where, ": ", url.status().message()));
  }
  if (!Str(cluster, "proxy-url").empty()) {
    return report.Unsupported(absl::StrCat(where, ": proxy-url is not supported"));
  }
  out.insecure_skip_tls_verify = Bool(cluster, "insecure-skip-tls-verify");
  out.tls_server_name = Str(cluster, "tls-server-name");
  absl::StatusOr<std::string> ca =
      FileOrData(report, base_dir, where, cluster, "certificate-authority", "certificate-authority-data");
  if (!ca.ok()) return ca.status();
  const char* ca_field = Str(cluster, "certificate-authority-data").empty() ? "certificate-authority"
                                                                            : "certificate-authority-data";
  if (absl::Status s = CheckPem(report, where, ca_field, *ca); !s.ok()) return s;
  out.ca_pem = *std::move(ca);
  if (out.insecure_skip_tls_verify && !out.ca_pem.empty()) {
    // kubectl refuses this combination too: it is almost always a mistake.
    return report.Invalid(
        absl::StrCat(where, ": insecure-skip-tls-verify cannot be combined with a certificate authority"));
  }
  return absl::OkStatus();
}

absl::Status ApplyUser(const Reporter& report, const std::filesystem::path& base_dir, const std::string& name,
                       const Json& user, RestConfig& out) {
  const std::string where = absl::StrCat("user \"", name, "\"");
  if (user.contains("exec")) {
    return report.Unsupported(
        absl::StrCat(where, ": exec credential plugins are not supported: use a token or client certificate"));
  }
  if (user.contains("auth-provider")) {
    return report.Unsupported(
        absl::StrCat(where, ": auth-provider is not supported: use a token or client certificate"));
  }
  if (!Str(user, "username").empty() || !Str(user, "password").empty()) {
    return report.Unsupported(
        absl::StrCat(where, ": basic authentication is not supported: use a token or client certificate"));
  }
  if (user.contains("as") || user.contains("as-groups")) {
    return report.Unsupported(absl::StrCat(where, ": impersonation is not supported"));
  }
  out.bearer_token = Str(user, "token");
  const std::string token_file = Str(user, "tokenFile");
  if (out.bearer_token.empty() && !token_file.empty()) {
    std::filesystem::path p(token_file);
    if (p.is_relative()) p = base_dir / p;
    absl::StatusOr<std::string> token = ReadWholeFile(p.string());
    if (!token.ok()) return report.Invalid(absl::StrCat(where, ": tokenFile ", token.status().message()));
    out.bearer_token = internal::TrimWhitespace(*std::move(token));
    out.token_file = p.string();
  }
  absl::StatusOr<std::string> cert =
      FileOrData(report, base_dir, where, user, "client-certificate", "client-certificate-data");
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key = FileOrData(report, base_dir, where, user, "client-key", "client-key-data");
  if (!key.ok()) return key.status();
  if (cert->empty() != key->empty()) {
    return report.Invalid(absl::StrCat(where, cert->empty() ? ": client-key is set without a client-certificate"
                                                            : ": client-certificate is set without a client-key"));
  }
  if (absl::Status s = CheckPem(report, where, "client certificate", *cert); !s.ok()) return s;
  if (absl::Status s = CheckPem(report, where, "client key", *key); !s.ok()) return s;
  out.client_cert_pem = *std::move(cert);
  out.client_key_pem = *std::move(key);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<RestConfig> LoadKubeconfig(const std::string& path, const std::string& context_name) {
  const Reporter report(path);
  absl::StatusOr<std::string> text = ReadWholeFile(path);
  if (!text.ok()) {
    return absl::Status(text.status().code(), absl::StrCat("kubeconfig ", text.status().message()));
  }
  absl::StatusOr<Json> root = ParseYaml(*text);
  if (!root.ok()) return report.Invalid(absl::StrCat("invalid YAML: ", root.status().message()));
  if (!root->is_object()) return report.Invalid("not a kubeconfig (expected a mapping at the top level)");
  const std::filesystem::path base_dir = std::filesystem::absolute(path).parent_path();

  std::string ctx_name = context_name.empty() ? Str(*root, "current-context") : context_name;
  if (ctx_name.empty()) return report.Invalid("no current-context is set and no context was requested");
  const Json* context = FindNamed(*root, "contexts", "context", ctx_name);
  if (context == nullptr) return report.Missing(absl::StrCat("context \"", ctx_name, "\" not found"));

  const std::string cluster_name = Str(*context, "cluster");
  if (cluster_name.empty()) return report.Invalid(absl::StrCat("context \"", ctx_name, "\" names no cluster"));
  const Json* cluster = FindNamed(*root, "clusters", "cluster", cluster_name);
  if (cluster == nullptr) {
    return report.Missing(
        absl::StrCat("context \"", ctx_name, "\": cluster \"", cluster_name, "\" not found"));
  }
  RestConfig config;
  if (absl::Status s = ApplyCluster(report, base_dir, cluster_name, *cluster, config); !s.ok()) return s;

  // A context without a user is anonymous access, which is legal.
  if (const std::string user_name = Str(*context, "user"); !user_name.empty()) {
    const Json* user = FindNamed(*root, "users", "user", user_name);
    if (user == nullptr) {
      return report.Missing(absl::StrCat("context \"", ctx_name, "\": user \"", user_name, "\" not found"));
    }
    if (absl::Status s = ApplyUser(report, base_dir, user_name, *user, config); !s.ok()) return s;
  }
  if (const std::string ns = Str(*context, "namespace"); !ns.empty()) config.ns = ns;
  return config;
}

absl::StatusOr<RestConfig> LoadFromEnvironment(const std::string& context_name) {
  if (const char* env = std::getenv("KUBECONFIG"); env != nullptr && *env != '\0') {
    const std::string list = env;
    for (const std::string& candidate : std::vector<std::string>(absl::StrSplit(list, ':', absl::SkipEmpty()))) {
      if (internal::FileExists(candidate)) return LoadKubeconfig(candidate, context_name);
    }
    return absl::NotFoundError(absl::StrCat("KUBECONFIG=", list, ": none of these files exists"));
  }
  const char* home = std::getenv("HOME");
  if (home == nullptr || *home == '\0') {
    return absl::NotFoundError("no kubeconfig: KUBECONFIG and HOME are not set");
  }
  const std::string path = absl::StrCat(std::string(home), "/.kube/config");
  if (!internal::FileExists(path)) {
    return absl::NotFoundError(absl::StrCat("no kubeconfig: KUBECONFIG is not set and ", path, " does not exist"));
  }
  return LoadKubeconfig(path, context_name);
}

}  // namespace srfleet::kube
