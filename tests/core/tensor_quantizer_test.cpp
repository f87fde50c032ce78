// Whole-tensor quantization: block layouts of every granularity, group remainders, odd
// sizes, nonfinite values, degenerate tensors and thread-count independence.
#include "analysis/error_metrics.h"
#include "analysis/histogram.h"
#include "common/error.h"
#include "quant/block_layout.h"
#include "quant/tensor_quantizer.h"
#include "support/quant_fixtures.h"

#include <gtest/gtest.h>
#include <limits>
#include <numeric>
#include <tbb/global_control.h>

namespace qs {
namespace {

using test::gaussian;
using test::makeConfig;

TensorQuantization run(const std::vector<float>& values, const Shape& shape,
                       const QuantConfig& config, std::vector<float>* restored = nullptr)
{
    QuantizeRequest request;
    request.keepBlockRecords = true;
    if (restored) {
        restored->assign(values.size(), 0.0f);
        request.dequantized = *restored;
    }
    return quantizeTensor(values, shape, config, request);
}

float absMax(const float* x, std::size_t n, std::size_t stride = 1)
{
    float m = 0;
    for (std::size_t i = 0; i < n; ++i)
        m = std::max(m, std::fabs(x[i * stride]));
    return m;
}

// The spec's formulas written out once more, element by element, as the oracle.
float symmetricInt8(float x, float amax)
{
    const float s = amax / 127.0f;
    const float q = std::min(std::max(std::nearbyint(x * (1.0f / s)), -128.0f), 127.0f);
    return s * q;
}

class OddSizes : public ::testing::TestWithParam<std::int64_t> {};

TEST_P(OddSizes, PerTensorMatchesTheFormulaElementByElement)
{
    const std::int64_t n = GetParam();
    const auto values = gaussian(static_cast<std::size_t>(n), 42);
    std::vector<float> restored;
    const auto q = run(values, {n}, makeConfig("int8", "symmetric", "tensor"), &restored);
    const float amax = absMax(values.data(), values.size());
    double sumE2 = 0;
    for (std::size_t i = 0; i < values.size(); ++i) {
        ASSERT_EQ(restored[i], symmetricInt8(values[i], amax)) << i;
        const double e = restored[i] - values[i];
        sumE2 += e * e;
    }
    EXPECT_EQ(q.blocks, 1u);
    EXPECT_EQ(q.blockRecords[0].scale, amax / 127.0f);
    EXPECT_NEAR(q.sums.sumE2, sumE2, 1e-12 * sumE2);
}

INSTANTIATE_TEST_SUITE_P(Sizes, OddSizes,
                         ::testing::Values(1, 15, 17, 31, 33, 127, 129, 1023, 70001));

TEST(TensorQuantizer, PerChannelAxis0UsesEachRowsRange)
{
    const auto values = gaussian(4 * 9, 1);
    const auto q = run(values, {4, 9}, makeConfig("int8", "symmetric", "channel:0"));
    ASSERT_EQ(q.blocks, 4u);
    for (int row = 0; row < 4; ++row)
        EXPECT_EQ(q.blockRecords[row].scale, absMax(values.data() + row * 9, 9) / 127.0f);
}

TEST(TensorQuantizer, PerChannelInnerAxisGathersStridedElements)
{
    const auto values = gaussian(3 * 4 * 5, 2);
    std::vector<float> restored;
    const auto q = run(values, {3, 4, 5}, makeConfig("int8", "symmetric", "channel:1"), &restored);
    ASSERT_EQ(q.blocks, 4u);
    for (int c = 0; c < 4; ++c) {
        float amax = 0;
        for (int o = 0; o < 3; ++o)
            amax = std::max(amax, absMax(values.data() + (o * 4 + c) * 5, 5));
        EXPECT_EQ(q.blockRecords[c].scale, amax / 127.0f);
        // Every element of the channel is restored with that channel's scale.
        for (int o = 0; o < 3; ++o)
            for (int i = 0; i < 5; ++i) {
                const std::size_t at = (o * 4 + c) * 5 + i;
                EXPECT_EQ(restored[at], symmetricInt8(values[at], amax));
            }
    }
}

TEST(TensorQuantizer, GroupsRunAlongTheLastAxisWithAShortLastGroup)
{
    const auto values = gaussian(2 * 10, 3);
    const auto q = run(values, {2, 10}, makeConfig("int4", "symmetric", "group:4"));
    ASSERT_EQ(q.blocks, 6u); // 4 + 4 + 2 per row
    EXPECT_EQ(q.blockRecords[2].scale, absMax(values.data() + 8, 2) / 7.0f);
    EXPECT_EQ(q.blockRecords[3].scale, absMax(values.data() + 10, 4) / 7.0f);
    EXPECT_EQ(q.blockRecords[5].scale, absMax(values.data() + 18, 2) / 7.0f);
}

TEST(TensorQuantizer, NonfiniteValuesAreCountedAndExcluded)
{
    auto values = gaussian(64, 4);
    const auto clean = run(values, {64}, makeConfig());
    values.push_back(std::numeric_limits<float>::quiet_NaN());
    values.push_back(-std::numeric_limits<float>::infinity());
    const auto dirty = run(values, {66}, makeConfig());
    EXPECT_EQ(dirty.nonfinite, 2u);
    EXPECT_EQ(dirty.sums.count, 64u);
    EXPECT_EQ(dirty.blockRecords[0].scale, clean.blockRecords[0].scale);
    EXPECT_EQ(dirty.sums.sumE2, clean.sums.sumE2);
}

TEST(TensorQuantizer, AllZeroAndConstantTensors)
{
    const auto zeros = run(std::vector<float>(33, 0.0f), {33}, makeConfig("int8", "asymmetric"));
    EXPECT_EQ(zeros.blockRecords[0].scale, 1.0f);
    const ErrorMetrics m = computeMetrics(zeros.sums);
    EXPECT_EQ(m.mse, 0.0);
    EXPECT_TRUE(std::isinf(m.sqnrDb));
    EXPECT_EQ(m.cosine, 1.0);

    const auto constant =
        run(std::vector<float>(17, 0.75f), {17}, makeConfig("uint8", "asymmetric"));
    EXPECT_GT(computeMetrics(constant.sums).sqnrDb, 100.0);
}

TEST(TensorQuantizer, ResultDoesNotDependOnThreadCount)
{
    const auto values = gaussian(3 * 300000, 5);
    for (const char* granularity : {"tensor", "channel:0", "group:64"}) {
        const auto config = makeConfig("int8", "asymmetric", granularity);
        TensorQuantization one, many;
        {
            tbb::global_control limit(tbb::global_control::max_allowed_parallelism, 1);
            one = run(values, {3, 300000}, config);
        }
        many = run(values, {3, 300000}, config);
        EXPECT_EQ(one.sums.sumE2, many.sums.sumE2) << granularity;
        EXPECT_EQ(one.sums.sumXE, many.sums.sumXE) << granularity;
        EXPECT_EQ(one.scaleMin, many.scaleMin) << granularity;
    }
}

TEST(TensorQuantizer, MoreBitsMeanLessErrorAboutSixDbEach)
{
    const auto values = gaussian(1 << 16, 6);
    double previous = 0;
    // From 6 bits on, clipping of the Gaussian's tails no longer matters and each bit halves
    // the step: +6.02 dB.
    for (int bits = 6; bits <= 10; ++bits) {
        const auto q = run(values, {1 << 16}, makeConfig("int" + std::to_string(bits)));
        const double sqnr = computeMetrics(q.sums).sqnrDb;
        if (bits > 6) {
            EXPECT_NEAR(sqnr - previous, 6.02, 0.3) << bits;
        }
        previous = sqnr;
    }
}

TEST(TensorQuantizer, FloatFormatsScaledAndUnscaled)
{
    auto values = gaussian(256, 7);
    values[0] = 1000.0f;
    auto unscaled = makeConfig("fp8-e4m3");
    unscaled.fpMode = FpMode::Unscaled;
    const auto u = run(values, {256}, unscaled);
    EXPECT_EQ(u.casts.overflow, 1u); // 1000 > 448
    EXPECT_EQ(u.blocks, 1u);
    const auto s = run(values, {256}, makeConfig("fp8-e4m3"));
    EXPECT_EQ(s.casts.overflow, 0u);
    EXPECT_EQ(s.blockRecords[0].scale, 1000.0f / 448.0f);
}

TEST(TensorQuantizer, ReportsWhyAConfigDoesNotFit)
{
    auto preset = applyPreset(QuantConfig{}, Preset::GgufQ8_0);
    EXPECT_EQ(*whyNotApplicable({4, 33}, preset),
              "last dimension 33 is not a multiple of the 32-element block of gguf-q8_0");
    EXPECT_FALSE(whyNotApplicable({4, 64}, preset));
    EXPECT_TRUE(whyNotApplicable({8}, makeConfig("int8", "symmetric", "channel:1")));
    EXPECT_TRUE(whyNotApplicable({}, makeConfig("int8", "symmetric", "group:8")));
    EXPECT_TRUE(whyNotApplicable({0, 4}, makeConfig()));
    EXPECT_THROW(
        quantizeTensor(std::vector<float>(8), {8}, makeConfig("int8", "symmetric", "channel:1")),
        UsageError);
}

TEST(TensorQuantizer, ProgressCountsEveryElementOnce)
{
    const auto values = gaussian(64 * 5000, 8);
    for (const char* granularity : {"tensor", "channel:0", "channel:1", "group:128"}) {
        std::atomic<std::uint64_t> finished{0};
        QuantizeRequest request;
        request.progress = [&](std::uint64_t n) {
            finished += n;
            return true;
        };
        quantizeTensor(values, {64, 5000}, makeConfig("int8", "symmetric", granularity), request);
        EXPECT_EQ(finished.load(), values.size()) << granularity;
    }
}

TEST(TensorQuantizer, ProgressCanCancelInsideOneLargeBlock)
{
    const auto values = gaussian(1 << 20, 9);
    std::atomic<int> calls{0};
    QuantizeRequest request;
    // Stop at the first check-in: the MSE search over a single block would otherwise
    // quantize the tensor a thousand times before anything finished.
    request.progress = [&](std::uint64_t) {
        return ++calls < 1;
    };
    EXPECT_THROW(quantizeTensor(values, {1 << 20}, makeConfig("int8", "symmetric", "tensor", "mse"),
                                request),
                 CancelledError);
    EXPECT_LT(calls.load(), 4); // a worker already past its check-in may still call once
}

} // namespace
} // namespace qs

namespace qs {
namespace {

// Gathering a block gives exactly the elements its scale was computed from, and blockOf
// finds every element's block.
TEST(BlockLayout, GatherAndBlockOfAgreeForEveryGranularity)
{
    const Shape shape{3, 4, 10};
    std::vector<float> tensor(120);
    for (std::size_t i = 0; i < tensor.size(); ++i)
        tensor[i] = static_cast<float>(i);
    for (const char* granularity : {"tensor", "channel:0", "channel:1", "channel:2", "group:4"}) {
        const BlockLayout layout(shape, test::makeConfig("int8", "symmetric", granularity));
        std::vector<int> seen(120, 0);
        for (std::uint64_t b = 0; b < layout.blocks(); ++b)
            for (float v : layout.gather(tensor, b)) {
                const auto index = static_cast<std::uint64_t>(v);
                ++seen[index];
                EXPECT_EQ(layout.blockOf(index), b) << granularity << " element " << index;
            }
        EXPECT_EQ(std::count(seen.begin(), seen.end(), 1), 120) << granularity;
    }
    EXPECT_EQ(BlockLayout(shape, test::makeConfig("int8", "symmetric", "channel:1")).blocks(), 4u);
    EXPECT_EQ(BlockLayout(shape, test::makeConfig("int8", "symmetric", "group:4")).blocks(), 36u);
    const auto channel1 = BlockLayout(shape, test::makeConfig("int8", "symmetric", "channel:1"));
    EXPECT_EQ(channel1.gather(tensor, 2).front(), 20.0f); // [0, 2, 0]
    EXPECT_EQ(channel1.gather(tensor, 2)[10], 60.0f);     // [1, 2, 0]
}

// A block's histogram with its clipping range and grid, ready for a chart.
TEST(BlockLayout, HistogramOfOneBlockWithItsOverlay)
{
    const auto values = test::gaussian(8 * 64, 12);
    const auto config = test::makeConfig("int4", "symmetric", "channel:0");
    QuantizeRequest request;
    request.keepBlockRecords = true;
    const auto q = quantizeTensor(values, {8, 64}, config, request);
    const BlockLayout layout({8, 64}, config);
    const std::vector<float> row3 = layout.gather(values, 3);
    const QuantOverlay overlay = quantOverlay(q.blockRecords[3], config);
    const Histogram h = computeHistogram(row3, 32, std::make_pair(overlay.clipLo, overlay.clipHi));
    EXPECT_EQ(h.below + h.above, 0u); // minmax: nothing outside the clipping range
    EXPECT_EQ(std::accumulate(h.counts.begin(), h.counts.end(), std::uint64_t{0}), 64u);
    ASSERT_EQ(overlay.gridLevels.size(), 16u);
    EXPECT_FLOAT_EQ(static_cast<float>(overlay.gridLevels.back()), 7 * q.blockRecords[3].scale);
}

} // namespace
} // namespace qs
