// GGUF reading: the real files in ../shared/models against their safetensors twin, the
// metadata value types, and files broken in one place each (built by GgufBuilder).

#include "analysis/model_analyzer.h"
#include "common/error.h"
#include "formats/model_file.h"
#include "quant/float_format.h"
#include "support/gguf_builder.h"
#include "support/quant_fixtures.h"
#include "support/test_files.h"
#include "tensor/decode.h"

#include <gtest/gtest.h>
#include <map>

namespace qs {
namespace {

using test::GgufBuilder;

constexpr std::uint32_t kString = 8, kArray = 9, kU32 = 4, kF32 = 6;
constexpr std::uint32_t kGgmlF32 = 0, kGgmlQ4_0 = 2, kGgmlIQ2_XXS = 16;

std::unique_ptr<ModelFile> openBytes(const test::TempDir& dir,
                                     const std::vector<std::uint8_t>& bytes)
{
    const auto path = dir.file("model.gguf");
    test::writeFile(path, bytes);
    return openModel(path.string());
}

// The problem part of the InputError raised when opening `bytes`; "" if none is raised.
std::string openError(const std::vector<std::uint8_t>& bytes)
{
    test::TempDir dir;
    try {
        openBytes(dir, bytes);
    } catch (const InputError& e) {
        return e.problem();
    }
    return "";
}

GgufBuilder::Tensor f32Tensor(const std::string& name, std::vector<std::uint64_t> dims,
                              const std::vector<float>& values)
{
    return {name, std::move(dims), kGgmlF32, GgufBuilder::bytesOf(values)};
}

std::vector<float> floatsOf(const ModelFile& model, std::size_t index)
{
    const TensorInfo& info = model.tensors()[index];
    std::vector<float> out(info.numel);
    decodeToFloat(info.dtype, model.read(index).bytes(), 0, info.numel, out.data());
    return out;
}

std::map<std::string, std::size_t> indexByName(const ModelFile& model)
{
    std::map<std::string, std::size_t> byName;
    for (std::size_t i = 0; i < model.tensors().size(); ++i)
        byName[model.tensors()[i].name] = i;
    return byName;
}

TEST(GgufReader, SharedF32FileMatchesSafetensorsExactly)
{
    const auto gguf =
        openModel((test::sharedModelsDir() / "ppocrv4_rec_svtr_neck.f32.gguf").string());
    const auto st =
        openModel((test::sharedModelsDir() / "ppocrv4_rec_svtr_neck.safetensors").string());
    EXPECT_EQ(gguf->format(), "gguf");
    ASSERT_EQ(gguf->tensors().size(), 26u);
    const auto stIndex = indexByName(*st);
    std::uint64_t parameters = 0;
    for (std::size_t i = 0; i < gguf->tensors().size(); ++i) {
        const TensorInfo& info = gguf->tensors()[i];
        ASSERT_TRUE(stIndex.count(info.name)) << info.name;
        const std::size_t j = stIndex.at(info.name);
        EXPECT_EQ(info.shape, st->tensors()[j].shape) << info.name;
        EXPECT_EQ(info.dtype, DType::F32);
        EXPECT_EQ(info.offset % 32, 0u);
        EXPECT_EQ(floatsOf(*gguf, i), floatsOf(*st, j)) << info.name;
        parameters += info.numel;
    }
    EXPECT_EQ(parameters, 233280u);
    EXPECT_EQ(gguf->metadata().at("general.name"), "ppocrv4_rec_svtr_neck");
}

TEST(GgufReader, SharedF16FileHoldsTheSafetensorsValuesRoundedToHalf)
{
    const auto gguf =
        openModel((test::sharedModelsDir() / "ppocrv4_rec_svtr_neck.f16.gguf").string());
    const auto st =
        openModel((test::sharedModelsDir() / "ppocrv4_rec_svtr_neck.safetensors").string());
    const auto stIndex = indexByName(*st);
    for (std::size_t i = 0; i < gguf->tensors().size(); ++i) {
        const TensorInfo& info = gguf->tensors()[i];
        EXPECT_EQ(info.dtype, DType::F16);
        const auto reference = floatsOf(*st, stIndex.at(info.name));
        const auto values = floatsOf(*gguf, i);
        ASSERT_EQ(values.size(), reference.size());
        for (std::size_t k = 0; k < values.size(); ++k)
            ASSERT_EQ(values[k], roundToHalf(reference[k])) << info.name << "[" << k << "]";
    }
}

TEST(GgufReader, ReadsEveryMetadataValueType)
{
    GgufBuilder b;
    b.key("u8", 0).value<std::uint8_t>(200);
    b.key("i8", 1).value<std::int8_t>(-100);
    b.key("u16", 2).value<std::uint16_t>(60000);
    b.key("i16", 3).value<std::int16_t>(-30000);
    b.key("u32", 4).value<std::uint32_t>(4000000000u);
    b.key("i32", 5).value<std::int32_t>(-2000000000);
    b.key("f32", 6).value<float>(0.25f);
    b.key("bool", 7).value<std::uint8_t>(1);
    b.key("string", kString).stringValue("héllo");
    b.key("u64", 10).value<std::uint64_t>(18000000000000000000ull);
    b.key("i64", 11).value<std::int64_t>(-9000000000000000000ll);
    b.key("f64", 12).value<double>(-1.5);
    b.key("strings", kArray)
        .value(kString)
        .value<std::uint64_t>(2)
        .stringValue("a")
        .stringValue("b");
    // [[1, 2], [3]]
    b.key("nested", kArray).value(kArray).value<std::uint64_t>(2);
    b.value(std::uint32_t{5}).value<std::uint64_t>(2).value<std::int32_t>(1).value<std::int32_t>(2);
    b.value(std::uint32_t{5}).value<std::uint64_t>(1).value<std::int32_t>(3);
    b.key("bad utf8", kString).stringValue(std::string("a\xff", 2));
    test::TempDir dir;
    const auto model = openBytes(dir, b.bytes());
    const auto& m = model->metadata();
    EXPECT_EQ(m.at("u8"), 200);
    EXPECT_EQ(m.at("i8"), -100);
    EXPECT_EQ(m.at("u16"), 60000);
    EXPECT_EQ(m.at("i16"), -30000);
    EXPECT_EQ(m.at("u32"), 4000000000u);
    EXPECT_EQ(m.at("i32"), -2000000000);
    EXPECT_EQ(m.at("f32"), 0.25);
    EXPECT_EQ(m.at("bool"), true);
    EXPECT_EQ(m.at("string"), "héllo");
    EXPECT_EQ(m.at("u64"), 18000000000000000000ull);
    EXPECT_EQ(m.at("i64"), -9000000000000000000ll);
    EXPECT_EQ(m.at("f64"), -1.5);
    EXPECT_EQ(m.at("strings"), nlohmann::json::array({"a", "b"}));
    EXPECT_EQ(m.at("nested"), nlohmann::json::parse("[[1,2],[3]]"));
    EXPECT_EQ(m.at("bad utf8"), "a\xEF\xBF\xBD");
    EXPECT_TRUE(model->tensors().empty());
}

TEST(GgufReader, SummarisesLongArraysAndStillChecksEveryElement)
{
    GgufBuilder b;
    b.key("tokens", kArray).value(kString).value<std::uint64_t>(1000);
    for (int i = 0; i < 1000; ++i)
        b.stringValue("t" + std::to_string(i));
    b.key("scores", kArray).value(kF32).value<std::uint64_t>(500);
    for (int i = 0; i < 500; ++i)
        b.value(static_cast<float>(i));
    b.key("after", kU32).value<std::uint32_t>(7);
    test::TempDir dir;
    const auto model = openBytes(dir, b.bytes());
    const auto& tokens = model->metadata().at("tokens");
    EXPECT_EQ(tokens.at("count"), 1000);
    EXPECT_EQ(tokens.at("array_of"), "string");
    ASSERT_EQ(tokens.at("first").size(), 64u);
    EXPECT_EQ(tokens.at("first")[63], "t63");
    EXPECT_EQ(model->metadata().at("scores").at("count"), 500);
    EXPECT_EQ(model->metadata().at("after"), 7); // the skipped elements were stepped over exactly
}

TEST(GgufReader, ShapesAreOutermostFirstAndAlignmentIsHonoured)
{
    GgufBuilder b;
    b.alignment(64);
    std::vector<float> values(15);
    for (int i = 0; i < 15; ++i)
        values[i] = static_cast<float>(i) - 7.0f;
    b.tensor(f32Tensor("small", {3}, {1, 2, 3}));
    b.tensor(f32Tensor("matrix", {5, 3}, values)); // 3 rows of 5
    test::TempDir dir;
    const auto model = openBytes(dir, b.bytes());
    ASSERT_EQ(model->tensors().size(), 2u);
    const TensorInfo& matrix = model->tensors()[1];
    EXPECT_EQ(matrix.shape, (Shape{3, 5}));
    EXPECT_EQ(matrix.offset % 64, 0u);
    EXPECT_EQ(floatsOf(*model, 1), values);
    EXPECT_EQ(floatsOf(*model, 0), (std::vector<float>{1, 2, 3}));
}

TEST(GgufReader, ReadsVersionTwo)
{
    GgufBuilder b(2);
    b.tensor(f32Tensor("x", {2}, {0.5f, -0.5f}));
    test::TempDir dir;
    const auto model = openBytes(dir, b.bytes());
    EXPECT_EQ(floatsOf(*model, 0), (std::vector<float>{0.5f, -0.5f}));
}

TEST(GgufReader, DecodesAQ4_0BlockByItsDefinition)
{
    // d = 0.5 (fp16 0x3800); byte j holds code j % 16 low and 15 - j % 16 high.
    std::vector<std::uint8_t> block{0x00, 0x38};
    for (int j = 0; j < 16; ++j)
        block.push_back(static_cast<std::uint8_t>((j & 0x0f) | ((15 - j) << 4)));
    GgufBuilder b;
    b.tensor({"q", {32}, kGgmlQ4_0, block});
    test::TempDir dir;
    const auto model = openBytes(dir, b.bytes());
    const TensorInfo& info = model->tensors()[0];
    EXPECT_EQ(info.dtype, DType::Q4_0);
    EXPECT_EQ(info.nbytes, 18u);
    EXPECT_DOUBLE_EQ(bitsPerElement(info.dtype), 4.5);
    const auto values = floatsOf(*model, 0);
    for (int j = 0; j < 16; ++j) {
        EXPECT_EQ(values[j], 0.5f * static_cast<float>(j - 8));
        EXPECT_EQ(values[j + 16], 0.5f * static_cast<float>(15 - j - 8));
    }
}

TEST(GgufReader, ListsAnUndecodedTypeWithItsReasonAndAnalysisSkipsIt)
{
    GgufBuilder b;
    b.tensor({"iq2", {256}, kGgmlIQ2_XXS, std::vector<std::uint8_t>(66, 0)});
    b.tensor({"future", {4}, 77, {}});
    b.tensor(f32Tensor("w", {4}, {1, -2, 3, -4}));
    test::TempDir dir;
    const auto model = openBytes(dir, b.bytes());
    ASSERT_EQ(model->tensors().size(), 3u);
    EXPECT_EQ(storedTypeName(model->tensors()[0]), "IQ2_XXS");
    EXPECT_EQ(model->tensors()[0].nbytes, 66u);
    EXPECT_NE(model->tensors()[0].unsupported.find("unsupported tensor type IQ2_XXS"),
              std::string::npos);
    EXPECT_NE(model->tensors()[1].unsupported.find("unknown ggml tensor type 77"),
              std::string::npos);
    EXPECT_THROW(model->read(0), InputError);
    const ModelReport report =
        analyzeModel(*model, test::makeConfig("int8", "symmetric", "tensor"));
    ASSERT_EQ(report.layers.size(), 1u);
    EXPECT_EQ(report.layers[0].name, "w");
    ASSERT_EQ(report.skipped.size(), 2u);
    EXPECT_EQ(report.skipped[0].name, "iq2");
    EXPECT_NE(report.skipped[0].reason.find("IQ2_XXS"), std::string::npos);
}

struct BrokenCase {
    const char* name;
    std::vector<std::uint8_t> bytes;
    const char* expected; // a part of the problem text
};

std::vector<BrokenCase> brokenFiles()
{
    std::vector<BrokenCase> cases;
    const auto add = [&](const char* name, const GgufBuilder& b, const char* expected) {
        cases.push_back({name, b.bytes(), expected});
    };
    {
        auto bytes = GgufBuilder(1).bytes();
        cases.push_back({"version 1", bytes, "version 1"});
        cases.push_back({"version 4", GgufBuilder(4).bytes(), "unsupported GGUF version 4"});
        cases.push_back({"big endian", GgufBuilder(0x03000000).bytes(), "big-endian"});
    }
    add("kv count lies", GgufBuilder().counts(0, 1ull << 40), "metadata entries cannot fit");
    add("tensor count lies", GgufBuilder().counts(1ull << 40, 0), "tensors cannot fit");
    {
        GgufBuilder b;
        b.key("k", kString).value<std::uint64_t>(1ull << 50);
        add("string length lies", b, "past the end of the file");
    }
    {
        GgufBuilder b;
        b.key("k", kArray).value(kU32).value<std::uint64_t>(1ull << 40);
        add("array count lies", b, "cannot fit");
    }
    {
        GgufBuilder b;
        b.key("k", kArray);
        for (int i = 0; i < 20; ++i)
            b.value(kArray).value<std::uint64_t>(1);
        b.value(kU32).value<std::uint64_t>(1).value<std::uint32_t>(1);
        add("arrays nested too deep", b, "nested more than");
    }
    {
        GgufBuilder b;
        b.key("k", 13).value<std::uint32_t>(0);
        add("unknown value type", b, "unknown value type 13");
    }
    {
        GgufBuilder b;
        b.key("k", 7).value<std::uint8_t>(2);
        add("bool out of range", b, "neither 0 nor 1");
    }
    {
        GgufBuilder b;
        b.key("k", kU32).value<std::uint32_t>(1).key("k", kU32).value<std::uint32_t>(2);
        add("duplicate key", b, "duplicate metadata key");
    }
    {
        GgufBuilder b;
        b.key("general.alignment", kU32).value<std::uint32_t>(48);
        add("alignment not a power of two", b, "power of two");
    }
    {
        GgufBuilder b;
        b.key("general.alignment", kF32).value<float>(32.0f);
        add("alignment of the wrong type", b, "power of two");
    }
    {
        GgufBuilder b;
        b.tensor({"t", {1, 1, 1, 1, 1}, kGgmlF32, GgufBuilder::bytesOf(std::vector<float>{1})});
        add("five dimensions", b, "5 dimensions");
    }
    {
        GgufBuilder b;
        b.tensor(f32Tensor("t", {1}, {1})).tensor(f32Tensor("t", {1}, {2}));
        add("duplicate tensor", b, "duplicate tensor name");
    }
    {
        GgufBuilder b;
        auto t = f32Tensor("t", {2}, {1, 2});
        t.offsetOverride = 4;
        add("misaligned offset", b.tensor(t), "not a multiple of the alignment");
    }
    {
        GgufBuilder b;
        auto t = f32Tensor("t", {2}, {1, 2});
        t.offsetOverride = 1 << 20;
        add("data past the end", b.tensor(t), "past the end of the file");
    }
    {
        GgufBuilder b;
        b.tensor({"t", {1ull << 60}, kGgmlF32, {}});
        add("huge tensor", b, "past the end of the file");
    }
    {
        GgufBuilder b;
        b.tensor({"t", {1ull << 40, 1ull << 40}, kGgmlF32, {}});
        add("element count overflows", b, "more elements than 64 bits");
    }
    {
        GgufBuilder b;
        b.tensor({"t", {16, 2}, kGgmlQ4_0, std::vector<std::uint8_t>(18, 0)});
        add("row shorter than a block", b, "not a multiple of the 32-element blocks of Q4_0");
    }
    {
        GgufBuilder b; // found by fuzzing: no dimensions means one element, not a block
        b.tensor({"t", {}, kGgmlQ4_0, std::vector<std::uint8_t>(18, 0)});
        add("block type without dimensions", b, "not a whole 32-element block of Q4_0");
    }
    return cases;
}

TEST(GgufReader, RefusesBrokenFilesWithAClearProblem)
{
    for (const BrokenCase& c : brokenFiles()) {
        const std::string problem = openError(c.bytes);
        EXPECT_NE(problem.find(c.expected), std::string::npos)
            << c.name << ": got \"" << problem << "\"";
    }
}

TEST(GgufReader, RefusesTensorNamesTooLongToMatchSafely)
{
    GgufBuilder b;
    b.tensor(f32Tensor(std::string(kMaxTensorNameBytes + 1, 'a'), {1}, {1}));
    EXPECT_NE(openError(b.bytes()).find("a tensor name of 4097 bytes"), std::string::npos);
}

TEST(GgufReader, EveryTruncationOfAValidFileIsRefusedCleanly)
{
    GgufBuilder b;
    b.key("general.name", kString).stringValue("cut");
    b.key("list", kArray).value(kU32).value<std::uint64_t>(3);
    b.value<std::uint32_t>(1).value<std::uint32_t>(2).value<std::uint32_t>(3);
    b.tensor(f32Tensor("a", {4}, {1, 2, 3, 4}));
    b.tensor(f32Tensor("b", {2, 2}, {5, 6, 7, 8}));
    const auto whole = b.bytes();
    test::TempDir dir;
    ASSERT_EQ(openBytes(dir, whole)->tensors().size(), 2u);
    for (std::size_t length = 0; length < whole.size(); ++length) {
        const std::vector<std::uint8_t> cut(whole.begin(), whole.begin() + length);
        test::writeFile(dir.file("cut.gguf"), cut);
        EXPECT_THROW(openModel(dir.file("cut.gguf").string()), InputError) << length;
    }
}

} // namespace
} // namespace qs
