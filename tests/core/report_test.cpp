// The JSON and CSV reports: the schema of the issue, "inf" for infinite metrics, one CSV
// row per layer.
#include "analysis/model_analyzer.h"
#include "report/csv_report.h"
#include "report/json_report.h"
#include "report/text_report.h"
#include "support/quant_fixtures.h"
#include "support/test_files.h"

#include <gtest/gtest.h>
#include <sstream>

namespace qs {
namespace {

ModelReport smallReport()
{
    ModelReport report;
    report.path = "m.safetensors";
    report.format = "safetensors";
    report.tensorCount = 2;
    report.parameters = 8;
    report.config = test::makeConfig();
    const TensorInfo zeros{"zeros", {2, 2}, DType::F32, 4, 0, 16, "m.safetensors", "", "", {}};
    report.layers.push_back(analyzeTensor(zeros, std::vector<float>(4, 0.0f), report.config));
    const TensorInfo w{"w,1", {4}, DType::F32, 4, 16, 16, "m.safetensors", "", "", {}};
    report.layers.push_back(
        analyzeTensor(w, std::vector<float>{0.1f, -0.7f, 0.33f, 1.0f}, report.config));
    report.skipped.push_back({"ids", "integer tensor (I64)"});
    report.summary.parameters = 8;
    return report;
}

TEST(JsonReport, FollowsTheSchema)
{
    const auto doc = reportJson(smallReport());
    EXPECT_EQ(doc["quantscope_report"], 1);
    EXPECT_EQ(doc["model"]["format"], "safetensors");
    EXPECT_EQ(doc["config"]["dtype"], "int8");
    EXPECT_TRUE(doc["config"]["preset"].is_null());
    EXPECT_EQ(doc["config"]["granularity"], "tensor");
    const auto& zeros = doc["layers"][0];
    EXPECT_EQ(zeros["sqnr_db"], "inf");
    EXPECT_EQ(zeros["scale"], 1.0);
    EXPECT_EQ(zeros["zero_point"], 0);
    EXPECT_EQ(zeros["shape"], nlohmann::json::array({2, 2}));
    for (const char* key :
         {"name", "shape", "dtype", "numel", "nonfinite", "blocks", "scale_min", "scale_max", "mse",
          "rmse", "max_abs_err", "mean_err", "sqnr_db", "cosine", "rel_fro", "clipped_frac"})
        EXPECT_TRUE(doc["layers"][1].contains(key)) << key;
    EXPECT_FALSE(doc["layers"][1].contains("overflow"));
    EXPECT_EQ(doc["skipped"][0]["reason"], "integer tensor (I64)");
    EXPECT_TRUE(doc["summary"].contains("sqnr_db"));
}

TEST(CsvReport, OneRowPerLayerWithQuotedNames)
{
    std::ostringstream out;
    writeCsvReport(out, smallReport());
    const std::string text = out.str();
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 3);
    EXPECT_NE(text.find("\nzeros,2x2,F32,4,0,1,"), std::string::npos);
    EXPECT_NE(text.find("\n\"w,1\",4,F32,"), std::string::npos);
    EXPECT_NE(text.find(",inf,"), std::string::npos);
}

TEST(InfoJson, ListsTensorsWithOffsets)
{
    const auto model =
        openModel((test::sharedModelsDir() / "ppocrv4_rec_svtr_neck.safetensors").string());
    const auto doc = infoJson(*model);
    EXPECT_EQ(doc["format"], "safetensors");
    EXPECT_EQ(doc["parameters"], 233280);
    EXPECT_EQ(doc["tensors"].size(), 26u);
    EXPECT_EQ(doc["tensors"][11]["name"], "linear_77.w_0");
    EXPECT_EQ(doc["tensors"][11]["shape"], nlohmann::json::array({120, 360}));
    EXPECT_TRUE(doc["metadata"].contains("license"));
}

TEST(TextReport, SaysWhenNothingWasAnalysed)
{
    ModelReport empty;
    empty.config = test::makeConfig();
    std::ostringstream out;
    writeReportText(out, empty);
    EXPECT_NE(out.str().find("no tensor analysed"), std::string::npos);
}

} // namespace
} // namespace qs
