// The histogram's counting loops: the AVX2 loop puts every value in the same bin as the
// plain loop (edges, the top value, values outside, NaN and infinities included), and
// computeHistogram's counts add up to the values given.
#include "analysis/histogram.h"
#include "analysis/histogram_binning.h"
#include "common/cpu_features.h"

#include <cmath>
#include <gtest/gtest.h>
#include <numeric>
#include <random>

namespace qs {
namespace {

std::vector<std::uint64_t> counted(BinLanes& lanes)
{
    std::vector<std::uint64_t> counts(lanes.bins(), 0);
    lanes.flushInto(counts);
    return counts;
}

TEST(HistogramBinning, Avx2PutsEveryValueInThePlainLoopsBin)
{
    if (!cpuFeatures().avx2)
        GTEST_SKIP() << "no AVX2 on this CPU: the plain loop is the only path";
    std::mt19937 random(3);
    std::uniform_real_distribution<float> uniform(-1.2f, 1.2f);
    const double lo = -1.0, hi = 1.0;
    for (std::size_t bins : {1, 7, 256, 2048}) {
        for (std::size_t n : {0, 5, 8, 13, 4096, 10001}) {
            std::vector<float> values(n);
            for (float& v : values)
                v = uniform(random);
            // Bin edges and the ends of the range, where rounding decides.
            for (std::size_t i = 0; i < n && i < bins + 1; ++i)
                values[i] = static_cast<float>(lo + (hi - lo) * static_cast<double>(i) /
                                                        static_cast<double>(bins));
            if (n > 12) {
                values[n - 1] = NAN;
                values[n - 2] = INFINITY;
                values[n - 3] = -INFINITY;
                values[n - 4] = static_cast<float>(hi);
                values[n - 5] = static_cast<float>(lo);
            }
            BinLanes plainLanes(bins), wideLanes(bins);
            OutsideCounts plainOutside, wideOutside;
            binValuesReference(values.data(), n, lo, hi, plainLanes, plainOutside);
            binValuesAvx2(values.data(), n, lo, hi, wideLanes, wideOutside);
            SCOPED_TRACE(testing::Message() << bins << " bins, " << n << " values");
            const auto plain = counted(plainLanes);
            EXPECT_EQ(counted(wideLanes), plain);
            EXPECT_EQ(wideOutside.below, plainOutside.below);
            EXPECT_EQ(wideOutside.above, plainOutside.above);
            EXPECT_EQ(wideOutside.nonfinite, plainOutside.nonfinite);
            EXPECT_EQ(std::accumulate(plain.begin(), plain.end(), std::uint64_t{0}) +
                          plainOutside.below + plainOutside.above + plainOutside.nonfinite,
                      n);
            if (n > 12) {
                EXPECT_EQ(plainOutside.nonfinite, 3u);
            }
        }
    }
}

TEST(HistogramBinning, TopValueFallsInTheLastBin)
{
    const std::vector<float> values = {0.0f, 0.5f, 1.0f, 1.0f};
    const Histogram h = computeHistogram(values, 4, std::make_pair(0.0, 1.0));
    EXPECT_EQ(h.counts, (std::vector<std::uint64_t>{1, 0, 1, 2}));
    EXPECT_EQ(h.below + h.above + h.nonfinite, 0u);
}

} // namespace
} // namespace qs
