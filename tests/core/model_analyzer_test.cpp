// The model-level analysis on the real bundled transformer blocks.
#include "analysis/model_analyzer.h"
#include "common/error.h"
#include "support/quant_fixtures.h"
#include "support/test_files.h"

#include <gtest/gtest.h>

namespace qs {
namespace {

const std::string kSvtr = (test::sharedModelsDir() / "ppocrv4_rec_svtr_neck.safetensors").string();

TEST(ModelAnalyzer, AnalysesEveryFloatTensorOfARealModel)
{
    const auto model = openModel(kSvtr);
    const ModelReport report =
        analyzeModel(*model, test::makeConfig("int8", "symmetric", "channel:0"));
    EXPECT_EQ(report.layers.size(), 26u);
    EXPECT_TRUE(report.skipped.empty());
    EXPECT_EQ(report.parameters, 233280u);
    EXPECT_EQ(report.summary.parameters, 233280u);
    double lowest = INFINITY, highest = -INFINITY;
    for (const LayerReport& layer : report.layers) {
        lowest = std::min(lowest, layer.metrics.sqnrDb);
        highest = std::max(highest, layer.metrics.sqnrDb);
        EXPECT_GT(layer.metrics.cosine, 0.99) << layer.name;
    }
    EXPECT_GE(report.summary.metrics.sqnrDb, lowest);
    EXPECT_LE(report.summary.metrics.sqnrDb, highest);
}

TEST(ModelAnalyzer, PresetSkipsTensorsWhoseRowsDoNotFitItsBlocks)
{
    const auto model = openModel(kSvtr);
    const ModelReport report = analyzeModel(*model, applyPreset(QuantConfig{}, Preset::GgufQ8_0));
    // Last dimensions here are 120, 240 and 360: none is a multiple of 32, so every tensor
    // is listed with its reason and none is half-quantized.
    EXPECT_TRUE(report.layers.empty());
    ASSERT_EQ(report.skipped.size(), 26u);
    for (const SkippedTensor& s : report.skipped)
        EXPECT_NE(s.reason.find("not a multiple of the 32-element block of gguf-q8_0"),
                  std::string::npos)
            << s.name;
}

TEST(ModelAnalyzer, FilterSelectsTensorsByRegex)
{
    const auto model = openModel(kSvtr);
    AnalyzeOptions options;
    options.tensorFilter.emplace("^linear_7[78]\\.w");
    const ModelReport report = analyzeModel(*model, test::makeConfig(), options);
    ASSERT_EQ(report.layers.size(), 2u);
    EXPECT_EQ(report.layers[0].name, "linear_77.w_0");
    EXPECT_EQ(report.layers[1].name, "linear_78.w_0");
}

TEST(ModelAnalyzer, OneThreadAndTwoThreadsGiveTheSameNumbers)
{
    const auto model = openModel(kSvtr);
    AnalyzeOptions one;
    one.threads = 1;
    AnalyzeOptions two;
    two.threads = 2;
    const auto config = test::makeConfig("int4", "asymmetric", "group:32", "mse");
    const ModelReport a = analyzeModel(*model, config, one);
    const ModelReport b = analyzeModel(*model, config, two);
    ASSERT_EQ(a.layers.size(), b.layers.size());
    for (std::size_t i = 0; i < a.layers.size(); ++i)
        EXPECT_EQ(a.layers[i].metrics.mse, b.layers[i].metrics.mse) << a.layers[i].name;
}

class CancelAtOnce : public Progress {
public:
    bool report(std::uint64_t, std::uint64_t) override { return false; }
};

TEST(ModelAnalyzer, ProgressCanCancel)
{
    const auto model = openModel(kSvtr);
    CancelAtOnce cancel;
    AnalyzeOptions options;
    options.progress = &cancel;
    EXPECT_THROW(analyzeModel(*model, test::makeConfig(), options), CancelledError);
}

} // namespace
} // namespace qs
