// ONNX reading: fixtures written with python3-onnx (tests/data/onnx/, see
// make_onnx_fixtures.py and expected.json), the real models in ../shared/models/, and the
// broken models in tests/data/corrupt/onnx/.

#include "common/error.h"
#include "formats/model_file.h"
#include "support/tensor_values.h"
#include "support/test_files.h"
#include "tensor/decode.h"

#include <cmath>
#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace qs {
namespace {

std::filesystem::path onnxData()
{
    return test::testDataDir() / "onnx";
}

nlohmann::json loadJson(const std::filesystem::path& path)
{
    std::ifstream in(path);
    return nlohmann::json::parse(in);
}

const std::map<std::string, DType>& onnxTypes()
{
    static const std::map<std::string, DType> types{
        {"FLOAT", DType::F32},  {"FLOAT16", DType::F16}, {"BFLOAT16", DType::BF16},
        {"DOUBLE", DType::F64}, {"INT8", DType::I8},     {"UINT8", DType::U8},
        {"INT16", DType::I16},  {"INT32", DType::I32},   {"INT64", DType::I64},
        {"BOOL", DType::Bool}};
    return types;
}

double jsonNumber(const nlohmann::json& value)
{
    if (value.is_string()) {
        const std::string text = value;
        if (text == "NaN")
            return NAN;
        return text == "Infinity" ? INFINITY : -INFINITY;
    }
    return value.get<double>();
}

std::vector<double> valuesOf(const ModelFile& model, std::size_t index)
{
    const TensorInfo& info = model.tensors()[index];
    const TensorBytes bytes = model.read(index);
    EXPECT_EQ(bytes.bytes().size(), info.nbytes) << info.name;
    return test::valuesAsDoubles(info, bytes);
}

void expectValues(const std::vector<double>& values, const nlohmann::json& want,
                  const std::string& name)
{
    ASSERT_EQ(values.size(), want.size()) << name;
    for (std::size_t k = 0; k < values.size(); ++k) {
        const double w = jsonNumber(want[k]);
        if (std::isnan(w))
            EXPECT_TRUE(std::isnan(values[k])) << name << "[" << k << "]";
        else
            EXPECT_EQ(values[k], w) << name << "[" << k << "]";
    }
}

using test::expectSum;

class OnnxFixture : public testing::TestWithParam<std::string> {};

TEST_P(OnnxFixture, GivesTheTensorsOnnxSees)
{
    const nlohmann::json expected =
        loadJson(onnxData() / "expected.json").at("files").at(GetParam());
    const auto model = openModel((onnxData() / GetParam()).string());
    EXPECT_EQ(model->format(), "onnx");
    const auto& tensors = expected.at("tensors");
    ASSERT_EQ(model->tensors().size(), tensors.size());
    for (std::size_t i = 0; i < tensors.size(); ++i) {
        const auto& e = tensors[i];
        const TensorInfo& info = model->tensors()[i];
        const std::string name = e.at("name");
        ASSERT_EQ(info.name, name);
        EXPECT_EQ(info.shape, e.at("dims").get<Shape>()) << name;
        if (e.contains("consumer") && !e.at("consumer").is_null()) {
            ASSERT_TRUE(info.use) << name;
            const auto& consumer =
                e.contains("dequantize") ? e.at("dequantize").at("consumer") : e.at("consumer");
            EXPECT_EQ(info.use->op, consumer.at("op_type").get<std::string>()) << name;
            EXPECT_EQ(info.use->input, consumer.at("input_index").get<int>()) << name;
            const auto& role =
                e.contains("dequantize") ? e.at("dequantize").at("consumer_role") : e.at("role");
            if (!role.is_null()) {
                EXPECT_EQ(info.use->role, role.get<std::string>()) << name;
            }
            if (consumer.contains("transB") && info.use->role == "weight") {
                EXPECT_EQ(info.use->outputChannelAxis, consumer.at("transB") == 1 ? 0 : 1) << name;
            }
        }
        const auto values = valuesOf(*model, i);
        if (e.contains("dequantized_values") || e.contains("dequantized_sum")) {
            EXPECT_EQ(info.dtype, DType::F32) << name;
            EXPECT_EQ(
                info.storedType,
                e.at("data_type").get<std::string>() == "INT8"
                    ? "I8 (dequantized)"
                    : std::string(dtypeName(onnxTypes().at(e.at("data_type").get<std::string>()))) +
                          " (dequantized)")
                << name;
            if (e.contains("dequantized_values"))
                expectValues(values, e.at("dequantized_values"), name);
            else
                expectSum(values, e.at("dequantized_sum"), name);
            continue;
        }
        EXPECT_EQ(info.dtype, onnxTypes().at(e.at("data_type").get<std::string>())) << name;
        if (e.contains("values"))
            expectValues(values, e.at("values"), name);
        else
            expectSum(values, e.at("sum"), name);
    }
}

INSTANTIATE_TEST_SUITE_P(Files, OnnxFixture,
                         testing::Values("initializers.onnx", "constants.onnx", "subgraphs.onnx",
                                         "sparse.onnx", "external/model.onnx", "qdq.onnx"),
                         test::fileParamName);

class SharedOnnxModel : public testing::TestWithParam<std::string> {};

TEST_P(SharedOnnxModel, MatchesWhatPythonOnnxReads)
{
    const nlohmann::json expected =
        loadJson(onnxData() / "shared_models_expected.json").at(GetParam());
    const auto model = openModel((test::sharedModelsDir() / GetParam()).string());
    ASSERT_EQ(model->tensors().size(), expected.at("tensor_count").get<std::size_t>());
    std::uint64_t floats = 0;
    std::map<std::string, std::size_t> byName;
    for (std::size_t i = 0; i < model->tensors().size(); ++i) {
        const TensorInfo& info = model->tensors()[i];
        if (isFloat(info.dtype))
            floats += info.numel;
        byName[info.name] = i;
    }
    EXPECT_EQ(floats, expected.at("float_parameter_count").get<std::uint64_t>());
    // Rows: name, data_type, dims, numel, location, storage, consumer_op,
    // consumer_input_index, consumer_node, transB, role, consumer_ops.
    for (const auto& row : expected.at("tensors")) {
        const std::string name = row[0];
        ASSERT_TRUE(byName.count(name)) << name;
        const TensorInfo& info = model->tensors()[byName[name]];
        EXPECT_EQ(info.dtype, onnxTypes().at(row[1].get<std::string>())) << name;
        EXPECT_EQ(info.shape, row[2].get<Shape>()) << name;
        if (row[6].is_null()) {
            EXPECT_FALSE(info.use) << name;
            continue;
        }
        ASSERT_TRUE(info.use) << name;
        EXPECT_EQ(info.use->op, row[6].get<std::string>()) << name;
        EXPECT_EQ(info.use->input, row[7].get<int>()) << name;
        if (!row[10].is_null()) {
            EXPECT_EQ(info.use->role, row[10].get<std::string>()) << name;
        }
    }
    for (const auto& check : expected.at("spot_checks")) {
        const std::string name = check.at("name");
        const auto values = valuesOf(*model, byName.at(name));
        const auto first4 = check.at("first4").get<std::vector<double>>();
        for (std::size_t k = 0; k < first4.size(); ++k)
            EXPECT_EQ(values[k], first4[k]) << name << "[" << k << "]";
        expectSum(values, check.at("sum"), name);
    }
}

INSTANTIATE_TEST_SUITE_P(Models, SharedOnnxModel,
                         testing::Values("ch_PP-OCRv4_rec_infer.onnx",
                                         "ch_ppocr_mobile_v2.0_cls_infer.onnx",
                                         "silero_vad_op18_ifless.onnx"),
                         test::fileParamName);

TEST(OnnxReader, PaddleConstantsMatchTheSafetensorsConversion)
{
    // The safetensors file was converted from this model's Constant nodes.
    const auto onnx = openModel((test::sharedModelsDir() / "ch_PP-OCRv4_rec_infer.onnx").string());
    const auto st =
        openModel((test::sharedModelsDir() / "ppocrv4_rec_svtr_neck.safetensors").string());
    std::map<std::string, std::size_t> byName;
    for (std::size_t i = 0; i < onnx->tensors().size(); ++i)
        byName[onnx->tensors()[i].name] = i;
    for (std::size_t i = 0; i < st->tensors().size(); ++i) {
        const std::string& name = st->tensors()[i].name;
        ASSERT_TRUE(byName.count(name)) << name;
        EXPECT_EQ(test::valuesOf<float>(onnx->read(byName[name])),
                  test::valuesOf<float>(st->read(i)))
            << name;
    }
}

using test::Refusal;

class BrokenOnnx : public testing::TestWithParam<Refusal> {};

TEST_P(BrokenOnnx, IsRefusedWithAClearProblem)
{
    test::expectRefused(test::testDataDir() / "corrupt" / "onnx" / GetParam().file,
                        GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Corpus, BrokenOnnx,
    testing::Values(Refusal{"escape_parent.onnx", "leaves the model's folder"},
                    Refusal{"escape_absolute.onnx", "is an absolute path"},
                    Refusal{"external_missing.onnx", "not found beside the model"},
                    Refusal{"external_too_long.onnx", "lies past the end"},
                    Refusal{"external_length_mismatch.onnx", "length 28 differs"},
                    Refusal{"raw_size_mismatch.onnx", "raw_data holds 20 bytes"},
                    Refusal{"dims_overflow.onnx", "more elements than 64 bits"},
                    Refusal{"negative_dim.onnx", "negative dimension"},
                    Refusal{"typed_count_mismatch.onnx", "typed data holds 5 values"},
                    Refusal{"truncated.onnx", "protobuf parse failed"},
                    Refusal{"garbage.onnx", "protobuf parse failed"},
                    Refusal{"deep_subgraphs.onnx", "protobuf parse failed"},
                    Refusal{"sparse_bad_index.onnx", "sparse index 20"},
                    Refusal{"qdq_bad_axis.onnx", "axis 5 is out of range"},
                    Refusal{"qdq_scale_shape.onnx", "must have 4 values"},
                    Refusal{"sparse_too_large.onnx", "too large to expand"}),
    test::refusalName);

TEST(OnnxReader, EveryTruncationIsRefusedCleanly)
{
    const auto whole = test::readFile(onnxData() / "constants.onnx");
    test::TempDir dir;
    std::size_t accepted = 0;
    for (std::size_t length = 1; length < whole.size(); ++length) {
        test::writeFile(dir.file("cut.onnx"),
                        std::vector<std::uint8_t>(whole.begin(), whole.begin() + length));
        try {
            const auto model = openModel(dir.file("cut.onnx").string());
            for (std::size_t i = 0; i < model->tensors().size(); ++i)
                model->read(i); // a cut at a field boundary parses: its data must still be sound
            ++accepted;
        } catch (const InputError&) {
        }
    }
    // Protobuf cannot tell a message cut between fields from a shorter one; most cuts fall
    // inside a field and must be refused.
    EXPECT_LT(accepted, whole.size() / 4);
}

} // namespace
} // namespace qs

namespace qs {
namespace {

// Found by fuzz_onnx: one stored value declared to expand to 268 M elements.
TEST(OnnxReader, SparseTensorExpandingFarBeyondItsValuesIsRefused)
{
    test::expectRefused(test::testDataDir() / "fuzz_regressions" / "onnx" /
                            "sparse_one_value_268m.onnx",
                        "stores only 1 values");
}

} // namespace
} // namespace qs
