#include "analysis/histogram.h"
#include "support/quant_fixtures.h"

#include <gtest/gtest.h>
#include <limits>
#include <numeric>

namespace qs {
namespace {

TEST(Histogram, CountsEveryFiniteValueOnce)
{
    auto values = test::gaussian(10001, 1);
    values[3] = std::numeric_limits<float>::quiet_NaN();
    const Histogram h = computeHistogram(values, 64);
    EXPECT_EQ(std::accumulate(h.counts.begin(), h.counts.end(), std::uint64_t{0}), 10000u);
    EXPECT_EQ(h.nonfinite, 1u);
    EXPECT_EQ(h.counts.size(), 64u);
    EXPECT_GT(h.counts[32], h.counts[2]); // a bell, not flat
}

TEST(Histogram, GivenRangeCountsOutsideValuesSeparately)
{
    const std::vector<float> values{-2, -1, -0.5f, 0, 0.5f, 1, 2};
    const Histogram h = computeHistogram(values, 4, std::make_pair(-1.0, 1.0));
    EXPECT_EQ(h.below, 1u);
    EXPECT_EQ(h.above, 1u);
    EXPECT_EQ(h.counts, (std::vector<std::uint64_t>{1, 1, 1, 2})); // 1.0 lands in the last bin
    EXPECT_DOUBLE_EQ(h.binCenter(0), -0.75);
    EXPECT_NEAR(h.heights(CountScale::Log)[3], std::log10(3.0), 1e-12);
}

TEST(Histogram, ConstantTensorGetsAUnitWideRange)
{
    const Histogram h = computeHistogram(std::vector<float>(5, 2.0f), 10);
    EXPECT_DOUBLE_EQ(h.lo, 1.5);
    EXPECT_DOUBLE_EQ(h.hi, 2.5);
    EXPECT_EQ(h.counts[5], 5u);
}

TEST(QuantOverlay, GridLevelsOnlyWhenFewEnoughToDraw)
{
    BlockRecord block{0.5f, 0, {-4.0f, 3.5f}, std::nullopt};
    const QuantOverlay int4 = quantOverlay(block, test::makeConfig("int4"));
    ASSERT_EQ(int4.gridLevels.size(), 16u);
    EXPECT_EQ(int4.gridLevels.front(), -4.0);
    EXPECT_EQ(int4.gridLevels.back(), 3.5);
    EXPECT_EQ(int4.clipLo, -4.0);
    EXPECT_TRUE(quantOverlay(block, test::makeConfig("int8")).gridLevels.empty());
    const QuantOverlay fp4 =
        quantOverlay({1.0f, 0, {-6, 6}, std::nullopt}, test::makeConfig("fp4-e2m1"));
    EXPECT_EQ(fp4.gridLevels.size(), 15u); // ±{0.5,1,1.5,2,3,4,6} and 0
}

} // namespace
} // namespace qs
