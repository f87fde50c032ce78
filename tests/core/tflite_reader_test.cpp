// TFLite reading: fixtures written by make_tflite_fixtures.py, a real fp16 model from npm
// (tests/data/tflite/README.md), both checked against expected.json, and the broken
// models in tests/data/corrupt/tflite/.

#include "common/error.h"
#include "formats/model_file.h"
#include "support/tensor_values.h"
#include "support/test_files.h"
#include "tensor/decode.h"
#include "tflite_schema_generated.h"

#include <cmath>
#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace qs {
namespace {

std::filesystem::path tfliteData()
{
    return test::testDataDir() / "tflite";
}

class TfliteFixture : public testing::TestWithParam<std::string> {};

TEST_P(TfliteFixture, GivesTheConstantTensorsWithTheirValues)
{
    std::ifstream in(tfliteData() / "expected.json");
    const nlohmann::json expected = nlohmann::json::parse(in).at("files").at(GetParam());
    const auto model = openModel((tfliteData() / GetParam()).string());
    EXPECT_EQ(model->format(), "tflite");
    std::size_t next = 0;
    const auto& subgraphs = expected.at("subgraphs");
    for (std::size_t g = 0; g < subgraphs.size(); ++g) {
        const std::string prefix = g == 0 ? "" : subgraphs[g].at("name").get<std::string>() + "/";
        for (const auto& e : subgraphs[g].at("tensors")) {
            if (e.at("buffer_bytes").get<std::uint64_t>() == 0)
                continue; // activations and inputs hold no constant data
            ASSERT_LT(next, model->tensors().size());
            const TensorInfo& info = model->tensors()[next];
            const TensorBytes bytes = model->read(next);
            ++next;
            const std::string name = prefix + e.at("name").get<std::string>();
            ASSERT_EQ(info.name, name);
            EXPECT_EQ(info.shape, e.at("shape").get<Shape>()) << name;
            ASSERT_EQ(bytes.bytes().size(), info.nbytes) << name;
            const auto& consumers = e.at("consumers");
            if (!consumers.empty()) {
                ASSERT_TRUE(info.use) << name;
                if (consumers[0].at("op") != "DEQUANTIZE") {
                    EXPECT_EQ(info.use->op, consumers[0].at("op").get<std::string>()) << name;
                    EXPECT_EQ(info.use->input, consumers[0].at("input_index").get<int>()) << name;
                }
            }
            const auto values = test::valuesAsDoubles(info, bytes);
            const bool quantized = e.contains("dequantized");
            const auto& want =
                quantized ? e.at("dequantized") : e.value("values", nlohmann::json());
            if (quantized) {
                EXPECT_EQ(info.dtype, DType::F32) << name;
                EXPECT_NE(info.storedType.find("(dequantized)"), std::string::npos) << name;
            }
            if (!want.is_null()) {
                ASSERT_EQ(values.size(), want.size()) << name;
                for (std::size_t k = 0; k < values.size(); ++k)
                    EXPECT_EQ(values[k], want[k].get<double>()) << name << "[" << k << "]";
            } else {
                const auto first = e.at("first_values").get<std::vector<double>>();
                for (std::size_t k = 0; k < first.size(); ++k)
                    EXPECT_EQ(values[k], first[k]) << name << "[" << k << "]";
                test::expectSum(values, e.at("sum_float64"), name);
            }
        }
    }
    EXPECT_EQ(next, model->tensors().size());
}

INSTANTIATE_TEST_SUITE_P(Files, TfliteFixture,
                         testing::Values("float_model.tflite", "int8_model.tflite",
                                         "buffer_offset.tflite",
                                         "face_detection_short_range.tflite"),
                         [](const auto& info) {
                             return info.param.substr(0, info.param.size() - 7);
                         });

TEST(TfliteReader, LabelsFp16WeightsByTheLayerBehindTheirDequantize)
{
    const auto model = openModel((tfliteData() / "face_detection_short_range.tflite").string());
    const TensorInfo& first = model->tensors()[0];
    EXPECT_EQ(first.dtype, DType::F16);
    ASSERT_TRUE(first.use);
    EXPECT_EQ(first.use->op, "CONV_2D");
    EXPECT_EQ(first.use->role, "weight");
    EXPECT_EQ(first.use->outputChannelAxis, 0);
}

// A block-sparse tensor's buffer holds its compressed encoding: it is listed, not decoded,
// and the rest of the model still opens. Built here with the schema's own builders.
TEST(TfliteReader, ListsSparseTensorsAsUnsupported)
{
    flatbuffers::FlatBufferBuilder fbb;
    namespace t = qs::tflite;
    const std::vector<std::uint8_t> compressed(8, 1), dense(16, 0);
    const std::vector<flatbuffers::Offset<t::Buffer>> buffers{
        t::CreateBuffer(fbb), t::CreateBuffer(fbb, fbb.CreateVector(compressed)),
        t::CreateBuffer(fbb, fbb.CreateVector(dense))};
    const std::vector<flatbuffers::Offset<t::Tensor>> tensors{
        t::CreateTensor(fbb, fbb.CreateVector(std::vector<int>{4, 4}), 0, 1,
                        fbb.CreateString("sparse_w"), 0, false, t::CreateOpaque(fbb)),
        t::CreateTensor(fbb, fbb.CreateVector(std::vector<int>{4}), 0, 2,
                        fbb.CreateString("dense_w"))};
    const std::vector<flatbuffers::Offset<t::SubGraph>> subgraphs{
        t::CreateSubGraph(fbb, fbb.CreateVector(tensors))};
    t::FinishModelBuffer(
        fbb, t::CreateModel(fbb, 3, 0, fbb.CreateVector(subgraphs), 0, fbb.CreateVector(buffers)));
    test::TempDir dir;
    test::writeFile(
        dir.file("sparse.tflite"),
        std::vector<std::uint8_t>(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize()));
    const auto model = openModel(dir.file("sparse.tflite").string());
    ASSERT_EQ(model->tensors().size(), 2u);
    EXPECT_EQ(model->tensors()[0].storedType, "FLOAT32 (sparse)");
    EXPECT_NE(model->tensors()[0].unsupported.find("sparse"), std::string::npos);
    EXPECT_THROW(model->read(0), InputError);
    EXPECT_EQ(test::valuesOf<float>(model->read(1)), std::vector<float>(4, 0.0f));
}

using test::Refusal;

class BrokenTflite : public testing::TestWithParam<Refusal> {};

TEST_P(BrokenTflite, IsRefusedWithAClearProblem)
{
    test::expectRefused(test::testDataDir() / "corrupt" / "tflite" / GetParam().file,
                        GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Corpus, BrokenTflite,
    testing::Values(
        Refusal{"bad_identifier.tflite", "no \"TFL3\" identifier"},
        Refusal{"tiny.tflite", "no \"TFL3\" identifier"}, Refusal{"truncated.tflite", "malformed"},
        Refusal{"vtable_out_of_range.tflite", "malformed"},
        Refusal{"tensor_vtable_negative.tflite", "malformed"},
        Refusal{"huge_vector_length.tflite", "malformed"},
        Refusal{"huge_buffer_length.tflite", "malformed"},
        Refusal{"buffer_index_out_of_range.tflite", "buffer 99 does not exist"},
        Refusal{"short_buffer_data.tflite", "buffer holds 100 bytes"},
        Refusal{"offset_past_eof.tflite", "lies past the end of the file"},
        Refusal{"offset_overflow.tflite", "lies past the end of the file"},
        Refusal{"offset_size_mismatch.tflite", "buffer holds 100 bytes"},
        Refusal{"negative_dim.tflite", "negative dimension"},
        Refusal{"dims_overflow.tflite", "more elements than 64 bits"},
        Refusal{"per_channel_scale_length.tflite", "per-channel scales for dimension 0"},
        Refusal{"zero_point_length.tflite", "2 zero points for 3 scales"},
        Refusal{"quantized_dimension_out_of_range.tflite", "quantized_dimension 4 is out of range"},
        Refusal{"opcode_index_out_of_range.tflite", "operator code 7"},
        Refusal{"operator_input_out_of_range.tflite", "reads tensor 55"},
        Refusal{"nan_scale.tflite", "scale is not finite"},
        Refusal{"zero_point_out_of_range.tflite", "lies outside the range of I32"},
        Refusal{"shared_tables.tflite", "tables are shared more often"},
        Refusal{"shared_operator_inputs.tflite", "more entries than its size allows"},
        Refusal{"misaligned_zero_points.tflite", "2 zero points for 1 scales"}),
    test::refusalName);

} // namespace
} // namespace qs
