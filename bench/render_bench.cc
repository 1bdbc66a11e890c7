// parse + validate + render of the largest sample in samples/, and each stage
// alone. Run: ./build/bin/render_bench
#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "shared/json/yaml_codec.h"
#include "shared/model/semantic_router.h"
#include "shared/render/renderer.h"

namespace {

std::string LargestSample() {
  std::filesystem::path best;
  std::uintmax_t best_size = 0;
  for (const auto& e : std::filesystem::directory_iterator(std::filesystem::path(SRFLEET_SOURCE_DIR) / "samples")) {
    if (e.path().extension() == ".yaml" && e.file_size() > best_size) {
      best = e.path();
      best_size = e.file_size();
    }
  }
  std::ifstream in(best);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

const std::string& Sample() {
  static const std::string sample = LargestSample();
  return sample;
}

void BM_ParseValidateRender(benchmark::State& state) {
  // Warm the CRD schema once, as a long-running agent would have.
  (void)srfleet::model::ParseSemanticRouters(Sample());
  for (auto _ : state) {
    auto parsed = srfleet::model::ParseSemanticRouters(Sample());
    srfleet::render::RenderInput input;
    input.backends = srfleet::render::AssumedBackends(parsed->routers[0]);
    auto result = srfleet::render::Render(parsed->routers[0], input);
    std::string yaml = srfleet::ToYamlDocuments(result->objects);
    benchmark::DoNotOptimize(yaml);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * Sample().size()));
}
BENCHMARK(BM_ParseValidateRender)->Unit(benchmark::kMicrosecond);

void BM_ParseYamlOnly(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(srfleet::ParseYamlDocuments(Sample()));
}
BENCHMARK(BM_ParseYamlOnly)->Unit(benchmark::kMicrosecond);

void BM_ValidateOnly(benchmark::State& state) {
  auto docs = srfleet::ParseYamlDocuments(Sample());
  (void)srfleet::model::ParseSemanticRouters(Sample());
  for (auto _ : state) {
    srfleet::Json copy = docs->front();
    benchmark::DoNotOptimize(srfleet::model::ValidateSemanticRouter(copy));
  }
}
BENCHMARK(BM_ValidateOnly)->Unit(benchmark::kMicrosecond);

void BM_RenderOnly(benchmark::State& state) {
  auto parsed = srfleet::model::ParseSemanticRouters(Sample());
  srfleet::render::RenderInput input;
  input.backends = srfleet::render::AssumedBackends(parsed->routers[0]);
  for (auto _ : state) benchmark::DoNotOptimize(srfleet::render::Render(parsed->routers[0], input));
}
BENCHMARK(BM_RenderOnly)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
