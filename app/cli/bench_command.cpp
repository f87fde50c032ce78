#include "bench_command.h"

#include "common/cpu_features.h"
#include "gemm/int8_gemm.h"
#include "report/table_text.h"

#include <algorithm>
#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <vector>

namespace qs::cli {

namespace {
struct BenchResult {
    std::int64_t m = 0, n = 0, k = 0;
    int threads = 1;
    double medianSeconds = 0;
    int runs = 0;
    double gops() const { return 2.0 * m * n * k / medianSeconds / 1e9; }
};

// Median of repeated runs after one warm-up, repeated until 5 runs and 0.5 s have passed
// (at most 1000 runs): enough for a stable median without making large shapes slow.
BenchResult timeShape(const std::array<std::int64_t, 3>& shape, int threads)
{
    const auto [m, n, k] = shape;
    std::mt19937 rng(1);
    std::uniform_int_distribution<int> byte(0, 255);
    std::vector<std::uint8_t> x(static_cast<std::size_t>(m * k));
    std::vector<std::int8_t> w(static_cast<std::size_t>(n * k));
    for (auto& v : x)
        v = static_cast<std::uint8_t>(byte(rng));
    for (auto& v : w)
        v = static_cast<std::int8_t>(byte(rng) - 128);
    const PackedWeights packed(w, n, k);
    std::vector<std::int32_t> acc(static_cast<std::size_t>(m * n));
    const GemmOptions options{threads};
    gemmInt32(std::span<const std::uint8_t>(x), m, packed, acc, options);

    using Clock = std::chrono::steady_clock;
    std::vector<double> seconds;
    const auto start = Clock::now();
    while (seconds.size() < 1000 &&
           (seconds.size() < 5 || Clock::now() - start < std::chrono::milliseconds(500))) {
        const auto before = Clock::now();
        gemmInt32(std::span<const std::uint8_t>(x), m, packed, acc, options);
        seconds.push_back(std::chrono::duration<double>(Clock::now() - before).count());
    }
    std::nth_element(seconds.begin(), seconds.begin() + seconds.size() / 2, seconds.end());
    return {m, n, k, threads, seconds[seconds.size() / 2], static_cast<int>(seconds.size())};
}
} // namespace

int runBench(const Options& options)
{
    std::vector<BenchResult> results;
    for (const auto& shape : options.benchShapes)
        results.push_back(timeShape(shape, options.threads));
    const char* kernel = toString(bestGemmKernel());
    if (options.benchJson) {
        nlohmann::ordered_json doc{{"cpu", cpuName()}, {"kernel", kernel}};
        auto& list = doc["results"] = nlohmann::ordered_json::array();
        for (const BenchResult& r : results)
            list.push_back({{"m", r.m},
                            {"n", r.n},
                            {"k", r.k},
                            {"threads", r.threads},
                            {"median_ms", r.medianSeconds * 1e3},
                            {"runs", r.runs},
                            {"gops", r.gops()}});
        std::cout << doc.dump(2) << '\n';
        return 0;
    }
    std::cout << "int8 GEMM (uint8 x int8 -> int32, packed weights) on " << cpuName() << ", kernel "
              << kernel << '\n';
    std::vector<std::vector<std::string>> rows{{"M,N,K", "threads", "median ms", "runs", "GOP/s"}};
    for (const BenchResult& r : results)
        rows.push_back({std::to_string(r.m) + "," + std::to_string(r.n) + "," + std::to_string(r.k),
                        std::to_string(r.threads), formatNumber("%.3f", r.medianSeconds * 1e3),
                        std::to_string(r.runs), formatNumber("%.1f", r.gops())});
    printTable(std::cout, rows);
    std::cout << "GOP/s counts 2·M·N·K operations per second\n";
    return 0;
}

} // namespace qs::cli
