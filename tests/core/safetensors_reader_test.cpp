// safetensors reading: the real model in ../shared/models, the fixtures in
// tests/data/safetensors/ and the broken files in tests/data/corrupt/safetensors/, which
// come from tests/data/make_safetensors_fixtures.py (keep the values here in step with it).

#include "common/error.h"
#include "common/mapped_file.h"
#include "formats/model_file.h"
#include "formats/safetensors_reader.h"
#include "support/test_files.h"
#include "tensor/decode.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <exception>
#include <filesystem>
#include <gtest/gtest.h>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace qs {
namespace {

using test::valuesOf;

constexpr float kInf = std::numeric_limits<float>::infinity();

std::string fixture(const std::string& name)
{
    return (test::testDataDir() / "safetensors" / name).string();
}

std::string corruptFile(const std::string& name)
{
    return (test::testDataDir() / "corrupt" / "safetensors" / name).string();
}

std::string realModel()
{
    return (test::sharedModelsDir() / "ppocrv4_rec_svtr_neck.safetensors").string();
}

bool contains(const std::string& text, const std::string& part)
{
    return text.find(part) != std::string::npos;
}

std::vector<std::uint8_t> toVector(std::span<const std::uint8_t> bytes)
{
    return {bytes.begin(), bytes.end()};
}

// Position of the `occurrence`-th `text` in a file: where a broken entry's key sits.
std::uint64_t positionIn(const std::string& path, const std::string& text, int occurrence = 1)
{
    const auto bytes = test::readFile(path);
    const std::vector<std::uint8_t> needle(text.begin(), text.end());
    auto from = bytes.begin();
    for (int seen = 1;; ++seen) {
        const auto hit = std::search(from, bytes.end(), needle.begin(), needle.end());
        if (hit == bytes.end()) {
            ADD_FAILURE() << "\"" << text << "\" does not occur " << occurrence << " times in "
                          << path;
            return 0;
        }
        if (seen == occurrence)
            return static_cast<std::uint64_t>(hit - bytes.begin());
        from = hit + 1;
    }
}

std::size_t indexOf(const ModelFile& model, const std::string& name)
{
    const auto& tensors = model.tensors();
    for (std::size_t i = 0; i < tensors.size(); ++i)
        if (tensors[i].name == name)
            return i;
    ADD_FAILURE() << "no tensor \"" << name << "\" in " << model.path();
    return 0;
}

// What opening a file threw. An exception other than InputError, or none, is a failure:
// front ends would report it as an internal error, or analyse a broken file.
struct Refusal {
    bool thrown = false;
    std::string message;
    std::string file;
    std::optional<std::uint64_t> offset;
    std::string problem;
};

template <typename Open> Refusal refusalOf(const std::string& path, Open open)
{
    Refusal refusal;
    try {
        const auto model = open(path);
        for (std::size_t i = 0; i < model->tensors().size(); ++i)
            model->read(i);
        ADD_FAILURE() << path << " was accepted, with " << model->tensors().size() << " tensors";
    } catch (const InputError& error) {
        refusal.thrown = true;
        refusal.message = error.what();
        refusal.file = error.file();
        refusal.offset = error.offset();
        refusal.problem = error.problem();
    } catch (const std::exception& error) {
        ADD_FAILURE() << path << " threw an exception that is not an InputError: " << error.what();
    }
    return refusal;
}

Refusal refusalOf(const std::string& path)
{
    return refusalOf(path, [](const std::string& p) { return openModel(p); });
}

// Opens a broken file through openModel and checks the one-line InputError: it names
// `file` (the broken file itself unless given), the problem and the byte offset.
void expectBroken(const std::string& name, const std::string& phrase,
                  std::optional<std::uint64_t> offset,
                  const std::optional<std::string>& file = std::nullopt)
{
    const std::string path = corruptFile(name);
    const Refusal refusal = refusalOf(path);
    ASSERT_TRUE(refusal.thrown);
    EXPECT_EQ(refusal.file, file.value_or(path));
    EXPECT_TRUE(contains(refusal.problem, phrase))
        << "expected \"" << phrase << "\" in: " << refusal.message;
    EXPECT_FALSE(contains(refusal.message, "\n")) << refusal.message;
    EXPECT_EQ(refusal.offset, offset) << refusal.message;
    const std::string prefix =
        refusal.file + ": " +
        (offset ? "at byte " + std::to_string(*offset) + ": " : std::string());
    EXPECT_EQ(refusal.message, prefix + refusal.problem);
}

// ---------------------------------------------------------------------------------------
// The real model: 26 float32 tensors of PP-OCRv4's SVTR neck, converted from ONNX.

struct RealTensor {
    const char* name;
    Shape shape;
};

// In storage order, as the file's data_offsets place them.
const std::vector<RealTensor>& realTensors()
{
    static const std::vector<RealTensor> tensors = {
        {"layer_norm_43.b_0", {120}},  {"layer_norm_43.w_0", {120}},  {"layer_norm_44.b_0", {120}},
        {"layer_norm_44.w_0", {120}},  {"layer_norm_45.b_0", {120}},  {"layer_norm_45.w_0", {120}},
        {"layer_norm_46.b_0", {120}},  {"layer_norm_46.w_0", {120}},  {"layer_norm_47.b_0", {120}},
        {"layer_norm_47.w_0", {120}},  {"linear_77.b_0", {360}},      {"linear_77.w_0", {120, 360}},
        {"linear_78.b_0", {120}},      {"linear_78.w_0", {120, 120}}, {"linear_79.b_0", {240}},
        {"linear_79.w_0", {120, 240}}, {"linear_80.b_0", {120}},      {"linear_80.w_0", {240, 120}},
        {"linear_81.b_0", {360}},      {"linear_81.w_0", {120, 360}}, {"linear_82.b_0", {120}},
        {"linear_82.w_0", {120, 120}}, {"linear_83.b_0", {240}},      {"linear_83.w_0", {120, 240}},
        {"linear_84.b_0", {120}},      {"linear_84.w_0", {240, 120}},
    };
    return tensors;
}

TEST(SafetensorsReader, RealModelListsItsTensors)
{
    const auto model = openModel(realModel());
    EXPECT_EQ(model->format(), "safetensors");
    EXPECT_EQ(model->path(), realModel());
    const auto& tensors = model->tensors();
    ASSERT_EQ(tensors.size(), 26u);
    ASSERT_EQ(realTensors().size(), 26u);
    for (std::size_t i = 0; i < tensors.size(); ++i) {
        const TensorInfo& info = tensors[i];
        const RealTensor& expected = realTensors()[i];
        EXPECT_EQ(info.name, expected.name) << i;
        EXPECT_EQ(info.shape, expected.shape) << info.name;
        EXPECT_EQ(info.dtype, DType::F32) << info.name;
        std::uint64_t numel = 1;
        for (auto dim : expected.shape)
            numel *= static_cast<std::uint64_t>(dim);
        EXPECT_EQ(info.numel, numel) << info.name;
        EXPECT_EQ(info.nbytes, numel * 4) << info.name;
        EXPECT_EQ(info.file, realModel()) << info.name;
    }
    const auto& w77 = tensors[indexOf(*model, "linear_77.w_0")];
    EXPECT_EQ(w77.shape, (Shape{120, 360}));
    EXPECT_EQ(w77.dtype, DType::F32);
}

TEST(SafetensorsReader, RealModelTensorsAreContiguousInStorageOrder)
{
    const auto model = openModel(realModel());
    const auto fileBytes = test::readFile(realModel());
    ASSERT_GE(fileBytes.size(), 8u);
    std::uint64_t headerLength = 0;
    std::memcpy(&headerLength, fileBytes.data(), 8);
    EXPECT_EQ(headerLength, 2320u);
    const auto& tensors = model->tensors();
    ASSERT_FALSE(tensors.empty());
    // The first tensor starts right after the header, each next one where the last ended,
    // and the last one ends at the end of the file.
    EXPECT_EQ(tensors.front().offset, 8 + headerLength);
    for (std::size_t i = 1; i < tensors.size(); ++i)
        EXPECT_EQ(tensors[i].offset, tensors[i - 1].offset + tensors[i - 1].nbytes)
            << tensors[i].name;
    EXPECT_EQ(tensors.back().offset + tensors.back().nbytes, fileBytes.size());
}

TEST(SafetensorsReader, RealModelHasItsMetadata)
{
    const auto model = openModel(realModel());
    const auto& metadata = model->metadata();
    ASSERT_TRUE(metadata.is_object());
    for (const char* key : {"source", "license", "layout", "subset"}) {
        ASSERT_TRUE(metadata.contains(key)) << key;
        EXPECT_TRUE(metadata[key].is_string()) << key;
    }
    EXPECT_TRUE(contains(metadata["layout"].get<std::string>(), "[in,out]"));
}

TEST(SafetensorsReader, RealModelReadReturnsTheFileBytes)
{
    const auto model = openModel(realModel());
    const auto fileBytes = test::readFile(realModel());
    for (std::size_t i = 0; i < model->tensors().size(); ++i) {
        const TensorInfo& info = model->tensors()[i];
        const TensorBytes tensor = model->read(i);
        ASSERT_EQ(tensor.bytes().size(), info.nbytes) << info.name;
        ASSERT_LE(info.offset + info.nbytes, fileBytes.size()) << info.name;
        const std::vector<std::uint8_t> expected(
            fileBytes.begin() + static_cast<std::ptrdiff_t>(info.offset),
            fileBytes.begin() + static_cast<std::ptrdiff_t>(info.offset + info.nbytes));
        EXPECT_EQ(toVector(tensor.bytes()), expected) << info.name;
        // Trained weights: every value finite, not all zero.
        const auto values = decodeToFloat(info.dtype, tensor.bytes());
        EXPECT_TRUE(std::all_of(values.begin(), values.end(), [](float v) {
            return std::isfinite(v);
        })) << info.name;
        EXPECT_TRUE(std::any_of(values.begin(), values.end(), [](float v) { return v != 0; }))
            << info.name;
    }
}

TEST(SafetensorsReader, RealModelReadsAgainAfterRelease)
{
    // Destroying a TensorBytes hands its pages back to the OS; reading again must give the
    // same bytes.
    const auto model = openModel(realModel());
    const std::size_t index = indexOf(*model, "linear_77.w_0");
    std::vector<std::uint8_t> first;
    {
        const TensorBytes tensor = model->read(index);
        first = toVector(tensor.bytes());
    }
    const TensorBytes again = model->read(index);
    EXPECT_EQ(toVector(again.bytes()), first);
}

// ---------------------------------------------------------------------------------------
// One fixture per dtype: a tensor "values" of shape 2x3.

struct Opened {
    std::unique_ptr<ModelFile> model;
    std::size_t index = 0;
};

Opened openValues(DType type)
{
    const std::string name = "dtype_" + std::string(dtypeName(type)) + ".safetensors";
    Opened opened{openModel(fixture(name)), 0};
    const ModelFile& model = *opened.model;
    EXPECT_EQ(model.format(), "safetensors");
    EXPECT_TRUE(model.metadata().is_object() && model.metadata().empty());
    opened.index = indexOf(model, "values");
    const TensorInfo& info = model.tensors().at(opened.index);
    EXPECT_EQ(info.dtype, type);
    EXPECT_EQ(info.shape, (Shape{2, 3}));
    EXPECT_EQ(info.numel, 6u);
    EXPECT_EQ(info.nbytes, 6 * dtypeSize(type));
    EXPECT_EQ(info.file, fixture(name));
    return opened;
}

std::vector<float> decodedValues(DType type)
{
    const Opened opened = openValues(type);
    const TensorBytes tensor = opened.model->read(opened.index);
    EXPECT_EQ(tensor.bytes().size(), 6 * dtypeSize(type));
    return decodeToFloat(type, tensor.bytes());
}

template <typename T> std::vector<T> storedValues(DType type)
{
    const Opened opened = openValues(type);
    return valuesOf<T>(opened.model->read(opened.index));
}

TEST(SafetensorsReader, DecodesF64)
{
    // 1e300 lies beyond float range: decodeToFloat makes it +Inf.
    EXPECT_EQ(decodedValues(DType::F64),
              (std::vector<float>{-1.5f, 0.0f, 1.0f, 3.25f, kInf, -2.0f}));
    EXPECT_EQ(storedValues<double>(DType::F64),
              (std::vector<double>{-1.5, 0.0, 1.0, 3.25, 1.0e300, -2.0}));
}

TEST(SafetensorsReader, DecodesF32)
{
    EXPECT_EQ(decodedValues(DType::F32),
              (std::vector<float>{-1.5f, 0.0f, 1.0f, 3.25f, std::numeric_limits<float>::max(),
                                  std::numeric_limits<float>::denorm_min()}));
}

TEST(SafetensorsReader, DecodesF32NanInfAndNegativeZero)
{
    const auto model = openModel(fixture("dtype_F32.safetensors"));
    ASSERT_EQ(model->tensors().size(), 2u);
    const std::size_t index = indexOf(*model, "specials");
    EXPECT_EQ(model->tensors()[index].shape, (Shape{4}));
    const auto values = decodeToFloat(DType::F32, model->read(index).bytes());
    ASSERT_EQ(values.size(), 4u);
    EXPECT_TRUE(std::isnan(values[0]));
    EXPECT_TRUE(std::isinf(values[1]) && values[1] > 0);
    EXPECT_TRUE(std::isinf(values[2]) && values[2] < 0);
    EXPECT_EQ(values[3], 0.0f);
    EXPECT_TRUE(std::signbit(values[3]));
}

TEST(SafetensorsReader, DecodesF16)
{
    EXPECT_EQ(decodedValues(DType::F16),
              (std::vector<float>{-1.5f, 0.0f, 1.0f, 3.25f, 65504.0f, std::ldexp(1.0f, -24)}));
    EXPECT_EQ(storedValues<std::uint16_t>(DType::F16),
              (std::vector<std::uint16_t>{0xBE00, 0x0000, 0x3C00, 0x4280, 0x7BFF, 0x0001}));
}

TEST(SafetensorsReader, DecodesBF16)
{
    // 255 * 2^120 = (2 - 2^-7) * 2^127 is the largest bf16; 2^-133 its smallest subnormal.
    EXPECT_EQ(decodedValues(DType::BF16),
              (std::vector<float>{-1.5f, 0.0f, 1.0f, 3.140625f, std::ldexp(255.0f, 120),
                                  std::ldexp(1.0f, -133)}));
    EXPECT_EQ(storedValues<std::uint16_t>(DType::BF16),
              (std::vector<std::uint16_t>{0xBFC0, 0x0000, 0x3F80, 0x4049, 0x7F7F, 0x0001}));
}

TEST(SafetensorsReader, DecodesF8E4M3)
{
    // 448 is the largest E4M3FN value (S.1111.110), 2^-9 the smallest subnormal.
    EXPECT_EQ(decodedValues(DType::F8_E4M3),
              (std::vector<float>{-1.5f, 0.0f, 1.0f, 3.25f, 448.0f, std::ldexp(1.0f, -9)}));
    EXPECT_EQ(storedValues<std::uint8_t>(DType::F8_E4M3),
              (std::vector<std::uint8_t>{0xBC, 0x00, 0x38, 0x45, 0x7E, 0x01}));
}

TEST(SafetensorsReader, DecodesF8E5M2)
{
    // 57344 is the largest finite E5M2 value, 2^-16 the smallest subnormal.
    EXPECT_EQ(decodedValues(DType::F8_E5M2),
              (std::vector<float>{-1.5f, 0.0f, 1.0f, 3.5f, 57344.0f, std::ldexp(1.0f, -16)}));
    EXPECT_EQ(storedValues<std::uint8_t>(DType::F8_E5M2),
              (std::vector<std::uint8_t>{0xBE, 0x00, 0x3C, 0x43, 0x7B, 0x01}));
}

TEST(SafetensorsReader, ReadsSignedIntegers)
{
    EXPECT_EQ(
        storedValues<std::int64_t>(DType::I64),
        (std::vector<std::int64_t>{std::numeric_limits<std::int64_t>::min(), -1, 0, 1,
                                   0x0102030405060708, std::numeric_limits<std::int64_t>::max()}));
    EXPECT_EQ(storedValues<std::int32_t>(DType::I32),
              (std::vector<std::int32_t>{std::numeric_limits<std::int32_t>::min(), -1, 0, 1,
                                         0x01020304, std::numeric_limits<std::int32_t>::max()}));
    EXPECT_EQ(storedValues<std::int16_t>(DType::I16),
              (std::vector<std::int16_t>{-32768, -1, 0, 1, 0x0102, 32767}));
    EXPECT_EQ(storedValues<std::int8_t>(DType::I8),
              (std::vector<std::int8_t>{-128, -1, 0, 1, 18, 127}));
}

TEST(SafetensorsReader, ReadsUnsignedIntegersAndBool)
{
    EXPECT_EQ(storedValues<std::uint64_t>(DType::U64),
              (std::vector<std::uint64_t>{0, 1, 2, 0x0102030405060708, ~std::uint64_t{1},
                                          ~std::uint64_t{0}}));
    EXPECT_EQ(storedValues<std::uint32_t>(DType::U32),
              (std::vector<std::uint32_t>{0, 1, 2, 0x01020304, 0xFFFFFFFE, 0xFFFFFFFF}));
    EXPECT_EQ(storedValues<std::uint16_t>(DType::U16),
              (std::vector<std::uint16_t>{0, 1, 2, 0x0102, 65534, 65535}));
    EXPECT_EQ(storedValues<std::uint8_t>(DType::U8),
              (std::vector<std::uint8_t>{0, 1, 2, 18, 254, 255}));
    EXPECT_EQ(storedValues<std::uint8_t>(DType::Bool),
              (std::vector<std::uint8_t>{1, 0, 0, 1, 1, 0}));
}

TEST(SafetensorsReader, ReadsMetadataAndSortsTensorsByOffset)
{
    const std::string path = fixture("metadata.safetensors");
    const auto model = openModel(path);
    const auto& metadata = model->metadata();
    ASSERT_TRUE(metadata.is_object());
    EXPECT_EQ(metadata.size(), 3u);
    EXPECT_EQ(metadata.value("format", ""), "pt");
    EXPECT_EQ(metadata.value("note", ""), "Gr\xC3\xBC\xC3\x9F"
                                          "e \xE2\x9C\x93"); // "Grüße ✓"
    EXPECT_EQ(metadata.value("empty", "?"), "");
    EXPECT_FALSE(metadata.contains("__metadata__"));

    // Storage order, not name order: "z_first" holds the first bytes.
    const auto& tensors = model->tensors();
    ASSERT_EQ(tensors.size(), 3u);
    EXPECT_EQ(tensors[0].name, "z_first");
    EXPECT_EQ(tensors[1].name, "m_middle");
    EXPECT_EQ(tensors[2].name, "a_last");
    for (std::size_t i = 1; i < tensors.size(); ++i)
        EXPECT_EQ(tensors[i].offset, tensors[i - 1].offset + tensors[i - 1].nbytes);
    EXPECT_EQ(tensors[2].offset + tensors[2].nbytes, test::readFile(path).size());

    EXPECT_EQ(valuesOf<float>(model->read(0)), (std::vector<float>{1.0f, 2.0f}));
    EXPECT_EQ(tensors[1].dtype, DType::I32);
    EXPECT_EQ(valuesOf<std::int32_t>(model->read(1)), (std::vector<std::int32_t>{7}));
    EXPECT_EQ(tensors[2].shape, (Shape{2, 2}));
    EXPECT_EQ(valuesOf<float>(model->read(2)), (std::vector<float>{0.5f, -0.5f, 0.25f, -0.25f}));
}

TEST(SafetensorsReader, ReadsZeroDimensionalScalars)
{
    const auto model = openModel(fixture("scalar.safetensors"));
    ASSERT_EQ(model->tensors().size(), 2u);
    const std::size_t step = indexOf(*model, "step");
    const TensorInfo& info = model->tensors()[step];
    EXPECT_TRUE(info.shape.empty());
    EXPECT_EQ(info.numel, 1u);
    EXPECT_EQ(info.nbytes, 4u);
    EXPECT_EQ(decodeToFloat(DType::F32, model->read(step).bytes()), (std::vector<float>{3.5f}));
    const std::size_t count = indexOf(*model, "count");
    EXPECT_TRUE(model->tensors()[count].shape.empty());
    EXPECT_EQ(model->tensors()[count].dtype, DType::I64);
    EXPECT_EQ(valuesOf<std::int64_t>(model->read(count)), (std::vector<std::int64_t>{42}));
}

TEST(SafetensorsReader, ReadsZeroSizeTensorBesideOthers)
{
    const auto model = openModel(fixture("zero_size.safetensors"));
    ASSERT_EQ(model->tensors().size(), 3u);
    const std::size_t empty = indexOf(*model, "empty");
    const TensorInfo& info = model->tensors()[empty];
    EXPECT_EQ(info.shape, (Shape{0, 5}));
    EXPECT_EQ(info.numel, 0u);
    EXPECT_EQ(info.nbytes, 0u);
    EXPECT_TRUE(model->read(empty).bytes().empty());
    EXPECT_EQ(decodeToFloat(DType::F32, model->read(indexOf(*model, "before")).bytes()),
              (std::vector<float>{1.0f, 2.0f, 3.0f}));
    EXPECT_EQ(decodeToFloat(DType::F16, model->read(indexOf(*model, "after")).bytes()),
              (std::vector<float>{0.5f, -4.0f}));
}

TEST(SafetensorsReader, ReadsShardedModel)
{
    const std::string index = fixture("model.safetensors.index.json");
    const std::string shard1 = fixture("model-00001-of-00002.safetensors");
    const std::string shard2 = fixture("model-00002-of-00002.safetensors");
    const auto model = openModel(index);
    EXPECT_EQ(model->format(), "safetensors (sharded)");
    EXPECT_EQ(model->path(), index);
    EXPECT_EQ(model->metadata().value("total_size", 0), 32 + 16 + 24 + 4);
    ASSERT_EQ(model->tensors().size(), 4u);

    struct Expected {
        const char* name;
        std::string file;
        DType type;
        Shape shape;
        std::vector<float> values;
    };
    const std::vector<Expected> expected = {
        {"embed.weight",
         shard1,
         DType::F32,
         {2, 4},
         {0.0f, 0.125f, 0.25f, 0.375f, 0.5f, 0.625f, 0.75f, 0.875f}},
        {"layers.0.weight", shard1, DType::F32, {2, 2}, {1.0f, -1.0f, 2.0f, -2.0f}},
        {"layers.1.weight", shard2, DType::F32, {3, 2}, {0.5f, 0.25f, -0.5f, -0.25f, 4.0f, -4.0f}},
        {"head.weight", shard2, DType::F16, {2}, {1.5f, -1.5f}},
    };
    for (const Expected& e : expected) {
        const std::size_t i = indexOf(*model, e.name);
        const TensorInfo& info = model->tensors()[i];
        EXPECT_EQ(info.file, e.file) << e.name;
        EXPECT_EQ(info.dtype, e.type) << e.name;
        EXPECT_EQ(info.shape, e.shape) << e.name;
        const TensorBytes tensor = model->read(i);
        EXPECT_EQ(tensor.bytes().size(), info.nbytes) << e.name;
        EXPECT_EQ(decodeToFloat(info.dtype, tensor.bytes()), e.values) << e.name;
        // The offset is one in the tensor's own shard.
        const auto fileBytes = test::readFile(e.file);
        ASSERT_LE(info.offset + info.nbytes, fileBytes.size()) << e.name;
        EXPECT_EQ(0,
                  std::memcmp(tensor.bytes().data(), fileBytes.data() + info.offset, info.nbytes))
            << e.name;
    }
}

TEST(SafetensorsReader, ShardsOpenOnTheirOwn)
{
    const auto first = openModel(fixture("model-00001-of-00002.safetensors"));
    ASSERT_EQ(first->tensors().size(), 2u);
    EXPECT_EQ(first->tensors()[0].name, "embed.weight");
    EXPECT_EQ(first->tensors()[1].name, "layers.0.weight");
    EXPECT_EQ(first->metadata().value("format", ""), "pt");
    const auto second = openModel(fixture("model-00002-of-00002.safetensors"));
    ASSERT_EQ(second->tensors().size(), 2u);
    EXPECT_EQ(second->tensors()[0].name, "layers.1.weight");
    EXPECT_EQ(second->tensors()[1].name, "head.weight");
}

// ---------------------------------------------------------------------------------------
// Recognition by content, not by name.

TEST(SafetensorsDetection, SafetensorsRenamedToBinStillOpens)
{
    test::TempDir dir;
    const auto path = dir.file("weights.bin");
    test::writeFile(path, test::readFile(fixture("dtype_F32.safetensors")));
    const auto model = openModel(path.string());
    EXPECT_EQ(model->format(), "safetensors");
    ASSERT_EQ(model->tensors().size(), 2u);
    const std::size_t values = indexOf(*model, "values");
    EXPECT_EQ(model->tensors()[values].file, path.string());
    EXPECT_EQ(decodeToFloat(DType::F32, model->read(values).bytes())[3], 3.25f);
}

TEST(SafetensorsDetection, IndexRenamedStillOpens)
{
    test::TempDir dir;
    for (const char* shard :
         {"model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"})
        test::writeFile(dir.file(shard), test::readFile(fixture(shard)));
    const auto path = dir.file("shards.txt");
    test::writeFile(path, test::readFile(fixture("model.safetensors.index.json")));
    const auto model = openModel(path.string());
    EXPECT_EQ(model->format(), "safetensors (sharded)");
    EXPECT_EQ(model->tensors().size(), 4u);
}

TEST(SafetensorsDetection, TextFileIsUnrecognised)
{
    test::TempDir dir;
    const auto path = dir.file("model.safetensors");
    test::writeFile(path, std::string("These are not the weights you are looking for.\n"
                                      "Just some lines of ordinary text, long enough.\n"));
    const Refusal refusal = refusalOf(path.string());
    ASSERT_TRUE(refusal.thrown);
    EXPECT_EQ(refusal.file, path.string());
    EXPECT_EQ(refusal.offset, std::optional<std::uint64_t>(0));
    EXPECT_TRUE(contains(refusal.problem, "unrecognised model format")) << refusal.message;
}

TEST(SafetensorsDetection, EmptyFileIsRefused)
{
    test::TempDir dir;
    const auto path = dir.file("empty.safetensors");
    test::writeFile(path, std::string());
    const Refusal refusal = refusalOf(path.string());
    ASSERT_TRUE(refusal.thrown);
    EXPECT_EQ(refusal.file, path.string());
    EXPECT_TRUE(contains(refusal.problem, "empty")) << refusal.message;
}

TEST(SafetensorsDetection, MissingFileIsRefused)
{
    const std::string path = fixture("no_such_file.safetensors");
    const Refusal refusal = refusalOf(path);
    ASSERT_TRUE(refusal.thrown);
    EXPECT_EQ(refusal.file, path);
    EXPECT_TRUE(contains(refusal.problem, "cannot open")) << refusal.message;
}

// ---------------------------------------------------------------------------------------
// Broken files: one test each, all refused with an InputError naming the file, the
// problem and the byte offset of the bad entry.

TEST(CorruptSafetensors, TruncatedLength)
{
    // Five bytes: too short to be recognised as anything.
    expectBroken("truncated_length.safetensors", "unrecognised model format", 0);
    // Given to the safetensors reader directly, the truncation is named.
    const std::string path = corruptFile("truncated_length.safetensors");
    const Refusal refusal =
        refusalOf(path, [](const std::string& p) { return openSafetensors(MappedFile::open(p)); });
    ASSERT_TRUE(refusal.thrown);
    EXPECT_EQ(refusal.file, path);
    EXPECT_EQ(refusal.offset, std::optional<std::uint64_t>(0));
    EXPECT_TRUE(contains(refusal.problem, "truncated")) << refusal.message;
    EXPECT_TRUE(contains(refusal.problem, "8-byte header length")) << refusal.message;
}

TEST(CorruptSafetensors, HeaderLengthPastEnd)
{
    expectBroken("header_length_past_end.safetensors",
                 "header length 1000 exceeds the 64 bytes after it", 0);
}

TEST(CorruptSafetensors, HugeHeaderLength)
{
    expectBroken("huge_header_length.safetensors",
                 "header length 9223372036854775808 exceeds the 64 bytes after it", 0);
}

TEST(CorruptSafetensors, HeaderNotJson)
{
    // The parser stops at the '}' where a key should follow the trailing comma.
    const std::string name = "header_not_json.safetensors";
    expectBroken(name, "invalid JSON header", positionIn(corruptFile(name), ",}") + 1);
}

TEST(CorruptSafetensors, HeaderInvalidUtf8)
{
    const std::string name = "header_invalid_utf8.safetensors";
    expectBroken(name, "UTF-8", positionIn(corruptFile(name), "\xFF"));
}

TEST(CorruptSafetensors, HeaderNotObject)
{
    // A JSON array where the object should be: content detection expects '{' after the
    // length, so openModel does not recognise the file at all.
    expectBroken("header_not_object.safetensors", "unrecognised model format", 0);
    // The safetensors reader itself names the problem.
    const std::string path = corruptFile("header_not_object.safetensors");
    const Refusal refusal =
        refusalOf(path, [](const std::string& p) { return openSafetensors(MappedFile::open(p)); });
    ASSERT_TRUE(refusal.thrown);
    EXPECT_EQ(refusal.file, path);
    EXPECT_EQ(refusal.offset, std::optional<std::uint64_t>(8));
    EXPECT_TRUE(contains(refusal.problem, "JSON header is not an object")) << refusal.message;
}

TEST(CorruptSafetensors, DuplicateNames)
{
    const std::string name = "duplicate_names.safetensors";
    expectBroken(name, "duplicate key \"weight\"", positionIn(corruptFile(name), "\"weight\"", 2));
}

TEST(CorruptSafetensors, UnknownDtype)
{
    const std::string name = "unknown_dtype.safetensors";
    expectBroken(name, "tensor \"w\": unknown dtype \"X16\"",
                 positionIn(corruptFile(name), "\"w\""));
}

TEST(CorruptSafetensors, OffsetsOutsideData)
{
    const std::string name = "offsets_outside_data.safetensors";
    expectBroken(name, "data_offsets end 16 lies past the 8 data bytes",
                 positionIn(corruptFile(name), "\"w\""));
}

TEST(CorruptSafetensors, OffsetsReversed)
{
    const std::string name = "offsets_reversed.safetensors";
    expectBroken(name, "data_offsets [8, 0] are reversed", positionIn(corruptFile(name), "\"w\""));
}

TEST(CorruptSafetensors, OffsetsOverlap)
{
    const std::string name = "offsets_overlap.safetensors";
    expectBroken(name, "data of \"b\" overlaps the data of \"a\"",
                 positionIn(corruptFile(name), "\"b\""));
}

TEST(CorruptSafetensors, OffsetsOverlapBehindEmptyTensor)
{
    // "a" [0, 16) and "c" [8, 16) overlap; the zero-size "b" at 4 sorts between them.
    const std::string name = "offsets_overlap_behind_empty.safetensors";
    expectBroken(name, "data of \"c\" overlaps the data of \"a\"",
                 positionIn(corruptFile(name), "\"c\""));
}

TEST(CorruptSafetensors, ShapeBytesMismatch)
{
    const std::string name = "shape_bytes_mismatch.safetensors";
    expectBroken(name, "shape 2x3 of F32 needs 24 bytes but data_offsets span 20",
                 positionIn(corruptFile(name), "\"w\""));
}

TEST(CorruptSafetensors, ShapeProductOverflow)
{
    const std::string name = "shape_product_overflow.safetensors";
    expectBroken(name, "more elements than 64 bits can count",
                 positionIn(corruptFile(name), "\"w\""));
}

TEST(CorruptSafetensors, ShapeBytesOverflow)
{
    // (2^62 + 1) elements count in 64 bits, their bytes do not: 4 * (2^62 + 1) wraps
    // around to 4, exactly the span given. Refused, and the message must not claim 4 bytes.
    const std::string name = "shape_bytes_overflow.safetensors";
    const std::string path = corruptFile(name);
    expectBroken(name, "needs too many bytes", positionIn(path, "\"w\""));
    const Refusal refusal = refusalOf(path);
    EXPECT_FALSE(contains(refusal.problem, "needs 4 bytes")) << refusal.message;
}

TEST(CorruptSafetensors, NegativeDim)
{
    const std::string name = "negative_dim.safetensors";
    expectBroken(name, "shape entries must be non-negative integers",
                 positionIn(corruptFile(name), "\"w\""));
}

TEST(CorruptSafetensors, MissingDataOffsets)
{
    const std::string name = "missing_data_offsets.safetensors";
    expectBroken(name, "\"data_offsets\" must be an array of two integers",
                 positionIn(corruptFile(name), "\"w\""));
}

TEST(CorruptSafetensors, MetadataNotStrings)
{
    const std::string name = "metadata_not_strings.safetensors";
    expectBroken(name, "__metadata__ value of \"epoch\" is not a string",
                 positionIn(corruptFile(name), "\"epoch\""));
}

TEST(CorruptSafetensors, NumberOverflow)
{
    // 1e400 is JSON syntax but no double: a bad header like any other, refused with an
    // InputError (not an internal error) that points into the header.
    const std::string path = corruptFile("number_overflow.safetensors");
    const Refusal refusal = refusalOf(path);
    ASSERT_TRUE(refusal.thrown);
    EXPECT_EQ(refusal.file, path);
    EXPECT_TRUE(contains(refusal.problem, "1e400")) << refusal.message;
    ASSERT_TRUE(refusal.offset.has_value()) << refusal.message;
    EXPECT_GE(*refusal.offset, 8u) << refusal.message;
    EXPECT_LT(*refusal.offset, test::readFile(path).size() - 8) << refusal.message;
}

TEST(CorruptSafetensors, ControlCharactersInName)
{
    // The tensor's name holds an (escaped) newline and ESC: the message stays one line
    // and free of terminal control characters.
    const std::string path = corruptFile("control_characters_in_name.safetensors");
    const Refusal refusal = refusalOf(path);
    ASSERT_TRUE(refusal.thrown);
    EXPECT_EQ(refusal.file, path);
    EXPECT_TRUE(contains(refusal.problem, "unknown dtype \"X16\"")) << refusal.message;
    EXPECT_TRUE(refusal.offset.has_value()) << refusal.message;
    EXPECT_TRUE(std::none_of(refusal.message.begin(), refusal.message.end(), [](char c) {
        return c == '\n' || c == '\x1b';
    })) << refusal.message;
}

TEST(CorruptSafetensors, IndexHelperShardIsValid)
{
    // The shard the index tests name: their failures are the index's, not the shard's.
    const auto model = openModel(corruptFile("index_helper_shard.safetensors"));
    ASSERT_EQ(model->tensors().size(), 1u);
    EXPECT_EQ(model->tensors()[0].name, "a");
}

TEST(CorruptSafetensors, IndexMissingShard)
{
    // The error names the shard that cannot be opened.
    expectBroken("index_missing_shard.safetensors.index.json", "cannot open", std::nullopt,
                 corruptFile("index_missing_shard-00002-of-00002.safetensors"));
}

TEST(CorruptSafetensors, IndexPathEscape)
{
    // The target, tests/data/safetensors/dtype_F32.safetensors, exists and holds "values".
    const std::string name = "index_path_escape.safetensors.index.json";
    ASSERT_TRUE(std::filesystem::exists(std::filesystem::path(corruptFile(name)).parent_path() /
                                        "../../safetensors/dtype_F32.safetensors"));
    expectBroken(name,
                 "shard name \"../../safetensors/dtype_F32.safetensors\" is not a plain file name",
                 positionIn(corruptFile(name), "\"values\""));
}

TEST(CorruptSafetensors, IndexTensorNotInShard)
{
    const std::string name = "index_tensor_not_in_shard.safetensors.index.json";
    expectBroken(name, "tensor \"ghost\" is not in shard \"index_helper_shard.safetensors\"",
                 positionIn(corruptFile(name), "\"ghost\""));
}

} // namespace
} // namespace qs
