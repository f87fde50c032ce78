// The fused quantize kernel, AVX2 against its plain-loop twin, on cache-resident rows.
#include "common/cpu_features.h"
#include "quant/block_kernels.h"

#include <benchmark/benchmark.h>
#include <random>
#include <vector>

namespace qs::bench {
namespace {

std::vector<float> row(std::size_t n)
{
    std::mt19937 rng(7);
    std::normal_distribution<float> dist(0.0f, 0.02f);
    std::vector<float> values(n);
    for (float& v : values)
        v = dist(rng);
    return values;
}

// The conventions' variants of the kernel (spec §8): the default's x·(1/s) with ties to
// even, TFLite's ties away from zero, ONNX Runtime's division.
enum class Arithmetic { Default, TiesAway, Divide };

template <bool Fast, Arithmetic Kind = Arithmetic::Default>
void BM_QuantizeRow(benchmark::State& state)
{
    if (Fast && !cpuFeatures().avx2) {
        state.SkipWithError("no AVX2 on this CPU");
        return;
    }
    const auto values = row(static_cast<std::size_t>(state.range(0)));
    IntQuantParams params{0.0005f, 2000.0f, 0, -128, 127};
    params.ties = Kind == Arithmetic::TiesAway ? TieRule::AwayFromZero : TieRule::ToEven;
    params.divideByScale = Kind == Arithmetic::Divide;
    for (auto _ : state) {
        ErrorSums sums;
        if (Fast)
            quantizeIntBlockAvx2(values.data(), values.size(), params, sums, nullptr);
        else
            quantizeIntBlockRef(values.data(), values.size(), params, sums, nullptr);
        benchmark::DoNotOptimize(sums.sumE2);
    }
    state.SetBytesProcessed(state.iterations() * state.range(0) * 4);
}
BENCHMARK(BM_QuantizeRow<false>)->Name("BM_QuantizeRowRef")->Arg(4096);
BENCHMARK(BM_QuantizeRow<true>)->Name("BM_QuantizeRowAvx2")->Arg(4096);
BENCHMARK(BM_QuantizeRow<false, Arithmetic::TiesAway>)
    ->Name("BM_QuantizeRowTiesAwayRef")
    ->Arg(4096);
BENCHMARK(BM_QuantizeRow<true, Arithmetic::TiesAway>)
    ->Name("BM_QuantizeRowTiesAwayAvx2")
    ->Arg(4096);
BENCHMARK(BM_QuantizeRow<false, Arithmetic::Divide>)->Name("BM_QuantizeRowDivideRef")->Arg(4096);
BENCHMARK(BM_QuantizeRow<true, Arithmetic::Divide>)->Name("BM_QuantizeRowDivideAvx2")->Arg(4096);

template <bool Fast> void BM_RangeRow(benchmark::State& state)
{
    if (Fast && !cpuFeatures().avx2) {
        state.SkipWithError("no AVX2 on this CPU");
        return;
    }
    const auto values = row(static_cast<std::size_t>(state.range(0)));
    for (auto _ : state) {
        const RangeStats stats = Fast ? rangeOfAvx2(values.data(), values.size())
                                      : rangeOfRef(values.data(), values.size());
        benchmark::DoNotOptimize(stats.max);
    }
    state.SetBytesProcessed(state.iterations() * state.range(0) * 4);
}
BENCHMARK(BM_RangeRow<false>)->Name("BM_RangeRowRef")->Arg(4096);
BENCHMARK(BM_RangeRow<true>)->Name("BM_RangeRowAvx2")->Arg(4096);

} // namespace
} // namespace qs::bench
