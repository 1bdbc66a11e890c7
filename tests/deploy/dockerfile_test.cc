// The container recipe (Dockerfile at the repo root) checked by inspection,
// since no container engine runs here:
//   - the build stage installs exactly the Debian packages of
//     scripts/setup-deps.sh, which is also the setup list README.md states
//     (it names that script; an explicit apt-get block in the README would be
//     compared too); other stages install only what is allow-listed below;
//   - every COPY/ADD source without --from exists in the repo and is not
//     excluded by .dockerignore; every --from names an earlier stage;
//   - the runtime stages hub and agent start FROM scratch, run as a numeric
//     non-root USER, have an exec-form ENTRYPOINT (no shell at run time: no
//     RUN, no SHELL, exec-form CMD), EXPOSE their ports and carry OCI labels;
//   - with apt-cache on the machine, every package is known to it.
#include <fnmatch.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "shared/json/json.h"
#include "tests/support/test_files.h"

namespace srfleet::deploy_test {
namespace {

namespace fs = std::filesystem;

fs::path Repo() { return testing_support::SourceDir(); }
fs::path DockerfilePath() { return Repo() / "Dockerfile"; }

// Stages other than "build" may install these packages, and nothing else.
const std::map<std::string, std::set<std::string>>& AllowedExtraPackages() {
  static const auto* allowed = new std::map<std::string, std::set<std::string>>{
      // The CA bundle copied into the scratch images; not a build dependency.
      {"certs", {"ca-certificates"}},
  };
  return *allowed;
}

// The runtime targets: stage name -> (binary path, ports it must EXPOSE).
struct RuntimeTarget {
  std::string entrypoint;
  std::set<std::string> ports;
};
const std::map<std::string, RuntimeTarget>& RuntimeTargets() {
  static const auto* targets = new std::map<std::string, RuntimeTarget>{
      {"hub", {"/usr/local/bin/srfleet-hub", {"7443", "7080"}}},
      {"agent", {"/usr/local/bin/srfleet-agent", {"8080"}}},
  };
  return *targets;
}

// ---- the Dockerfile, parsed ---------------------------------------------------------

struct Instruction {
  std::string keyword;  // upper case
  std::string args;     // continuation lines joined
  int line = 0;         // where it starts
};

struct Stage {
  std::string image, name;
  int index = 0, line = 0;
  std::vector<Instruction> instructions;
};

std::vector<Instruction> ParseInstructions(const std::string& text) {
  std::vector<Instruction> out;
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  std::string pending;
  int start = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string line = lines[i];
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const std::string trimmed(absl::StripAsciiWhitespace(line));
    // Comment lines (also inside a continuation) and blank lines.
    // Blank and comment lines (parser directives included), also inside a
    // continuation, as Docker skips them.
    if (trimmed.empty() || trimmed[0] == '#') continue;
    if (pending.empty()) start = static_cast<int>(i) + 1;
    std::string body = line;
    const bool continues =
        !absl::StripTrailingAsciiWhitespace(body).empty() && absl::StripTrailingAsciiWhitespace(body).back() == '\\';
    if (continues) {
      body = std::string(absl::StripTrailingAsciiWhitespace(body));
      body.pop_back();
    }
    absl::StrAppend(&pending, body, continues ? " " : "");
    if (continues) continue;
    const std::string joined(absl::StripAsciiWhitespace(pending));
    pending.clear();
    const size_t space = joined.find_first_of(" \t");
    Instruction ins;
    ins.keyword = absl::AsciiStrToUpper(joined.substr(0, space));
    ins.args = space == std::string::npos ? "" : std::string(absl::StripAsciiWhitespace(joined.substr(space)));
    ins.line = start;
    out.push_back(std::move(ins));
  }
  return out;
}

std::vector<std::string> Words(const std::string& s) {
  return absl::StrSplit(s, absl::ByAnyChar(" \t"), absl::SkipEmpty());
}

std::vector<Stage> ParseStages(const std::string& text) {
  std::vector<Stage> stages;
  for (Instruction& ins : ParseInstructions(text)) {
    if (ins.keyword == "FROM") {
      std::vector<std::string> w;
      for (const auto& x : Words(ins.args)) {
        if (!absl::StartsWith(x, "--")) w.push_back(x);  // --platform=...
      }
      Stage s;
      s.image = w.empty() ? "" : w[0];
      if (w.size() >= 3 && absl::AsciiStrToLower(w[1]) == "as") s.name = w[2];
      s.index = static_cast<int>(stages.size());
      s.line = ins.line;
      stages.push_back(std::move(s));
    } else if (!stages.empty()) {
      stages.back().instructions.push_back(std::move(ins));
    }
  }
  return stages;
}

const Stage* FindStage(const std::vector<Stage>& stages, const std::string& name) {
  for (const auto& s : stages) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

// Packages of every `apt-get install` / `apt install` in a shell command.
std::vector<std::string> AptInstallPackages(const std::string& command) {
  std::vector<std::string> out;
  // Split into simple commands at shell operators.
  std::string normalized = command;
  for (const char* op : {"&&", "||", ";", "|"}) normalized = absl::StrReplaceAll(normalized, {{op, "\n"}});
  for (absl::string_view segment : absl::StrSplit(normalized, '\n')) {
    const std::vector<std::string> w = Words(std::string(segment));
    size_t i = 0;
    while (i < w.size() && w[i] != "apt-get" && w[i] != "apt") ++i;
    if (i == w.size()) continue;
    ++i;
    // Options before the sub-command (apt-get -y -qq install ...).
    while (i < w.size() && absl::StartsWith(w[i], "-")) ++i;
    if (i == w.size() || w[i] != "install") continue;
    for (++i; i < w.size(); ++i) {
      if (absl::StartsWith(w[i], "-")) continue;  // -y, --no-install-recommends, -qq
      if (w[i] == ">" || absl::StartsWith(w[i], ">") || absl::StartsWith(w[i], "2>")) break;
      out.push_back(w[i]);
    }
  }
  return out;
}

// ---- the other two lists --------------------------------------------------------------

// scripts/setup-deps.sh: the PACKAGES=( ... ) array.
std::optional<std::vector<std::string>> SetupDepsPackages() {
  const std::string text = testing_support::ReadFile(Repo() / "scripts" / "setup-deps.sh");
  const size_t open = text.find("PACKAGES=(");
  if (open == std::string::npos) return std::nullopt;
  const size_t close = text.find(')', open);
  if (close == std::string::npos) return std::nullopt;
  std::vector<std::string> out;
  for (absl::string_view line : absl::StrSplit(text.substr(open + 10, close - open - 10), '\n')) {
    const std::string code(line.substr(0, line.find('#')));
    for (const auto& w : Words(code)) out.push_back(w);
  }
  return out;
}

// README.md: apt-get install lines inside fenced code blocks, if it lists
// packages itself. Empty when it does not (it then names setup-deps.sh).
std::vector<std::string> ReadmeAptPackages(const std::string& readme) {
  std::vector<std::string> out;
  bool in_fence = false;
  std::string block;
  for (absl::string_view line : absl::StrSplit(readme, '\n')) {
    if (absl::StartsWith(absl::StripLeadingAsciiWhitespace(line), "```")) {
      if (in_fence) {
        std::string joined = absl::StrReplaceAll(block, {{"\\\n", " "}});
        for (const auto& p : AptInstallPackages(joined)) out.push_back(p);
        block.clear();
      }
      in_fence = !in_fence;
      continue;
    }
    if (in_fence) absl::StrAppend(&block, line, "\n");
  }
  return out;
}

std::string SetDiff(const std::set<std::string>& a, const std::set<std::string>& b) {
  std::vector<std::string> d;
  for (const auto& x : a) {
    if (!b.count(x)) d.push_back(x);
  }
  return d.empty() ? "(none)" : absl::StrJoin(d, " ");
}

class DockerfileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fs::exists(DockerfilePath())) << "no Dockerfile at the repo root";
    text_ = testing_support::ReadFile(DockerfilePath());
    stages_ = ParseStages(text_);
    ASSERT_FALSE(stages_.empty()) << "Dockerfile has no FROM";
  }
  std::string text_;
  std::vector<Stage> stages_;
};

// ---- the package lists ------------------------------------------------------------------

TEST_F(DockerfileTest, BuildStageInstallsExactlyTheSetupDepsPackages) {
  const Stage* build = FindStage(stages_, "build");
  ASSERT_NE(build, nullptr) << "no stage named build (FROM debian:bookworm AS build)";
  EXPECT_EQ(build->image, "debian:bookworm") << "the build stage must be Debian bookworm, as setup-deps.sh assumes";

  std::vector<std::string> docker_list;
  for (const auto& ins : build->instructions) {
    if (ins.keyword != "RUN") continue;
    for (const auto& p : AptInstallPackages(ins.args)) docker_list.push_back(p);
  }
  const std::optional<std::vector<std::string>> setup_list = SetupDepsPackages();
  ASSERT_TRUE(setup_list.has_value()) << "scripts/setup-deps.sh has no PACKAGES=( ... ) array";
  ASSERT_FALSE(setup_list->empty());
  const std::set<std::string> docker(docker_list.begin(), docker_list.end());
  const std::set<std::string> setup(setup_list->begin(), setup_list->end());
  EXPECT_EQ(docker_list.size(), docker.size()) << "the build stage names a package twice";
  EXPECT_TRUE(docker == setup) << "Dockerfile build stage vs scripts/setup-deps.sh PACKAGES:\n"
                               << "  only in setup-deps.sh (add to the Dockerfile): " << SetDiff(setup, docker) << "\n"
                               << "  only in the Dockerfile (remove, or add to setup-deps.sh): "
                               << SetDiff(docker, setup);

  // README.md states the setup list by naming scripts/setup-deps.sh; a list
  // of its own, if it ever has one, must be the same.
  const std::string readme = testing_support::ReadFile(Repo() / "README.md");
  const std::vector<std::string> readme_list = ReadmeAptPackages(readme);
  if (readme_list.empty()) {
    EXPECT_NE(readme.find("scripts/setup-deps.sh"), std::string::npos)
        << "README.md neither lists the Debian packages nor names scripts/setup-deps.sh as the list";
    std::cout << "[ docker   ] README.md states the setup list as scripts/setup-deps.sh (" << setup.size()
              << " packages); the Dockerfile's build stage installs the same " << docker.size() << "\n";
  } else {
    const std::set<std::string> from_readme(readme_list.begin(), readme_list.end());
    EXPECT_TRUE(from_readme == setup) << "README.md's apt-get list vs scripts/setup-deps.sh:\n"
                                      << "  only in setup-deps.sh: " << SetDiff(setup, from_readme) << "\n"
                                      << "  only in README.md: " << SetDiff(from_readme, setup);
  }
}

TEST_F(DockerfileTest, OtherStagesInstallOnlyAllowListedPackages) {
  for (const Stage& s : stages_) {
    if (s.name == "build") continue;
    const auto allowed = AllowedExtraPackages().find(s.name);
    for (const auto& ins : s.instructions) {
      if (ins.keyword != "RUN") continue;
      for (const auto& p : AptInstallPackages(ins.args)) {
        EXPECT_TRUE(allowed != AllowedExtraPackages().end() && allowed->second.count(p))
            << "Dockerfile:" << ins.line << ": stage " << (s.name.empty() ? "#" + std::to_string(s.index) : s.name)
            << " installs " << p
            << ", which is neither a setup-deps.sh package (build stage) nor allow-listed in "
               "AllowedExtraPackages() of tests/deploy/dockerfile_test.cc";
      }
    }
  }
}

TEST_F(DockerfileTest, BuildStageBuildsWithTheProjectScript) {
  const Stage* build = FindStage(stages_, "build");
  ASSERT_NE(build, nullptr);
  bool builds = false;
  for (const auto& ins : build->instructions) {
    if (ins.keyword == "RUN" &&
        (absl::StrContains(ins.args, "scripts/build.sh") || absl::StrContains(ins.args, "cmake --build"))) {
      builds = true;
      EXPECT_TRUE(absl::StrContains(ins.args, "srfleet-hub") && absl::StrContains(ins.args, "srfleet-agent"))
          << "Dockerfile:" << ins.line << ": the build should name the two targets it ships";
    }
  }
  EXPECT_TRUE(builds) << "the build stage never runs scripts/build.sh (or cmake --build)";
}

// ---- COPY / ADD ---------------------------------------------------------------------------

struct CopyArgs {
  std::string from;
  std::vector<std::string> sources;
  std::string dest;
};

CopyArgs ParseCopy(const std::string& args) {
  CopyArgs c;
  std::vector<std::string> w;
  std::string rest = args;
  // Flags first: --from=, --chown=, --chmod=, --link, --parents, --exclude=.
  for (const auto& word : Words(args)) {
    if (!w.empty() || !absl::StartsWith(word, "--")) {
      w.push_back(word);
      continue;
    }
    if (absl::StartsWith(word, "--from=")) c.from = word.substr(7);
  }
  if (!w.empty() && absl::StartsWith(w[0], "[")) {  // exec (JSON) form
    const std::string json = args.substr(args.find('['));
    Json parsed = Json::parse(json, nullptr, /*allow_exceptions=*/false);
    w.clear();
    if (parsed.is_array()) {
      for (const auto& x : parsed) w.push_back(x.is_string() ? x.get<std::string>() : x.dump());
    }
  }
  if (w.empty()) return c;
  c.dest = w.back();
  w.pop_back();
  c.sources = w;
  return c;
}

std::vector<std::string> DockerignorePatterns() {
  std::vector<std::string> out;
  for (absl::string_view line : absl::StrSplit(testing_support::ReadFile(Repo() / ".dockerignore"), '\n')) {
    const std::string p(absl::StripAsciiWhitespace(line));
    if (p.empty() || p[0] == '#') continue;
    out.push_back(p);
  }
  return out;
}

// Whether .dockerignore leaves `path` (relative, no leading ./) out of the
// context: a pattern matches the path or one of its parents.
bool Ignored(const std::string& path, const std::vector<std::string>& patterns) {
  bool ignored = false;
  std::vector<std::string> prefixes;
  std::string acc;
  for (absl::string_view part : absl::StrSplit(path, '/', absl::SkipEmpty())) {
    acc = acc.empty() ? std::string(part) : absl::StrCat(acc, "/", part);
    prefixes.push_back(acc);
  }
  for (const auto& raw : patterns) {
    const bool negate = !raw.empty() && raw[0] == '!';
    std::string p = negate ? raw.substr(1) : raw;
    p = std::string(absl::StripPrefix(p, "/"));
    for (const auto& prefix : prefixes) {
      bool match = fnmatch(p.c_str(), prefix.c_str(), FNM_PATHNAME) == 0;
      if (!match && absl::StartsWith(p, "**/")) {
        const std::string base = prefix.substr(prefix.rfind('/') == std::string::npos ? 0 : prefix.rfind('/') + 1);
        match = fnmatch(p.substr(3).c_str(), base.c_str(), FNM_PATHNAME) == 0;
      }
      if (match) ignored = !negate;
    }
  }
  return ignored;
}

TEST_F(DockerfileTest, CopySourcesExistAndFromNamesAnEarlierStage) {
  ASSERT_TRUE(fs::exists(Repo() / ".dockerignore")) << "no .dockerignore beside the Dockerfile";
  const std::vector<std::string> patterns = DockerignorePatterns();
  int copies = 0;
  for (const Stage& s : stages_) {
    for (const auto& ins : s.instructions) {
      if (ins.keyword != "COPY" && ins.keyword != "ADD") continue;
      ++copies;
      const CopyArgs c = ParseCopy(ins.args);
      ASSERT_FALSE(c.sources.empty()) << "Dockerfile:" << ins.line << ": " << ins.keyword << " without a source";
      if (!c.from.empty()) {
        bool earlier = false;
        for (const Stage& prior : stages_) {
          if (prior.index >= s.index) break;
          earlier = earlier || prior.name == c.from || std::to_string(prior.index) == c.from;
        }
        EXPECT_TRUE(earlier) << "Dockerfile:" << ins.line << ": --from=" << c.from
                             << " is not a stage defined before this one";
        for (const auto& src : c.sources) {
          EXPECT_TRUE(absl::StartsWith(src, "/"))
              << "Dockerfile:" << ins.line << ": copy from a stage by absolute path, got " << src;
        }
        continue;
      }
      for (const auto& src : c.sources) {
        EXPECT_FALSE(absl::StrContains(src, "://"))
            << "Dockerfile:" << ins.line << ": " << src << " is a URL; the build must not download";
        const std::string rel(absl::StripPrefix(absl::StripPrefix(src, "./"), "/"));
        EXPECT_TRUE(fs::exists(Repo() / rel))
            << "Dockerfile:" << ins.line << ": " << ins.keyword << " source " << src << " does not exist in the repo";
        if (rel != "." && !rel.empty()) {
          EXPECT_FALSE(Ignored(rel, patterns))
              << "Dockerfile:" << ins.line << ": " << src << " is excluded by .dockerignore";
        }
      }
    }
  }
  EXPECT_GT(copies, 0);
}

TEST(Dockerignore, LeavesOutBuildTreesAndGitButKeepsTheSources) {
  ASSERT_TRUE(fs::exists(Repo() / ".dockerignore"));
  const std::vector<std::string> patterns = DockerignorePatterns();
  for (const char* out : {".git", "build", "build-rbac", "build-agent/bin/srfleet-agent"}) {
    EXPECT_TRUE(Ignored(out, patterns)) << ".dockerignore should leave out " << out;
  }
  for (const char* in : {"CMakeLists.txt", "scripts/build.sh", "scripts/setup-deps.sh", "agent/main.cc",
                         "hub/server/main.cc", "shared/kube/kube_client.cc", "crds/semanticrouters.vllm.ai.yaml", "api",
                         "cmake", "tests/CMakeLists.txt", "bench"}) {
    EXPECT_FALSE(Ignored(in, patterns)) << ".dockerignore leaves out " << in << ", which the build needs";
  }
}

// ---- the runtime stages -------------------------------------------------------------------

std::optional<Json> ExecForm(const std::string& args) {
  if (!absl::StartsWith(args, "[")) return std::nullopt;
  Json parsed = Json::parse(args, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_array() || parsed.empty()) return std::nullopt;
  for (const auto& x : parsed) {
    if (!x.is_string()) return std::nullopt;
  }
  return parsed;
}

bool IsNumber(const std::string& s) { return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos; }

TEST_F(DockerfileTest, RuntimeStagesAreScratchNonRootExecFormWithPortsAndLabels) {
  for (const auto& [name, want] : RuntimeTargets()) {
    SCOPED_TRACE("stage " + name);
    const Stage* s = FindStage(stages_, name);
    ASSERT_NE(s, nullptr) << "no stage named " << name << " (FROM scratch AS " << name << ")";
    EXPECT_EQ(s->image, "scratch") << "Dockerfile:" << s->line << ": runtime stages start from scratch";

    std::string user, entrypoint;
    std::set<std::string> ports, labels;
    std::vector<std::string> copied_to;
    for (const auto& ins : s->instructions) {
      EXPECT_NE(ins.keyword, "RUN") << "Dockerfile:" << ins.line << ": RUN needs a shell; " << name
                                    << " has none (do it in the build stage)";
      EXPECT_NE(ins.keyword, "SHELL") << "Dockerfile:" << ins.line;
      if (ins.keyword == "USER") user = ins.args;
      if (ins.keyword == "ENTRYPOINT") entrypoint = ins.args;
      if (ins.keyword == "CMD") {
        EXPECT_TRUE(ExecForm(ins.args).has_value())
            << "Dockerfile:" << ins.line << ": CMD must be exec form (JSON array), got " << ins.args;
      }
      if (ins.keyword == "EXPOSE") {
        for (const auto& p : Words(ins.args)) ports.insert(p.substr(0, p.find('/')));
      }
      if (ins.keyword == "LABEL") {
        for (const auto& w : Words(ins.args)) {
          if (const size_t eq = w.find('='); eq != std::string::npos) labels.insert(w.substr(0, eq));
        }
      }
      if (ins.keyword == "COPY") copied_to.push_back(ParseCopy(ins.args).dest);
    }

    // USER uid:gid, both numeric, uid not 0 (runAsNonRoot can verify a number only).
    const std::vector<std::string> ids = absl::StrSplit(user, ':');
    ASSERT_FALSE(user.empty()) << "no USER in " << name;
    EXPECT_TRUE(IsNumber(ids[0])) << "USER " << user << ": the uid must be numeric (runAsNonRoot checks it)";
    EXPECT_NE(ids[0], "0") << "USER " << user << " is root";
    if (ids.size() > 1) {
      EXPECT_TRUE(IsNumber(ids[1])) << "USER " << user << ": the gid must be numeric";
    }

    const std::optional<Json> exec = ExecForm(entrypoint);
    ASSERT_TRUE(exec.has_value()) << "ENTRYPOINT must be exec form (a JSON array of strings), got: " << entrypoint;
    EXPECT_EQ((*exec)[0].get<std::string>(), want.entrypoint);

    for (const auto& p : want.ports) EXPECT_TRUE(ports.count(p)) << name << " does not EXPOSE " << p;
    for (const auto& p : ports) EXPECT_TRUE(IsNumber(p)) << "EXPOSE " << p;
    for (const char* l : {"org.opencontainers.image.title", "org.opencontainers.image.description",
                          "org.opencontainers.image.version"}) {
      EXPECT_TRUE(labels.count(l)) << name << " lacks the OCI label " << l;
    }
    // The CA bundle and the root filesystem (binary, libraries, passwd).
    EXPECT_NE(std::find(copied_to.begin(), copied_to.end(), "/etc/ssl/certs/ca-certificates.crt"), copied_to.end())
        << name << " does not get /etc/ssl/certs/ca-certificates.crt";
    EXPECT_NE(std::find(copied_to.begin(), copied_to.end(), "/"), copied_to.end())
        << name << " does not copy its root filesystem to /";
  }
}

TEST_F(DockerfileTest, TheStagedUserIs65532InPasswdAndGroup) {
  // The build stage writes /etc/passwd and /etc/group for the USER of the
  // runtime stages; they must agree.
  const Stage* build = FindStage(stages_, "build");
  ASSERT_NE(build, nullptr);
  std::string staging;
  for (const auto& ins : build->instructions) {
    if (ins.keyword == "RUN" && absl::StrContains(ins.args, "/etc/passwd")) staging = ins.args;
  }
  ASSERT_FALSE(staging.empty()) << "the build stage never writes /etc/passwd for the runtime images";
  EXPECT_TRUE(absl::StrContains(staging, ":x:65532:65532:")) << "no passwd entry for 65532:65532";
  EXPECT_TRUE(absl::StrContains(staging, ":x:65532:")) << "no group entry for 65532";
  EXPECT_TRUE(absl::StrContains(staging, "ldd")) << "libraries are not collected from ldd";
  for (const auto& [name, target] : RuntimeTargets()) {
    const Stage* s = FindStage(stages_, name);
    ASSERT_NE(s, nullptr);
    for (const auto& ins : s->instructions) {
      if (ins.keyword == "USER") {
        EXPECT_EQ(ins.args, "65532:65532") << name;
      }
    }
  }
}

// ---- apt-cache ------------------------------------------------------------------------------

bool RunQuiet(const std::string& command) { return std::system((command + " >/dev/null 2>&1").c_str()) == 0; }

TEST_F(DockerfileTest, EveryPackageIsKnownToAptCache) {
  if (!RunQuiet("command -v apt-cache")) GTEST_SKIP() << "no apt-cache on this machine; package names not checked";
  std::set<std::string> packages;
  for (const Stage& s : stages_) {
    for (const auto& ins : s.instructions) {
      if (ins.keyword != "RUN") continue;
      for (const auto& p : AptInstallPackages(ins.args)) packages.insert(p);
    }
  }
  ASSERT_FALSE(packages.empty());
  for (const auto& p : packages) {
    ASSERT_EQ(p.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789.+-"), std::string::npos)
        << "not a Debian package name: " << p;
  }
  // One apt-cache call; the "Package:" lines name the known ones.
  const std::string command =
      absl::StrCat("apt-cache show --no-all-versions ", absl::StrJoin(packages, " "), " 2>/dev/null");
  std::set<std::string> known;
  if (FILE* pipe = ::popen(command.c_str(), "r")) {
    char buffer[4096];
    std::string out;
    while (size_t n = std::fread(buffer, 1, sizeof(buffer), pipe)) out.append(buffer, n);
    ::pclose(pipe);
    for (absl::string_view line : absl::StrSplit(out, '\n')) {
      if (absl::ConsumePrefix(&line, "Package: ")) known.insert(std::string(absl::StripAsciiWhitespace(line)));
    }
  }
  std::vector<std::string> unknown;
  for (const auto& p : packages) {
    if (!known.count(p)) unknown.push_back(p);
  }
  if (unknown.size() == packages.size()) {
    GTEST_SKIP() << "apt-cache knows none of the " << packages.size()
                 << " packages: its lists are empty (run apt-get update); names not checked";
  }
  EXPECT_TRUE(unknown.empty()) << "unknown to apt-cache (not in Debian bookworm?): " << absl::StrJoin(unknown, " ");
}

// ---- the parser itself ------------------------------------------------------------------------

TEST(DockerfileParser, JoinsContinuationsAndReadsAptInstall) {
  const std::vector<Stage> stages = ParseStages(
      "# c\nFROM debian:bookworm AS b\nRUN apt-get update \\\n # inner comment\n && DEBIAN_FRONTEND=noninteractive "
      "apt-get install -y --no-install-recommends \\\n      a b \\\n      c >/dev/null\nFROM scratch AS r\nUSER 1:1\n");
  ASSERT_EQ(stages.size(), 2u);
  EXPECT_EQ(stages[0].name, "b");
  ASSERT_EQ(stages[0].instructions.size(), 1u);
  EXPECT_EQ(AptInstallPackages(stages[0].instructions[0].args), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(stages[1].image, "scratch");
  EXPECT_EQ(AptInstallPackages("apt-get -qq install x y && echo z; apt install w"),
            (std::vector<std::string>{"x", "y", "w"}));
  const CopyArgs c = ParseCopy("--from=build --chown=1:1 /a/ /b/");
  EXPECT_EQ(c.from, "build");
  EXPECT_EQ(c.sources, (std::vector<std::string>{"/a/"}));
  EXPECT_EQ(c.dest, "/b/");
  EXPECT_TRUE(Ignored("build/x", {"build"}));
  EXPECT_TRUE(Ignored("build-foo", {"build-*"}));
  EXPECT_TRUE(Ignored("a/b/c.swp", {"**/*.swp"}));
  EXPECT_FALSE(Ignored("builder.cc", {"build"}));
}

}  // namespace
}  // namespace srfleet::deploy_test
