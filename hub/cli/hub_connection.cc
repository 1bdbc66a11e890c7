#include "hub/cli/hub_connection.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <grpcpp/grpcpp.h>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "hub/cli/exit_codes.h"
#include "shared/json/yaml_codec.h"

namespace srfleet::cli {
namespace {

namespace fs = std::filesystem;

// The config file's settings (unset: not in the file).
struct ConfigFile {
  std::optional<std::string> hub, ca, cert, key, server_name;
  std::optional<bool> insecure;
};

std::optional<std::string> NonEmpty(const std::optional<std::string>& v) {
  if (v.has_value() && !v->empty()) return v;
  return std::nullopt;
}

// "~/x" -> $HOME/x; relative -> beside the config file.
std::string ConfigRelativePath(const std::string& path, const fs::path& config_dir, const std::string& home) {
  if (path.rfind("~/", 0) == 0 && !home.empty()) return (fs::path(home) / path.substr(2)).string();
  fs::path p(path);
  if (p.is_absolute()) return path;
  return (config_dir / p).lexically_normal().string();
}

absl::Status ConfigError(const std::string& path, const std::string& problem) {
  return absl::FailedPreconditionError(absl::StrCat("config file ", path, ": ", problem));
}

absl::StatusOr<std::string> StringField(const Json& node, const std::string& path, const std::string& field) {
  if (!node.is_string()) return ConfigError(path, absl::StrCat(field, ": must be a string"));
  return node.get<std::string>();
}

absl::StatusOr<ConfigFile> ParseConfig(const std::string& path, const std::string& text, const std::string& home) {
  ConfigFile config;
  absl::StatusOr<std::vector<Json>> docs = ParseYamlDocuments(text);
  if (!docs.ok()) return ConfigError(path, std::string(docs.status().message()));
  if (docs->empty()) return config;  // empty, or only comments
  if (docs->size() > 1) return ConfigError(path, "must hold one YAML document");
  const Json* doc = &docs->front();
  if (doc->is_null()) return config;
  if (!doc->is_object()) return ConfigError(path, "must be a mapping (hub: ..., tls: {...})");
  const fs::path dir = fs::path(path).parent_path();
  // Strict: a misspelt key would otherwise silently fall back to a default.
  for (const auto& [key, value] : doc->items()) {
    if (key == "hub") {
      absl::StatusOr<std::string> hub = StringField(value, path, "hub");
      if (!hub.ok()) return hub.status();
      config.hub = *hub;
    } else if (key == "tls") {
      if (value.is_null()) continue;
      if (!value.is_object()) return ConfigError(path, "tls: must be a mapping (ca, cert, key, serverName, insecure)");
      for (const auto& [tkey, tvalue] : value.items()) {
        std::string field = absl::StrCat("tls.", tkey);
        if (tkey == "insecure") {
          if (!tvalue.is_boolean()) return ConfigError(path, "tls.insecure: must be true or false");
          config.insecure = tvalue.get<bool>();
          continue;
        }
        std::optional<std::string>* target = tkey == "ca"           ? &config.ca
                                             : tkey == "cert"       ? &config.cert
                                             : tkey == "key"        ? &config.key
                                             : tkey == "serverName" ? &config.server_name
                                                                    : nullptr;
        if (target == nullptr) {
          return ConfigError(path, absl::StrCat(field, ": unknown field (known: ca, cert, key, serverName, insecure)"));
        }
        absl::StatusOr<std::string> v = StringField(tvalue, path, field);
        if (!v.ok()) return v.status();
        *target = (tkey == "serverName" || v->empty()) ? *v : ConfigRelativePath(*v, dir, home);
      }
    } else {
      return ConfigError(path, absl::StrCat(key, ": unknown field (known: hub, tls)"));
    }
  }
  return config;
}

absl::StatusOr<bool> ParseBool(const std::string& name, const std::string& value) {
  std::string v = absl::AsciiStrToLower(absl::StripAsciiWhitespace(value));
  if (v == "1" || v == "true" || v == "yes") return true;
  if (v == "0" || v == "false" || v == "no" || v.empty()) return false;
  return absl::InvalidArgumentError(absl::StrCat(name, "=", value, ": must be 1 or 0 (true or false)"));
}

// Picks the first set, non-empty value, remembering where it came from.
std::string First(std::initializer_list<std::pair<std::optional<std::string>, std::string>> candidates,
                  std::string* source = nullptr) {
  for (const auto& [value, from] : candidates) {
    if (value.has_value() && !value->empty()) {
      if (source != nullptr) *source = from;
      return *value;
    }
  }
  return "";
}

bool IsReadable(const std::string& path) { return std::ifstream(path, std::ios::binary).good(); }

}  // namespace

EnvLookup ProcessEnvironment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

absl::StatusOr<absl::Duration> ParseTimeout(std::string_view text) {
  std::string t(absl::StripAsciiWhitespace(std::string(text)));
  absl::Duration d;
  int64_t seconds = 0;
  if (absl::SimpleAtoi(t, &seconds)) {
    d = absl::Seconds(seconds);
  } else if (!absl::ParseDuration(t, &d)) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid duration \"", std::string(text), "\" (examples: 10s, 1m30s, 500ms, 30)"));
  }
  if (d <= absl::ZeroDuration() || d == absl::InfiniteDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid duration \"", std::string(text), "\": must be positive and finite"));
  }
  return d;
}

std::string NormalizeHubAddress(const std::string& address) {
  std::string a(absl::StripAsciiWhitespace(address));
  for (const char* scheme : {"https://", "grpcs://", "http://", "grpc://"}) {
    if (a.rfind(scheme, 0) == 0) {
      a = a.substr(std::string(scheme).size());
      break;
    }
  }
  while (!a.empty() && a.back() == '/') a.pop_back();
  // gRPC target URIs name their own resolver; leave them alone.
  for (const char* uri : {"dns:", "unix:", "unix-abstract:", "ipv4:", "ipv6:", "vsock:"}) {
    if (a.rfind(uri, 0) == 0) return a;
  }
  if (a.empty()) return kDefaultHubAddress;
  bool has_port;
  if (a.front() == '[') {
    has_port = a.find("]:") != std::string::npos;
  } else {
    size_t colons = std::count(a.begin(), a.end(), ':');
    has_port = colons == 1;
    if (colons > 1) return absl::StrCat("[", a, "]:", kDefaultHubPort);  // a bare IPv6 address
  }
  return has_port ? a : absl::StrCat(a, ":", kDefaultHubPort);
}

absl::StatusOr<HubSettings> ResolveHubSettings(const HubFlags& flags, const EnvLookup& env) {
  HubSettings settings;
  const std::string home = env("HOME").value_or("");

  // The config file: explicit ($SRFLEET_CONFIG, must be readable) or the
  // default location (optional).
  std::optional<std::string> explicit_config = NonEmpty(env("SRFLEET_CONFIG"));
  std::string config_path;
  if (explicit_config.has_value()) {
    config_path = *explicit_config;
  } else {
    std::optional<std::string> xdg = NonEmpty(env("XDG_CONFIG_HOME"));
    if (xdg.has_value()) {
      config_path = (fs::path(*xdg) / "srfleet" / "config.yaml").string();
    } else if (!home.empty()) {
      config_path = (fs::path(home) / ".config" / "srfleet" / "config.yaml").string();
    }
  }
  settings.config_hint = "~/.config/srfleet/config.yaml";
  if (!config_path.empty()) {
    settings.config_hint = config_path;
    if (!home.empty() && config_path.rfind(home + "/", 0) == 0) {
      settings.config_hint = absl::StrCat("~/", config_path.substr(home.size() + 1));
    }
  }
  ConfigFile config;
  if (!config_path.empty()) {
    std::ifstream in(config_path, std::ios::binary);
    if (in) {
      std::ostringstream text;
      text << in.rdbuf();
      absl::StatusOr<ConfigFile> parsed = ParseConfig(config_path, text.str(), home);
      if (!parsed.ok()) return parsed.status();
      config = *parsed;
      settings.config_path = config_path;
    } else if (explicit_config.has_value() || fs::exists(config_path)) {
      return absl::NotFoundError(absl::StrCat("cannot read the config file ", config_path,
                                              explicit_config.has_value() ? " (from SRFLEET_CONFIG)" : ""));
    }
  }

  std::string source;
  std::string address = First({{flags.hub, "--hub"}, {env("SRFLEET_HUB"), "SRFLEET_HUB"}, {config.hub, config_path}},
                              &source);
  if (address.empty()) {
    settings.address = kDefaultHubAddress;
    settings.address_source = "default";
  } else {
    settings.address = NormalizeHubAddress(address);
    settings.address_source = source;
  }

  settings.tls.ca_file = First({{flags.tls_ca, ""}, {env("SRFLEET_TLS_CA"), ""}, {config.ca, ""}});
  settings.tls.cert_file = First({{flags.tls_cert, ""}, {env("SRFLEET_TLS_CERT"), ""}, {config.cert, ""}});
  settings.tls.key_file = First({{flags.tls_key, ""}, {env("SRFLEET_TLS_KEY"), ""}, {config.key, ""}});
  settings.tls.server_name =
      First({{flags.tls_server_name, ""}, {env("SRFLEET_TLS_SERVER_NAME"), ""}, {config.server_name, ""}});

  // A bool flag cannot say "false": --insecure, SRFLEET_INSECURE and
  // tls.insecure each can only turn plaintext on, except that an explicit
  // SRFLEET_INSECURE=0 overrides the config file.
  bool insecure = flags.insecure;
  if (!insecure) {
    std::optional<std::string> env_insecure = env("SRFLEET_INSECURE");
    if (env_insecure.has_value() && !env_insecure->empty()) {
      absl::StatusOr<bool> b = ParseBool("SRFLEET_INSECURE", *env_insecure);
      if (!b.ok()) return b.status();
      insecure = *b;
    } else {
      insecure = config.insecure.value_or(false);
    }
  }
  settings.tls.insecure = insecure;

  if (!flags.timeout.empty()) {
    absl::StatusOr<absl::Duration> timeout = ParseTimeout(flags.timeout);
    if (!timeout.ok()) return absl::InvalidArgumentError(absl::StrCat("--timeout: ", timeout.status().message()));
    settings.timeout = *timeout;
  }
  return settings;
}

int ExitCodeForSettingsError(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kNotFound:
      return kIoError;
    case absl::StatusCode::kFailedPrecondition:
      return kInvalidInput;
    default:
      return kUsage;
  }
}

absl::StatusOr<std::unique_ptr<FleetApi>> ConnectToHub(const HubSettings& settings) {
  if (!settings.tls.insecure) {
    // Unreadable files are I/O errors (exit 3), told apart from bad ones.
    const std::pair<const std::string*, const char*> files[] = {{&settings.tls.ca_file, "--tls-ca"},
                                                                {&settings.tls.cert_file, "--tls-cert"},
                                                                {&settings.tls.key_file, "--tls-key"}};
    for (const auto& [file, flag] : files) {
      if (!file->empty() && !IsReadable(*file)) {
        return absl::NotFoundError(absl::StrCat("cannot read ", *file, " (", flag, ")"));
      }
    }
  }
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      grpcutil::MakeChannelCredentials(settings.tls);
  if (!credentials.ok()) return credentials.status();
  grpc::ChannelArguments args;
  if (!settings.tls.insecure && !settings.tls.server_name.empty()) {
    args.SetSslTargetNameOverride(settings.tls.server_name);
  }
  std::shared_ptr<grpc::Channel> channel = grpc::CreateCustomChannel(settings.address, *credentials, args);
  HubEndpoint endpoint;
  endpoint.address = settings.address;
  endpoint.timeout = settings.timeout;
  endpoint.insecure = settings.tls.insecure;
  endpoint.client_cert = !settings.tls.cert_file.empty();
  endpoint.config_hint = settings.config_hint;
  return std::make_unique<FleetApi>(std::move(channel), std::move(endpoint));
}

}  // namespace srfleet::cli
