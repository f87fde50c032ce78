// PyTorch checkpoints: the files torch.save wrote in tests/data/pytorch/ (see
// make_pytorch_fixtures.py and expected.json) and the broken and malicious ones in
// tests/data/corrupt/pytorch/, each of which must be refused without running anything.

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

std::filesystem::path pytorchData()
{
    return test::testDataDir() / "pytorch";
}

const nlohmann::json& expectedFiles()
{
    static const nlohmann::json files = [] {
        std::ifstream in(pytorchData() / "expected.json");
        return nlohmann::json::parse(in).at("files");
    }();
    return files;
}

DType dtypeOf(const std::string& torchName)
{
    static const std::map<std::string, DType> names{
        {"float32", DType::F32},   {"float64", DType::F64}, {"float16", DType::F16},
        {"bfloat16", DType::BF16}, {"int8", DType::I8},     {"int16", DType::I16},
        {"int32", DType::I32},     {"int64", DType::I64},   {"uint8", DType::U8},
        {"bool", DType::Bool}};
    return names.at(torchName);
}

class PytorchFixture : public testing::TestWithParam<std::string> {};

TEST_P(PytorchFixture, GivesTheTensorsTorchSaved)
{
    const nlohmann::json& expected = expectedFiles().at(GetParam());
    const auto model = openModel((pytorchData() / GetParam()).string());
    EXPECT_EQ(model->format(), expected.at("format") == "zip" ? "pytorch" : "pytorch-legacy");
    const auto& tensors = expected.at("tensors");
    ASSERT_EQ(model->tensors().size(), tensors.size());
    for (std::size_t i = 0; i < tensors.size(); ++i) {
        const auto& e = tensors[i];
        const TensorInfo& info = model->tensors()[i];
        const std::string name = e.at("name");
        ASSERT_EQ(info.name, name);
        EXPECT_EQ(info.dtype, dtypeOf(e.at("dtype"))) << name;
        EXPECT_EQ(info.shape, e.at("shape").get<Shape>()) << name;
        EXPECT_EQ(info.numel, e.at("numel").get<std::uint64_t>()) << name;
        const TensorBytes bytes = model->read(i);
        ASSERT_EQ(bytes.bytes().size(), info.nbytes) << name;
        const auto values = test::valuesAsDoubles(info, bytes);
        if (e.contains("values")) {
            const auto& want = e.at("values");
            ASSERT_EQ(values.size(), want.size()) << name;
            for (std::size_t k = 0; k < values.size(); ++k) {
                // int64 extremes do not survive a double; compare those as integers.
                if (want[k].is_number_integer() && info.dtype == DType::I64) {
                    std::int64_t v;
                    std::memcpy(&v, bytes.bytes().data() + 8 * k, 8);
                    EXPECT_EQ(v, want[k].get<std::int64_t>()) << name << "[" << k << "]";
                } else {
                    EXPECT_EQ(values[k], want[k].get<double>()) << name << "[" << k << "]";
                }
            }
        } else {
            const auto first8 = e.at("first8").get<std::vector<double>>();
            for (std::size_t k = 0; k < first8.size(); ++k)
                EXPECT_EQ(values[k], first8[k]) << name << "[" << k << "]";
            test::expectSum(values, e.at("sum"), name);
        }
    }
    if (expected.contains("non_tensors")) {
        for (const auto& [key, value] : expected.at("non_tensors").items())
            EXPECT_EQ(model->metadata().at(key), value) << key;
    }
}

INSTANTIATE_TEST_SUITE_P(Files, PytorchFixture,
                         testing::Values("simple_zip.pt", "dtypes_zip.pt", "views_zip.pt",
                                         "nested_params.pt", "nested_state_dict.pt",
                                         "nested_model.pt", "legacy.pt", "legacy_views.pt",
                                         "svtr_neck.pt"),
                         [](const auto& info) {
                             return info.param.substr(0, info.param.size() - 3);
                         });

TEST(PytorchReader, CheckpointHoldsExactlyTheSharedSafetensorsValues)
{
    const auto pt = openModel((pytorchData() / "svtr_neck.pt").string());
    const auto st =
        openModel((test::sharedModelsDir() / "ppocrv4_rec_svtr_neck.safetensors").string());
    ASSERT_EQ(pt->tensors().size(), st->tensors().size());
    for (std::size_t i = 0; i < st->tensors().size(); ++i) {
        const TensorInfo& want = st->tensors()[i];
        std::size_t j = 0;
        while (j < pt->tensors().size() && pt->tensors()[j].name != want.name)
            ++j;
        ASSERT_LT(j, pt->tensors().size()) << want.name;
        EXPECT_EQ(pt->tensors()[j].shape, want.shape);
        EXPECT_EQ(test::valuesOf<float>(pt->read(j)), test::valuesOf<float>(st->read(i)))
            << want.name;
    }
}

using test::Refusal;

class BrokenCheckpoint : public testing::TestWithParam<Refusal> {};

TEST_P(BrokenCheckpoint, IsRefusedWithAClearProblem)
{
    test::expectRefused(test::testDataDir() / "corrupt" / "pytorch" / GetParam().file,
                        GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Corpus, BrokenCheckpoint,
    testing::Values(Refusal{"calls_os_system.pt", "refused: the pickle names os.system"},
                    Refusal{"calls_builtins_eval.pt", "refused: the pickle names builtins.eval"},
                    Refusal{"exec_via_stack_global.pt", "refused: the pickle names posix.system"},
                    Refusal{"bad_opcode.pt", "opcode 0xff"},
                    Refusal{"deep_nesting.pt", "nests containers more than 64 deep"},
                    Refusal{"memo_cycle.pt", "contains itself"},
                    Refusal{"memo_fanout.pt", "are shared more than"},
                    Refusal{"huge_storage.pt", "the view reaches element"},
                    Refusal{"out_of_range_view.pt", "reaches element 16 of a storage of 16"},
                    Refusal{"missing_storage.pt", "has no entry missing_storage/data/99"},
                    Refusal{"lying_zip_sizes.pt", "lies past the end"},
                    Refusal{"overlapping_entries.pt", "overlap"},
                    Refusal{"entry_outside.pt", "lies past the end"},
                    Refusal{"truncated_zip.pt", "end-of-central-directory"},
                    Refusal{"truncated_legacy.pt", "runs past the end of the file"},
                    Refusal{"negative_shape.pt", "negative size"},
                    Refusal{"shape_overflow.pt", "more elements than 64 bits"},
                    Refusal{"view_larger_than_storage.pt", "larger than its storage"},
                    Refusal{"offset_past_storage.pt", "lies past its storage"},
                    Refusal{"compressed_shared_storage.pt", "compressed and shared"}),
    test::refusalName);

TEST(PytorchReader, EveryTruncationOfTheLegacyFormatIsRefusedCleanly)
{
    const auto whole = test::readFile(pytorchData() / "legacy.pt");
    test::TempDir dir;
    for (std::size_t length = 0; length < whole.size(); ++length) {
        test::writeFile(dir.file("cut.pt"),
                        std::vector<std::uint8_t>(whole.begin(), whole.begin() + length));
        EXPECT_THROW(openModel(dir.file("cut.pt").string()), InputError) << length;
    }
}

} // namespace
} // namespace qs
