// Whole-model analysis throughput against a plain sum over the same mapped bytes, in the
// same process: the ratio is what docs/benchmarks.md reports.
#include "analysis/model_analyzer.h"
#include "common/mapped_file.h"
#include "quant/quant_config.h"
#include "synthetic_model.h"

#include <benchmark/benchmark.h>
#include <tbb/global_control.h>

namespace qs::bench {
namespace {

// 8 tensors of 4096 x 2048 float32 = 256 MiB: far beyond any cache of this machine.
constexpr int kTensors = 8;
constexpr std::int64_t kRows = 4096;
constexpr std::int64_t kCols = 2048;

const std::string& modelPath(DType dtype)
{
    static std::map<DType, std::string> paths;
    auto& path = paths[dtype];
    if (path.empty())
        path = syntheticModel(dtype, kTensors, kRows, kCols);
    return path;
}

// Baseline: map the file, add every float, hand the pages back (as the analysis does).
void BM_PlainSumOfMappedFloats(benchmark::State& state)
{
    const std::string& path = modelPath(DType::F32);
    for (auto _ : state) {
        auto file = MappedFile::open(path);
        const auto bytes = file->bytes();
        const std::size_t header = bytes.size() - std::size_t(kTensors) * kRows * kCols * 4;
        const auto* data = reinterpret_cast<const float*>(bytes.data() + header);
        float sum0 = 0, sum1 = 0, sum2 = 0, sum3 = 0;
        const std::size_t n = std::size_t(kTensors) * kRows * kCols;
        for (std::size_t i = 0; i < n; i += 4) {
            sum0 += data[i];
            sum1 += data[i + 1];
            sum2 += data[i + 2];
            sum3 += data[i + 3];
        }
        benchmark::DoNotOptimize(sum0 + sum1 + sum2 + sum3);
        file->release(0, file->size());
    }
    state.SetBytesProcessed(state.iterations() * std::int64_t(kTensors) * kRows * kCols * 4);
}
BENCHMARK(BM_PlainSumOfMappedFloats)->Unit(benchmark::kMillisecond)->UseRealTime();

void analyze(benchmark::State& state, DType dtype, const char* granularity)
{
    const std::string& path = modelPath(dtype);
    QuantConfig config;
    config.granularity = parseGranularity(granularity);
    AnalyzeOptions options;
    options.threads = static_cast<int>(state.range(0));
    for (auto _ : state) {
        const auto model = openModel(path);
        const ModelReport report = analyzeModel(*model, config, options);
        benchmark::DoNotOptimize(report.summary.metrics.mse);
    }
    state.SetBytesProcessed(state.iterations() * std::int64_t(kTensors) * kRows * kCols *
                            static_cast<std::int64_t>(dtypeSize(dtype)));
}

void BM_AnalyzeInt8PerChannelF32(benchmark::State& s)
{
    analyze(s, DType::F32, "channel:0");
}
void BM_AnalyzeInt8PerTensorF32(benchmark::State& s)
{
    analyze(s, DType::F32, "tensor");
}
void BM_AnalyzeInt8PerChannelF16(benchmark::State& s)
{
    analyze(s, DType::F16, "channel:0");
}
void BM_AnalyzeInt8PerChannelBF16(benchmark::State& s)
{
    analyze(s, DType::BF16, "channel:0");
}
BENCHMARK(BM_AnalyzeInt8PerChannelF32)
    ->Arg(1)
    ->Arg(2)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_AnalyzeInt8PerTensorF32)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_AnalyzeInt8PerChannelF16)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_AnalyzeInt8PerChannelBF16)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

// Listing a 2 GB model must read its header only.
void BM_Info2GBModel(benchmark::State& state)
{
    static const std::string path = sparseModel(2ull << 30);
    for (auto _ : state) {
        const auto model = openModel(path);
        benchmark::DoNotOptimize(model->tensors().size());
    }
}
BENCHMARK(BM_Info2GBModel)->Unit(benchmark::kMillisecond);

} // namespace
} // namespace qs::bench
