// Golden test of the layer output error (spec §9, §10) on a real model and recorded inputs:
// two Paddle Linear layers of the shared SVTR neck, fed from an .npz and an .npy, with uint8
// and int8 activations and per-channel and per-tensor weights. The expected numbers come
// from tests/data/activations/expected.json, written by an independent NumPy implementation
// (tests/data/make_activation_fixtures.py); these tests do not need Python.
//
// The scale and zero point of X must match exactly (same float32 steps). The metrics may
// differ in the last bits only: NumPy's float32 matmul sums Y = X W in another order than
// Eigen, so the tolerances below allow for that reference rounding, and nothing more (the
// script measures the effect at under 1e-6 relative on these layers).
#include "analysis/model_analyzer.h"
#include "common/error.h"
#include "formats/model_file.h"
#include "support/quant_fixtures.h"
#include "support/test_files.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>

namespace qs {
namespace {

// Reference-rounding allowances (see the header comment); a wrong code, scale or zero point
// anywhere moves these metrics by far more.
constexpr double kSqnrToleranceDb = 0.01;
constexpr double kMseRelTolerance = 1e-4;
constexpr double kMaxAbsErrRelTolerance = 1e-4;
constexpr double kCosineTolerance = 1e-7;

const std::string kModel = (test::sharedModelsDir() / "ppocrv4_rec_svtr_neck.safetensors").string();

std::filesystem::path activationsDir()
{
    return test::testDataDir() / "activations";
}

nlohmann::json loadExpected()
{
    const auto path = activationsDir() / "expected.json";
    std::ifstream in(path);
    if (!in)
        throw std::runtime_error("cannot open " + path.string());
    return nlohmann::json::parse(in);
}

const nlohmann::json& expected()
{
    static const nlohmann::json root = loadExpected();
    return root;
}

QuantConfig weightConfig(const std::string& granularity)
{
    return test::makeConfig("int8", "symmetric", granularity, "minmax");
}

AnalyzeOptions matmulOptions(const std::string& file, const std::string& actDtype)
{
    MatmulOptions matmul;
    matmul.activationType = parseActivationType(actDtype);
    matmul.activationsPath = (activationsDir() / file).string();
    AnalyzeOptions options;
    options.matmul = matmul;
    return options;
}

const LayerReport* findLayer(const ModelReport& report, const std::string& name)
{
    for (const LayerReport& layer : report.layers)
        if (layer.name == name)
            return &layer;
    return nullptr;
}

double relativeDifference(double actual, double wanted)
{
    return std::fabs(actual - wanted) / std::fabs(wanted);
}

// Largest differences seen over all checked layers, printed once at the end of a test so
// that the measured agreement is visible in the log, not only pass/fail.
struct Agreement {
    double sqnrDb = 0, mseRel = 0, maxAbsErrRel = 0, cosine = 0;
    void print(const std::string& what) const
    {
        std::cout << "[ agreement ] " << what << ": max |Δsqnr| " << sqnrDb << " dB, mse rel "
                  << mseRel << ", max_abs_err rel " << maxAbsErrRel << ", |Δcosine| " << cosine
                  << "\n";
    }
};

void expectLayerMatches(const LayerReport& layer, const nlohmann::json& want,
                        const std::string& granularity, Agreement& agreement)
{
    SCOPED_TRACE(layer.name);
    ASSERT_TRUE(layer.output.has_value()) << "output not measured: " << layer.outputSkipped;
    const LayerOutput& out = *layer.output;
    EXPECT_EQ(out.weightGranularity, granularity);
    EXPECT_EQ(out.layout, want.at("layout").get<std::string>());
    // Paddle stores Linear weights [in, out]. linear_78.w_0 is square with a 120-long bias,
    // so the bias cannot tell the orientation and only the ".w_0" name can.
    EXPECT_EQ(out.layout, "in×out");
    EXPECT_EQ(out.m, want.at("m").get<std::int64_t>());
    EXPECT_EQ(out.m, 16);
    EXPECT_EQ(out.n, want.at("n").get<std::int64_t>());
    EXPECT_EQ(out.k, want.at("k").get<std::int64_t>());
    EXPECT_EQ(out.nonfinite, 0u);
    EXPECT_EQ(out.metrics.count, static_cast<std::uint64_t>(out.m * out.n));
    // Exact: the same float32 operations on the same values (§2 minmax, §3).
    EXPECT_EQ(out.actScale, want.at("act_scale").get<float>());
    EXPECT_EQ(out.actZeroPoint, want.at("act_zero_point").get<std::int32_t>());

    const ErrorMetrics& got = out.metrics;
    const double sqnr = want.at("sqnr_db").get<double>();
    const double mse = want.at("mse").get<double>();
    const double maxAbsErr = want.at("max_abs_err").get<double>();
    const double cosine = want.at("cosine").get<double>();
    EXPECT_NEAR(got.sqnrDb, sqnr, kSqnrToleranceDb);
    EXPECT_LE(relativeDifference(got.mse, mse), kMseRelTolerance)
        << "mse " << got.mse << " expected " << mse;
    EXPECT_LE(relativeDifference(got.maxAbsErr, maxAbsErr), kMaxAbsErrRelTolerance)
        << "max_abs_err " << got.maxAbsErr << " expected " << maxAbsErr;
    EXPECT_NEAR(got.cosine, cosine, kCosineTolerance);

    agreement.sqnrDb = std::max(agreement.sqnrDb, std::fabs(got.sqnrDb - sqnr));
    agreement.mseRel = std::max(agreement.mseRel, relativeDifference(got.mse, mse));
    agreement.maxAbsErrRel =
        std::max(agreement.maxAbsErrRel, relativeDifference(got.maxAbsErr, maxAbsErr));
    agreement.cosine = std::max(agreement.cosine, std::fabs(got.cosine - cosine));
}

// Runs every expected.json case recorded for `file`, with `filter` selecting the layers.
void checkCasesOf(const std::string& file, const std::optional<std::string>& filter)
{
    const auto model = openModel(kModel);
    Agreement agreement;
    int checked = 0;
    for (const nlohmann::json& c : expected().at("cases")) {
        if (c.at("activations").get<std::string>() != file)
            continue;
        const std::string actDtype = c.at("act_dtype").get<std::string>();
        const std::string granularity = c.at("weights").get<std::string>();
        ASSERT_EQ(c.at("calibration").get<std::string>(), "minmax");
        SCOPED_TRACE(file + ", " + actDtype + " activations, per-" + granularity + " weights");

        AnalyzeOptions options = matmulOptions(file, actDtype);
        if (filter)
            options.tensorFilter.emplace(*filter);
        const ModelReport report = analyzeModel(*model, weightConfig(granularity), options);
        EXPECT_EQ(report.activations, file);
        for (const auto& [name, want] : c.at("layers").items()) {
            const LayerReport* layer = findLayer(report, name);
            ASSERT_NE(layer, nullptr) << name << " not in the report";
            expectLayerMatches(*layer, want, granularity, agreement);
            ++checked;
        }
    }
    EXPECT_GT(checked, 0) << "no cases for " << file << " in expected.json";
    agreement.print(file + " (" + std::to_string(checked) + " layer cases)");
}

TEST(LayerOutputGolden, NpzInputsMatchNumPy)
{
    // The whole model: only the two layers the npz holds are measured.
    checkCasesOf("svtr_neck_inputs.npz", std::nullopt);
}

TEST(LayerOutputGolden, NpyInputMatchesNumPyForTheOneSelectedLayer)
{
    checkCasesOf("linear_77.npy", "^linear_77\\.w_0$");
}

TEST(LayerOutputGolden, LayerAbsentFromTheNpzIsSkippedWithItsReason)
{
    const auto model = openModel(kModel);
    AnalyzeOptions options = matmulOptions("svtr_neck_inputs.npz", "uint8");
    options.tensorFilter.emplace("^linear_7[789]\\.w_0$");
    const ModelReport report = analyzeModel(*model, weightConfig("channel"), options);
    ASSERT_EQ(report.layers.size(), 3u);
    const LayerReport* absent = findLayer(report, "linear_79.w_0");
    ASSERT_NE(absent, nullptr);
    EXPECT_FALSE(absent->output.has_value());
    EXPECT_NE(absent->outputSkipped.find("no activations"), std::string::npos)
        << absent->outputSkipped;
    EXPECT_NE(absent->outputSkipped.find("svtr_neck_inputs.npz"), std::string::npos)
        << absent->outputSkipped;
    // Its siblings are still measured, and the summary counts only them.
    EXPECT_TRUE(findLayer(report, "linear_77.w_0")->output.has_value());
    EXPECT_TRUE(findLayer(report, "linear_78.w_0")->output.has_value());
    EXPECT_EQ(report.summary.outputLayers, 2u);
}

TEST(LayerOutputGolden, NpyWithTwoLayersSelectedIsRefused)
{
    // A .npy has no layer names: feeding it to two layers would be a silent guess.
    const auto model = openModel(kModel);
    AnalyzeOptions options = matmulOptions("linear_77.npy", "uint8");
    options.tensorFilter.emplace("^linear_7[78]\\.w_0$");
    EXPECT_THROW(analyzeModel(*model, weightConfig("channel"), options), UsageError);
}

} // namespace
} // namespace qs
