// ggml block decoding against ggml's own reference dequantizers: tests/data/gguf/blocks/
// holds blocks that ggml's reference quantizers produced (and blocks of random bytes) with
// the floats ggml's dequantizers made of them (see its README). The GGUF files beside them
// are checked against expected.json.

#include "common/error.h"
#include "formats/model_file.h"
#include "support/tensor_values.h"
#include "support/test_files.h"
#include "tensor/decode.h"

#include <bit>
#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace qs {
namespace {

std::filesystem::path ggufData()
{
    return test::testDataDir() / "gguf";
}

std::vector<float> floatsFromFile(const std::filesystem::path& path)
{
    const auto bytes = test::readFile(path);
    std::vector<float> values(bytes.size() / 4);
    std::memcpy(values.data(), bytes.data(), values.size() * 4);
    return values;
}

// Bit-for-bit equality, so that -0.0 against +0.0 or a 1-ulp rounding difference fails.
void expectSameBits(const std::vector<float>& actual, const std::vector<float>& expected,
                    const std::string& what)
{
    ASSERT_EQ(actual.size(), expected.size()) << what;
    std::size_t mismatches = 0;
    for (std::size_t i = 0; i < actual.size(); ++i)
        if (std::bit_cast<std::uint32_t>(actual[i]) != std::bit_cast<std::uint32_t>(expected[i]) &&
            mismatches++ < 5)
            ADD_FAILURE() << what << "[" << i << "]: " << actual[i] << " != " << expected[i];
    EXPECT_EQ(mismatches, 0u) << what;
}

class GgmlBlocks : public testing::TestWithParam<DType> {};

TEST_P(GgmlBlocks, DecodeBitExactlyAsGgml)
{
    const DType type = GetParam();
    const std::string name(dtypeName(type));
    for (const std::string variant : {"", ".random"}) {
        const auto blocks = test::readFile(ggufData() / "blocks" / (name + variant + ".blocks"));
        const auto expected = floatsFromFile(ggufData() / "blocks" / (name + variant + ".f32"));
        const DTypeTraits& t = traits(type);
        ASSERT_EQ(blocks.size() % t.blockBytes, 0u) << name;
        ASSERT_EQ(blocks.size() / t.blockBytes * t.blockElements, expected.size()) << name;
        expectSameBits(decodeToFloat(type, blocks), expected, name + variant);
    }
}

TEST_P(GgmlBlocks, DecodeARangeOfWholeBlocks)
{
    const DType type = GetParam();
    const std::string name(dtypeName(type));
    const auto blocks = test::readFile(ggufData() / "blocks" / (name + ".blocks"));
    const auto expected = floatsFromFile(ggufData() / "blocks" / (name + ".f32"));
    const std::size_t block = traits(type).blockElements;
    std::vector<float> part(block);
    decodeToFloat(type, blocks, block, block, part.data());
    expectSameBits(part, std::vector<float>(expected.begin() + block, expected.begin() + 2 * block),
                   name + " second block");
    EXPECT_THROW(decodeToFloat(type, blocks, 1, block, part.data()), Error);
}

INSTANTIATE_TEST_SUITE_P(AllDecodedTypes, GgmlBlocks,
                         testing::Values(DType::Q4_0, DType::Q4_1, DType::Q5_0, DType::Q5_1,
                                         DType::Q8_0, DType::Q8_1, DType::Q2_K, DType::Q3_K,
                                         DType::Q4_K, DType::Q5_K, DType::Q6_K, DType::Q8_K,
                                         DType::IQ4_NL, DType::IQ4_XS, DType::MXFP4),
                         [](const auto& info) { return std::string(dtypeName(info.param)); });

nlohmann::json expectedFiles()
{
    std::ifstream in(ggufData() / "expected.json");
    return nlohmann::json::parse(in).at("files");
}

class GgufFixtureFiles : public testing::TestWithParam<std::string> {};

TEST_P(GgufFixtureFiles, MatchExpectedJson)
{
    const nlohmann::json expected = expectedFiles().at(GetParam());
    const auto model = openModel((ggufData() / GetParam()).string());
    for (const auto& kv : expected.at("kv")) {
        const std::string key = kv.at("key");
        ASSERT_TRUE(model->metadata().contains(key)) << key;
        nlohmann::json value = kv.at("value");
        if (kv.at("type") == "array" && kv.at("elem_type") == "array") // nested: values only
            for (auto& inner : value)
                inner = inner.at("value");
        EXPECT_EQ(model->metadata().at(key), value) << key;
    }
    const auto& tensors = expected.at("tensors");
    ASSERT_EQ(model->tensors().size(), tensors.size());
    const std::uint64_t dataStart = expected.at("data_offset");
    for (std::size_t i = 0; i < tensors.size(); ++i) {
        const auto& e = tensors[i];
        const TensorInfo& info = model->tensors()[i];
        const std::string name = e.at("name");
        EXPECT_EQ(info.name, name);
        EXPECT_EQ(info.shape, e.at("shape").get<Shape>()) << name;
        EXPECT_EQ(storedTypeName(info), e.at("type").get<std::string>()) << name;
        EXPECT_EQ(info.offset, dataStart + e.at("offset").get<std::uint64_t>()) << name;
        EXPECT_EQ(info.nbytes, e.at("n_bytes").get<std::uint64_t>()) << name;
        if (!info.unsupported.empty())
            continue;
        const auto bytes = model->read(i);
        if (e.contains("expected_f32_file")) {
            expectSameBits(
                decodeToFloat(info.dtype, bytes.bytes()),
                floatsFromFile(ggufData() / e.at("expected_f32_file").get<std::string>()), name);
        } else if (isFloat(info.dtype)) {
            const auto values = decodeToFloat(info.dtype, bytes.bytes());
            const auto want = e.at("values").get<std::vector<double>>();
            ASSERT_EQ(values.size(), want.size()) << name;
            for (std::size_t k = 0; k < values.size(); ++k)
                EXPECT_EQ(values[k], static_cast<float>(want[k])) << name << "[" << k << "]";
        } else {
            const auto want = e.at("values").get<std::vector<std::int64_t>>();
            const auto raw = bytes.bytes();
            const std::size_t size = dtypeSize(info.dtype);
            ASSERT_EQ(raw.size(), want.size() * size) << name;
            for (std::size_t k = 0; k < want.size(); ++k) {
                std::int64_t v = 0;
                std::memcpy(&v, raw.data() + k * size, size);
                v = (v << (64 - 8 * size)) >> (64 - 8 * size); // sign-extend
                EXPECT_EQ(v, want[k]) << name << "[" << k << "]";
            }
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Files, GgufFixtureFiles,
                         testing::Values("metadata_all_types.gguf", "quantized_blocks.gguf",
                                         "v2.gguf"),
                         test::fileParamName);

} // namespace
} // namespace qs
