// The model-level analysis on the real bundled transformer blocks.
#include "analysis/model_analyzer.h"
#include "common/error.h"
#include "support/quant_fixtures.h"
#include "support/test_files.h"

#include <cstring>
#include <gtest/gtest.h>
#include <map>
#include <mutex>
#include <regex>

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

TEST(ModelAnalyzer, ReportsEachLayerAsItIsDone)
{
    const auto model = openModel(kSvtr);
    std::mutex mutex;
    std::map<std::size_t, LayerReport> done;
    AnalyzeOptions options;
    options.tensorFilter = std::regex("^linear_");
    options.layerDone = [&](std::size_t index, const LayerReport& layer) {
        std::lock_guard lock(mutex);
        EXPECT_TRUE(done.emplace(index, layer).second) << "reported twice: " << index;
    };
    const ModelReport report = analyzeModel(*model, QuantConfig{}, options);
    ASSERT_EQ(done.size(), report.layers.size());
    std::size_t k = 0;
    for (const auto& [index, layer] : done) { // by file index: the report's order
        EXPECT_EQ(model->tensors()[index].name, layer.name);
        EXPECT_EQ(layer.name, report.layers[k].name);
        EXPECT_EQ(layer.metrics.sqnrDb, report.layers[k].metrics.sqnrDb);
        ++k;
    }
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

namespace qs {
namespace {

// Many fp16 tensors of different sizes, each large enough to be split over threads: every
// tensor is widened into a per-thread buffer, and the numbers must not depend on how the
// threads interleave the tensors.
TEST(ModelAnalyzer, WidenedTensorsGiveTheSameNumbersOnOneAndTwoThreads)
{
    test::TempDir dir;
    const auto path = dir.file("halves.safetensors");
    nlohmann::ordered_json header;
    std::vector<std::uint8_t> data;
    for (int t = 0; t < 12; ++t) {
        const std::int64_t rows = 4 + t, cols = 40000 + 1000 * t;
        const auto values = test::gaussian(static_cast<std::size_t>(rows * cols), 100 + t);
        const std::size_t begin = data.size();
        for (float v : values) {
            // fp16 by truncation is fine for test data: these are normal numbers.
            std::uint32_t bits;
            std::memcpy(&bits, &v, 4);
            const int exponent = static_cast<int>((bits >> 23) & 0xff) - 112;
            const std::uint16_t half =
                exponent <= 0
                    ? static_cast<std::uint16_t>((bits >> 16) & 0x8000)
                    : static_cast<std::uint16_t>(((bits >> 16) & 0x8000) | (exponent << 10) |
                                                 ((bits >> 13) & 0x3ff));
            data.push_back(static_cast<std::uint8_t>(half));
            data.push_back(static_cast<std::uint8_t>(half >> 8));
        }
        header["t" + std::to_string(t)] = {
            {"dtype", "F16"}, {"shape", {rows, cols}}, {"data_offsets", {begin, data.size()}}};
    }
    const std::string text = header.dump();
    std::vector<std::uint8_t> file(8 + text.size() + data.size());
    const std::uint64_t length = text.size();
    std::memcpy(file.data(), &length, 8);
    std::memcpy(file.data() + 8, text.data(), text.size());
    std::memcpy(file.data() + 8 + text.size(), data.data(), data.size());
    test::writeFile(path, file);

    const auto model = openModel(path.string());
    const auto config = test::makeConfig("int4", "symmetric", "tensor");
    AnalyzeOptions one, two;
    one.threads = 1;
    two.threads = 2;
    const ModelReport a = analyzeModel(*model, config, one);
    for (int round = 0; round < 3; ++round) {
        const ModelReport b = analyzeModel(*model, config, two);
        ASSERT_EQ(a.layers.size(), b.layers.size());
        for (std::size_t i = 0; i < a.layers.size(); ++i) {
            EXPECT_EQ(a.layers[i].metrics.mse, b.layers[i].metrics.mse) << a.layers[i].name;
            EXPECT_EQ(a.layers[i].scaleMax, b.layers[i].scaleMax) << a.layers[i].name;
        }
    }
}

} // namespace
} // namespace qs
