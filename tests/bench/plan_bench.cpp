// The exact mixed-precision plan on tables shaped like large language models: each layer
// with the default option set's bits (scales included) and errors falling about 6 dB a bit
// with per-layer spread. The baseline, in the same process, is one pass that reads every
// cell of the table (what any planner must at least do).
#include "analysis/mixed_precision.h"

#include <benchmark/benchmark.h>
#include <random>

namespace qs::bench {
namespace {

FormatTable llmLikeTable(std::size_t blocks)
{
    FormatTable table;
    // Option: element bits, block parameter bits, elements per block (0: per row of 4096).
    struct Layout {
        double bits;
        double parameterBits;
        double blockSize;
    };
    std::vector<Layout> layouts = {{32, 0, 1e18}, {16, 0, 1e18}};
    for (double bits : {8, 6, 5, 4, 3, 2})
        for (double group : {4096.0, 32.0, 128.0})
            layouts.push_back({bits, 32, group});
    layouts.insert(layouts.end(), {{8, 16, 32}, {4, 16, 32}, {4, 8, 32}, {8, 8, 32}});
    table.options.resize(layouts.size());
    table.options[0].stored = true;
    std::mt19937 random(1);
    std::lognormal_distribution<double> spread(0.0, 0.6);
    const std::vector<std::pair<std::string, double>> matrices = {
        {"attn_q", 4096.0 * 4096}, {"attn_k", 4096.0 * 1024}, {"attn_v", 4096.0 * 1024},
        {"attn_output", 4096.0 * 4096}, {"ffn_gate", 4096.0 * 14336},
        {"ffn_up", 4096.0 * 14336}, {"ffn_down", 14336.0 * 4096}, {"attn_norm", 4096},
        {"ffn_norm", 4096}};
    for (std::size_t block = 0; block < blocks; ++block) {
        for (const auto& [name, numel] : matrices) {
            table.layers.push_back("blk." + std::to_string(block) + "." + name);
            table.numel.push_back(std::uint64_t(numel));
            table.dtype.push_back(DType::F16);
            const double sensitivity = spread(random);
            std::vector<OptionCell> row(layouts.size());
            for (std::size_t o = 0; o < layouts.size(); ++o) {
                const Layout& l = layouts[o];
                OptionCell& cell = row[o];
                cell.applies = true;
                const double blocksCount = std::ceil(numel / std::min(l.blockSize, numel));
                cell.bits = numel * l.bits + blocksCount * l.parameterBits;
                cell.sums.sumX2 = numel;
                // Finer blocks help, more so at few bits.
                const double groupGain = l.blockSize <= 128 ? 0.5 : 1.0;
                cell.sums.sumE2 = o == 0 ? 0.0
                                         : numel * sensitivity * groupGain *
                                               std::pow(2.0, -2.0 * l.bits) * (1 + 0.1 * o);
            }
            table.cells.push_back(row);
        }
    }
    return table;
}

double weightsOf(const FormatTable& table)
{
    double weights = 0;
    for (auto n : table.numel)
        weights += double(n);
    return weights;
}

void BM_ReadEveryCell(benchmark::State& state)
{
    const FormatTable table = llmLikeTable(std::size_t(state.range(0)));
    for (auto _ : state) {
        double sum = 0;
        for (const auto& row : table.cells)
            for (const OptionCell& cell : row)
                sum += cell.bits + cell.sums.sumE2;
        benchmark::DoNotOptimize(sum);
    }
    state.counters["layers"] = double(table.layers.size());
}
BENCHMARK(BM_ReadEveryCell)->Arg(32)->Arg(80)->Unit(benchmark::kMicrosecond);

void BM_MixedPrecisionPlan(benchmark::State& state)
{
    const FormatTable table = llmLikeTable(std::size_t(state.range(0)));
    const double budget = 4.5 * weightsOf(table);
    MixedPlan plan;
    for (auto _ : state) {
        plan = planMixedPrecision(table, budget);
        benchmark::DoNotOptimize(plan.squaredError);
    }
    state.counters["layers"] = double(table.layers.size());
    state.counters["states"] = double(plan.statesVisited);
    state.counters["optimal"] = plan.provenOptimal ? 1 : 0;
}
BENCHMARK(BM_MixedPrecisionPlan)->Arg(32)->Arg(80)->Unit(benchmark::kMillisecond);

} // namespace
} // namespace qs::bench
