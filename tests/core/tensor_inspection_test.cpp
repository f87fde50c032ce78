// What the GUI draws for one tensor: the same numbers as the model analysis, histograms
// that account for every element, and the clipping range and grid of the block drawn.
#include "analysis/tensor_inspection.h"
#include "common/error.h"
#include "support/quant_fixtures.h"
#include "support/svtr_fixture.h"

#include <cmath>
#include <cstring>
#include <gtest/gtest.h>
#include <numeric>
#include <regex>

namespace qs {
namespace {

class TensorInspectionTest : public test::SvtrTensorTest {
protected:
    TensorInspectionTest()
        : SvtrTensorTest("linear_78.w_0")
    {
    }
    static std::uint64_t total(const Histogram& h)
    {
        return std::accumulate(h.counts.begin(), h.counts.end(), std::uint64_t{0}) + h.below +
               h.above;
    }
};

TEST_F(TensorInspectionTest, NumbersEqualTheModelAnalysis)
{
    QuantConfig config;
    config.granularity = parseGranularity("tensor");
    const TensorInspection in = inspectTensor(*model_, index_, config);
    AnalyzeOptions only;
    only.tensorFilter = std::regex("^linear_78\\.w_0$");
    const ModelReport report = analyzeModel(*model_, config, only);
    ASSERT_EQ(report.layers.size(), 1u);
    EXPECT_EQ(in.layer.sums.sumE2, report.layers[0].sums.sumE2);
    EXPECT_EQ(in.layer.metrics.sqnrDb, report.layers[0].metrics.sqnrDb);
    EXPECT_EQ(in.layer.scale, report.layers[0].scale);
}

TEST_F(TensorInspectionTest, AnInspectionNoLongerWantedStops)
{
    InspectOptions options;
    int asked = 0;
    options.keepGoing = [&asked] {
        return ++asked < 2;
    };
    EXPECT_THROW(
        inspectTensor(*model_, index_, test::makeConfig("int8", "symmetric", "channel"), options),
        CancelledError);
    EXPECT_GE(asked, 2);
}

TEST_F(TensorInspectionTest, HistogramsCountEveryElement)
{
    QuantConfig config;
    InspectOptions options;
    options.bins = 100;
    const TensorInspection in = inspectTensor(*model_, index_, config, options);
    EXPECT_EQ(in.values.counts.size(), 100u);
    EXPECT_EQ(total(in.values), 120u * 120u);
    EXPECT_EQ(total(in.errors), 120u * 120u);
    EXPECT_EQ(in.values.below + in.values.above, 0u); // the axis spans data and clip
}

TEST_F(TensorInspectionTest, PerTensorIntegerGridAndErrorWithinHalfAStep)
{
    QuantConfig config;
    config.format = parseNumberFormat("int4");
    config.granularity = parseGranularity("tensor");
    const TensorInspection in = inspectTensor(*model_, index_, config);
    ASSERT_TRUE(in.block);
    const double s = in.block->scale;
    // minmax, symmetric: the clip is ±amax and the 16 levels are s·q for q in -8..7.
    EXPECT_EQ(in.overlay.clipLo, -in.overlay.clipHi);
    EXPECT_NEAR(in.overlay.clipHi, 7 * s, 1e-6 * s);
    ASSERT_EQ(in.overlay.gridLevels.size(), 16u);
    for (int q = -8; q <= 7; ++q)
        EXPECT_NEAR(in.overlay.gridLevels[static_cast<std::size_t>(q + 8)], q * s, 1e-7);
    // Nothing is clipped, so every error lies within half a step.
    EXPECT_GE(in.errors.lo, -s / 2 * (1 + 1e-6));
    EXPECT_LE(in.errors.hi, s / 2 * (1 + 1e-6));

    // Int8 has 256 levels: too many to draw.
    config.format = parseNumberFormat("int8");
    EXPECT_TRUE(inspectTensor(*model_, index_, config).overlay.gridLevels.empty());
}

TEST_F(TensorInspectionTest, PerChannelDrawsTheEnvelopeOfAllBlocks)
{
    QuantConfig config; // channel:0
    const TensorInspection in = inspectTensor(*model_, index_, config);
    EXPECT_EQ(in.blocks, 120u);
    EXPECT_FALSE(in.block);
    EXPECT_TRUE(in.overlay.gridLevels.empty());
    // With minmax the envelope is the data's own range.
    EXPECT_NEAR(in.overlay.clipHi, std::max(-in.values.lo, in.values.hi), 1e-6);
}

TEST_F(TensorInspectionTest, SettingsThatDoNotApplyAreRefused)
{
    QuantConfig config = applyPreset({}, Preset::GgufQ4_0); // rows of 120 are not blocks of 32
    EXPECT_THROW(inspectTensor(*model_, index_, config), UsageError);
}

} // namespace
} // namespace qs

namespace qs {
namespace {

// The tensor's values, read as the inspection reads them.
std::vector<float> valuesOf(const ModelFile& model, std::size_t index)
{
    const TensorBytes bytes = model.read(index);
    const auto raw = bytes.bytes();
    std::vector<float> values(raw.size() / sizeof(float));
    std::memcpy(values.data(), raw.data(), raw.size());
    return values;
}

TEST_F(TensorInspectionTest, ChosenChannelIsDrawnAloneWithItsOwnError)
{
    QuantConfig config; // int8, symmetric, per output channel: 120 blocks of 120
    const std::uint64_t channel = 37;
    InspectOptions options;
    options.block = channel;
    const TensorInspection in = inspectTensor(*model_, index_, config, options);
    ASSERT_EQ(in.blocks, 120u);
    ASSERT_TRUE(in.block && in.blockIndex && in.blockMetrics);
    EXPECT_EQ(*in.blockIndex, channel);
    EXPECT_EQ(total(in.values), 120u);
    EXPECT_EQ(total(in.errors), 120u);

    // Row 37 of the [120, 120] weights, quantized on its own with the same settings.
    const std::vector<float> all = valuesOf(*model_, index_);
    const std::vector<float> row(all.begin() + channel * 120, all.begin() + (channel + 1) * 120);
    QuantConfig alone = config;
    alone.granularity = parseGranularity("tensor");
    QuantizeRequest request;
    const TensorQuantization q = quantizeTensor(row, Shape{120}, alone, request);
    EXPECT_EQ(in.block->scale, q.blockRecords[0].scale);
    EXPECT_EQ(in.blockMetrics->sqnrDb, computeMetrics(q.sums).sqnrDb);
    EXPECT_NE(in.blockMetrics->sqnrDb, in.layer.metrics.sqnrDb); // the tensor's stays

    // The per-channel view's point for it: extremes of the row, the row's error.
    ASSERT_EQ(in.channels.size(), 120u);
    const ChannelSummary& summary = in.channels[channel];
    EXPECT_EQ(summary.min, *std::min_element(row.begin(), row.end()));
    EXPECT_EQ(summary.max, *std::max_element(row.begin(), row.end()));
    EXPECT_NEAR(summary.sqnrDb, in.blockMetrics->sqnrDb, 1e-9);

    options.block = 120;
    EXPECT_THROW(inspectTensor(*model_, index_, config, options), UsageError);
}

TEST_F(TensorInspectionTest, PerChannelViewFollowsOutputChannelsUnderAnyGranularity)
{
    QuantConfig config;
    config.granularity = parseGranularity("group:40"); // 3 groups a row
    const TensorInspection in = inspectTensor(*model_, index_, config);
    EXPECT_EQ(in.blocks, 360u);
    ASSERT_EQ(in.channels.size(), 120u);
    const std::vector<float> all = valuesOf(*model_, index_);
    double sumE2 = 0, sumX2 = 0;
    for (const ChannelSummary& channel : in.channels) {
        EXPECT_LE(channel.min, channel.max);
        EXPECT_GT(channel.mse, 0.0);
        sumE2 += channel.mse * 120;
    }
    for (float x : all)
        sumX2 += double{x} * x;
    // The channels' errors add up to the tensor's.
    EXPECT_NEAR(sumE2, in.layer.sums.sumE2, 1e-9 * sumX2);
    EXPECT_EQ(
        *std::max_element(all.begin(), all.end()),
        std::max_element(in.channels.begin(), in.channels.end(), [](const auto& a, const auto& b) {
            return a.max < b.max;
        })->max);
}

TEST_F(TensorInspectionTest, ClippingRangeOfTheUsersOwn)
{
    QuantConfig config;
    config.granularity = parseGranularity("tensor");
    const TensorInspection calibrated = inspectTensor(*model_, index_, config);
    ASSERT_TRUE(calibrated.block);
    EXPECT_FALSE(calibrated.manualClip);

    // The calibrated (minmax) range given by hand is the same quantization.
    InspectOptions options;
    options.clip = calibrated.block->clip;
    const TensorInspection same = inspectTensor(*model_, index_, config, options);
    EXPECT_TRUE(same.manualClip);
    EXPECT_EQ(same.layer.sums.sumE2, calibrated.layer.sums.sumE2);

    // Half the range: a finer grid, the tails clipped.
    options.clip = ClipRange{calibrated.block->clip.lo / 2, calibrated.block->clip.hi / 2};
    const TensorInspection narrow = inspectTensor(*model_, index_, config, options);
    EXPECT_FLOAT_EQ(narrow.block->scale, calibrated.block->scale / 2);
    EXPECT_EQ(narrow.overlay.clipHi, options.clip->hi);
    EXPECT_GT(narrow.layer.metrics.clippedFrac, 0.0);
    EXPECT_EQ(calibrated.layer.metrics.clippedFrac, 0.0);
    // The error axis keeps to about half a step; the clipped tails are counted beside it.
    EXPECT_NEAR(narrow.errors.hi, 0.55 * narrow.block->scale, 1e-9);
    EXPECT_GT(narrow.errors.below + narrow.errors.above, 0u);
    EXPECT_EQ(total(narrow.errors), 120u * 120u);
    EXPECT_EQ(calibrated.errors.below + calibrated.errors.above, 0u);

    // Only where one pair of lines is the range, and only a real range.
    options.clip = ClipRange{std::nanf(""), 1.0f};
    EXPECT_THROW(inspectTensor(*model_, index_, config, options), UsageError);
    options.clip = ClipRange{-0.1f, 0.1f};
    EXPECT_THROW(inspectTensor(*model_, index_, QuantConfig{}, options), UsageError);
    EXPECT_THROW(
        inspectTensor(*model_, index_, applyPreset(QuantConfig{}, Preset::GgufQ8_0), options),
        UsageError);
}

} // namespace
} // namespace qs
