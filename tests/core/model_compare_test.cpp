// compare: a candidate file's values measured against its reference, tensor by tensor.

#include "analysis/model_compare.h"
#include "quant/float_format.h"
#include "report/compare_report.h"
#include "support/gguf_builder.h"
#include "support/test_files.h"

#include <cmath>
#include <gtest/gtest.h>
#include <sstream>

namespace qs {
namespace {

using test::GgufBuilder;

std::unique_ptr<ModelFile> sharedModel(const std::string& name)
{
    return openModel((test::sharedModelsDir() / name).string());
}

TEST(CompareValues, SumsFollowSpecNineWithXAsReference)
{
    const std::vector<float> x{1.0f, -2.0f, 0.5f, 4.0f};
    const std::vector<float> y{1.5f, -2.0f, 0.0f, 3.0f}; // e = 0.5, 0, -0.5, -1
    std::uint64_t nonfinite = 1;
    const ErrorSums sums = compareValues(x, y, nonfinite);
    EXPECT_EQ(nonfinite, 0u);
    EXPECT_EQ(sums.count, 4u);
    EXPECT_EQ(sums.sumE2, 0.25 + 0 + 0.25 + 1);
    EXPECT_EQ(sums.sumE, -1.0);
    EXPECT_EQ(sums.sumX2, 1 + 4 + 0.25 + 16);
    const ErrorMetrics m = computeMetrics(sums);
    EXPECT_DOUBLE_EQ(m.mse, 1.5 / 4);
    EXPECT_DOUBLE_EQ(m.sqnrDb, 10 * std::log10(21.25 / 1.5));
    EXPECT_EQ(m.maxAbsErr, 1.0);
}

TEST(CompareValues, LeavesOutPairsWithNanOrInfOnEitherSide)
{
    const float inf = INFINITY;
    const std::vector<float> x{1.0f, NAN, 2.0f, 3.0f};
    const std::vector<float> y{1.0f, 1.0f, inf, 2.0f};
    std::uint64_t nonfinite = 0;
    const ErrorSums sums = compareValues(x, y, nonfinite);
    EXPECT_EQ(nonfinite, 2u);
    EXPECT_EQ(sums.count, 2u);
    EXPECT_EQ(sums.sumE2, 1.0);
}

TEST(CompareModels, F16GgufAgainstSafetensorsMeasuresExactlyTheHalfRounding)
{
    const auto reference = sharedModel("ppocrv4_rec_svtr_neck.safetensors");
    const auto candidate = sharedModel("ppocrv4_rec_svtr_neck.f16.gguf");
    const CompareReport report = compareModels(*reference, *candidate);
    ASSERT_EQ(report.tensors.size(), 26u);
    EXPECT_TRUE(report.unmatched.empty());
    EXPECT_EQ(report.parameters, 233280u);
    for (std::size_t i = 0; i < reference->tensors().size(); ++i) {
        const ComparedTensor& t = report.tensors[i];
        EXPECT_EQ(t.referenceType, "F32");
        EXPECT_EQ(t.candidateType, "F16");
        ErrorSums expected;
        for (float v : test::valuesOf<float>(reference->read(i)))
            expected.add(v, roundToHalf(v));
        EXPECT_EQ(t.sums.sumE2, expected.sumE2) << t.name; // same order: bit-equal
        EXPECT_EQ(t.sums.sumXE, expected.sumXE) << t.name;
        EXPECT_GT(t.metrics.sqnrDb, 50) << t.name;
    }
}

TEST(CompareModels, IdenticalValuesInAnotherFormatHaveNoError)
{
    const auto reference = sharedModel("ppocrv4_rec_svtr_neck.npz");
    const auto candidate = sharedModel("ppocrv4_rec_svtr_neck.f32.gguf");
    const CompareReport report = compareModels(*reference, *candidate);
    ASSERT_EQ(report.tensors.size(), 26u);
    EXPECT_EQ(report.summary.mse, 0.0);
    EXPECT_TRUE(std::isinf(report.summary.sqnrDb));
}

TEST(CompareModels, QuantizedGgufTensorIsMeasuredAgainstItsFloatOriginal)
{
    const auto input = test::readFile(test::testDataDir() / "gguf" / "blocks" / "input.f32");
    const auto blocks = test::readFile(test::testDataDir() / "gguf" / "blocks" / "Q4_K.blocks");
    const auto decoded = test::readFile(test::testDataDir() / "gguf" / "blocks" / "Q4_K.f32");
    GgufBuilder ref, cand;
    ref.tensor({"w", {256, 5}, 0, input});
    ref.tensor({"only_here", {2}, 0, GgufBuilder::bytesOf(std::vector<float>{1, 2})});
    ref.tensor({"reshaped", {4}, 0, GgufBuilder::bytesOf(std::vector<float>{1, 2, 3, 4})});
    cand.tensor({"w", {256, 5}, 12, blocks}); // Q4_K
    cand.tensor({"reshaped", {2, 2}, 0, GgufBuilder::bytesOf(std::vector<float>{1, 2, 3, 4})});
    cand.tensor({"extra", {1}, 0, GgufBuilder::bytesOf(std::vector<float>{1})});
    test::TempDir dir;
    test::writeFile(dir.file("ref.gguf"), ref.bytes());
    test::writeFile(dir.file("cand.gguf"), cand.bytes());
    const auto report = compareModels(*openModel(dir.file("ref.gguf").string()),
                                      *openModel(dir.file("cand.gguf").string()));
    ASSERT_EQ(report.tensors.size(), 1u);
    EXPECT_EQ(report.tensors[0].candidateType, "Q4_K");
    std::vector<float> x(input.size() / 4), y(decoded.size() / 4);
    std::memcpy(x.data(), input.data(), input.size());
    std::memcpy(y.data(), decoded.data(), decoded.size());
    std::uint64_t nonfinite = 0;
    const ErrorSums expected = compareValues(x, y, nonfinite);
    EXPECT_EQ(report.tensors[0].sums.sumE2, expected.sumE2);
    EXPECT_GT(report.tensors[0].metrics.mse, 0.0);
    ASSERT_EQ(report.unmatched.size(), 3u);
    EXPECT_EQ(report.unmatched[0].name, "only_here");
    EXPECT_EQ(report.unmatched[0].reason, "only in the reference");
    EXPECT_EQ(report.unmatched[1].reason, "shape 4 against 2x2");
    EXPECT_EQ(report.unmatched[2].name, "extra");
    EXPECT_EQ(report.unmatched[2].reason, "only in the candidate");

    const auto json = compareJson(report);
    EXPECT_EQ(json["quantscope_compare"], 1);
    EXPECT_EQ(json["tensors"][0]["candidate_dtype"], "Q4_K");
    EXPECT_FALSE(json["tensors"][0].contains("clipped_frac"));
    std::ostringstream csv;
    writeCompareCsv(csv, report);
    EXPECT_EQ(csv.str().rfind("name,shape,reference_dtype,candidate_dtype,", 0), 0u);
    EXPECT_NE(csv.str().find("\nw,5x256,F32,Q4_K,1280,0,"), std::string::npos);
}

} // namespace
} // namespace qs
