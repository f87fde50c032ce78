// A/B on one model: layers paired by name (a preset skips some), the SQNR difference, and
// the --vs additions to each report layout.
#include "analysis/config_comparison.h"
#include "analysis/storage_size.h"
#include "formats/model_file.h"
#include "quant/quant_options.h"
#include "report/csv_report.h"
#include "report/json_report.h"
#include "report/text_report.h"
#include "report/vs_report.h"
#include "support/test_files.h"

#include <cmath>
#include <gtest/gtest.h>
#include <limits>
#include <sstream>

namespace qs {
namespace {

class ConfigComparisonTest : public ::testing::Test {
protected:
    ConfigComparisonTest()
        : model_(
              openModel((test::sharedModelsDir() / "ch_ppocr_mobile_v2.0_cls_infer.onnx").string()))
        , first_(analyzeModel(*model_, parseQuantizationOptions({})))
        , vs_(pairWith(first_,
                       analyzeModel(*model_, parseQuantizationOptions({"--preset", "gguf-q4_0"}))))
    {
    }
    std::unique_ptr<ModelFile> model_;
    ModelReport first_;
    ConfigComparison vs_;
};

TEST_F(ConfigComparisonTest, PairsLayersByNameAndLeavesOutWhatTheSecondSkipped)
{
    ASSERT_EQ(vs_.otherLayer.size(), first_.layers.size());
    std::size_t paired = 0;
    for (std::size_t i = 0; i < first_.layers.size(); ++i) {
        if (vs_.otherLayer[i]) {
            ++paired;
            EXPECT_EQ(vs_.other.layers[*vs_.otherLayer[i]].name, first_.layers[i].name);
        } else {
            bool skipped = false;
            for (const auto& s : vs_.other.skipped)
                skipped = skipped || s.name == first_.layers[i].name;
            EXPECT_TRUE(skipped) << first_.layers[i].name;
        }
    }
    EXPECT_EQ(paired, vs_.other.layers.size());
    EXPECT_GT(paired, 0u);
    EXPECT_LT(paired, first_.layers.size()) << "gguf-q4_0 needs rows of whole 32-blocks";
}

TEST(SqnrDelta, SecondMinusFirstAndExactOnBothSidesIsNoChange)
{
    ErrorMetrics a, b;
    a.sqnrDb = 40;
    b.sqnrDb = 22.5;
    EXPECT_EQ(sqnrDeltaDb(a, b), -17.5);
    const double inf = std::numeric_limits<double>::infinity();
    a.sqnrDb = inf;
    EXPECT_EQ(sqnrDeltaDb(a, b), -inf);
    b.sqnrDb = inf;
    EXPECT_EQ(sqnrDeltaDb(a, b), 0.0);
}

TEST_F(ConfigComparisonTest, EveryReportLayoutGainsTheSecondConfiguration)
{
    std::ostringstream csv;
    writeCsvReport(csv, first_, vsCsvColumns(first_, vs_));
    std::istringstream lines(csv.str());
    std::string header, row;
    std::getline(lines, header);
    EXPECT_NE(header.find(",vs_mse,vs_sqnr_db,delta_sqnr_db"), std::string::npos);
    for (std::size_t i = 0; std::getline(lines, row); ++i) {
        const std::string tail = row.substr(row.rfind(',') + 1);
        if (vs_.otherLayer[i]) {
            const auto& other = vs_.other.layers[*vs_.otherLayer[i]].metrics;
            EXPECT_EQ(std::stod(tail), sqnrDeltaDb(first_.layers[i].metrics, other)) << row;
        } else {
            EXPECT_EQ(row.substr(row.size() - 3), ",,,") << row;
        }
    }

    auto doc = reportJson(first_);
    addVsJson(doc, first_, vs_);
    EXPECT_EQ(doc["vs"]["options"], "--preset gguf-q4_0");
    EXPECT_EQ(doc["vs"]["config"]["preset"], "gguf-q4_0");
    // Both sides over the first report's tensors, those q4_0 cannot take as stored.
    double weights = 0, firstBits = 0, secondBits = 0;
    std::size_t stored = 0;
    for (std::size_t i = 0; i < first_.layers.size(); ++i) {
        weights += double(first_.layers[i].numel);
        firstBits += layerStorage(first_.layers[i], first_.config).bitsAfter;
        if (vs_.otherLayer[i]) {
            secondBits +=
                layerStorage(vs_.other.layers[*vs_.otherLayer[i]], vs_.other.config).bitsAfter;
        } else {
            secondBits += 32.0 * double(first_.layers[i].numel); // float32 as stored
            ++stored;
        }
    }
    EXPECT_DOUBLE_EQ(doc["vs"]["bits_per_weight"]["vs"].get<double>(), secondBits / weights);
    EXPECT_DOUBLE_EQ(doc["vs"]["bits_per_weight"]["first"].get<double>(), firstBits / weights);
    EXPECT_EQ(doc["vs"]["kept_as_stored"].get<std::size_t>(), stored);
    EXPECT_GT(stored, 0u);
    EXPECT_EQ(doc["vs"]["summary"]["sqnr_db"].get<double>(), vs_.other.summary.metrics.sqnrDb)
        << "summary: the second configuration's own tensors";
    EXPECT_GT(doc["vs"]["sqnr_db"]["vs"].get<double>(), vs_.other.summary.metrics.sqnrDb)
        << "the tensors kept as stored add signal and no error";
    for (std::size_t i = 0; i < first_.layers.size(); ++i)
        EXPECT_EQ(doc["layers"][i]["vs"].is_null(), !vs_.otherLayer[i]);

    std::ostringstream text;
    writeReportText(text, first_, vsTextColumns(first_, vs_));
    EXPECT_NE(text.str().find("vs SQNR dB"), std::string::npos);
    EXPECT_NE(text.str().find("vs --preset gguf-q4_0: SQNR"), std::string::npos);
    EXPECT_NE(text.str().find("not analysed under it"), std::string::npos);
}

} // namespace
} // namespace qs
