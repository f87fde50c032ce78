// What the GUI draws for one tensor: the same numbers as the model analysis, histograms
// that account for every element, and the clipping range and grid of the block drawn.
#include "analysis/tensor_inspection.h"
#include "common/error.h"
#include "support/test_files.h"

#include <cmath>
#include <gtest/gtest.h>
#include <numeric>
#include <regex>

namespace qs {
namespace {

class TensorInspectionTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        model_ =
            openModel((test::sharedModelsDir() / "ppocrv4_rec_svtr_neck.safetensors").string());
        for (std::size_t i = 0; i < model_->tensors().size(); ++i)
            if (model_->tensors()[i].name == "linear_78.w_0")
                index_ = i;
    }
    static std::uint64_t total(const Histogram& h)
    {
        return std::accumulate(h.counts.begin(), h.counts.end(), std::uint64_t{0}) + h.below +
               h.above;
    }

    std::unique_ptr<ModelFile> model_;
    std::size_t index_ = 0;
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
