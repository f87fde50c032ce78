// Bytes before and after quantization: elements at the format's width plus each block's
// stored parameters, checked on layers the analyser really produced.
#include "analysis/storage_size.h"
#include "quant/quant_options.h"

#include <gtest/gtest.h>
#include <random>

namespace qs {
namespace {

TensorInfo matrix(std::int64_t rows, std::int64_t columns, DType dtype = DType::F32)
{
    TensorInfo info;
    info.name = "w";
    info.shape = {rows, columns};
    info.dtype = dtype;
    info.numel = static_cast<std::uint64_t>(rows * columns);
    return info;
}

std::vector<float> gaussian(std::size_t n)
{
    std::mt19937 random(7);
    std::normal_distribution<float> normal(0.f, 0.05f);
    std::vector<float> values(n);
    for (float& v : values)
        v = normal(random);
    return values;
}

StorageSize storageUnder(const TensorInfo& info, const std::vector<std::string>& words)
{
    const QuantConfig config = parseQuantizationOptions(words);
    const LayerReport layer = analyzeTensor(info, gaussian(info.numel), config);
    return layerStorage(layer, config);
}

TEST(StorageSize, ElementBitsOfEveryFormat)
{
    EXPECT_EQ(elementBits(parseNumberFormat("int8")), 8);
    EXPECT_EQ(elementBits(parseNumberFormat("uint3")), 3);
    EXPECT_EQ(elementBits(parseNumberFormat("fp16")), 16);
    EXPECT_EQ(elementBits(parseNumberFormat("bf16")), 16);
    EXPECT_EQ(elementBits(parseNumberFormat("fp8-e4m3")), 8);
    EXPECT_EQ(elementBits(parseNumberFormat("fp8-e5m2")), 8);
    EXPECT_EQ(elementBits(parseNumberFormat("fp4-e2m1")), 4);
}

TEST(StorageSize, IntegerGridsAddAScalePerBlockAndAZeroPointWhenAsymmetric)
{
    const TensorInfo info = matrix(64, 96);
    const double n = 64 * 96;
    const StorageSize perTensor = storageUnder(info, {"--granularity", "tensor"});
    EXPECT_EQ(perTensor.bytesBefore, n * 4);
    EXPECT_EQ(perTensor.bitsAfter, n * 8 + 32);

    const StorageSize perChannel =
        storageUnder(info, {"--dtype", "int4", "--scheme", "asymmetric"});
    EXPECT_EQ(perChannel.bitsAfter, n * 4 + 64 * (32 + 4));

    const StorageSize grouped =
        storageUnder(info, {"--dtype", "int4", "--granularity", "group:32"});
    EXPECT_EQ(grouped.bitsAfter, n * 4 + (n / 32) * 32);
    EXPECT_DOUBLE_EQ(grouped.bitsPerWeight(info.numel), 5.0);
}

TEST(StorageSize, PresetsHaveTheirBlockLayoutsBitsPerWeight)
{
    const TensorInfo info = matrix(16, 128);
    EXPECT_DOUBLE_EQ(storageUnder(info, {"--preset", "gguf-q8_0"}).bitsPerWeight(info.numel), 8.5);
    EXPECT_DOUBLE_EQ(storageUnder(info, {"--preset", "gguf-q4_0"}).bitsPerWeight(info.numel), 4.5);
    EXPECT_DOUBLE_EQ(storageUnder(info, {"--preset", "mxfp4"}).bitsPerWeight(info.numel), 4.25);
    EXPECT_DOUBLE_EQ(storageUnder(info, {"--preset", "mxfp8-e4m3"}).bitsPerWeight(info.numel),
                     8.25);
}

TEST(StorageSize, FloatCastsCarryAScaleOnlyWhenScaled)
{
    const TensorInfo info = matrix(32, 64, DType::F16);
    const double n = 32 * 64;
    const StorageSize half = storageUnder(info, {"--dtype", "fp16"});
    EXPECT_EQ(half.bytesBefore, n * 2);
    EXPECT_EQ(half.bitsAfter, n * 16);
    const StorageSize fp8 = storageUnder(info, {"--dtype", "fp8-e4m3"}); // scaled per channel
    EXPECT_EQ(fp8.bitsAfter, n * 8 + 32 * 32);
    const StorageSize unscaled =
        storageUnder(info, {"--dtype", "fp8-e5m2", "--fp-mode", "unscaled"});
    EXPECT_EQ(unscaled.bitsAfter, n * 8);
}

TEST(StorageSize, ModelTotalIsTheSumOfItsLayers)
{
    ModelReport report;
    report.config = parseQuantizationOptions({"--dtype", "int4", "--granularity", "tensor"});
    for (std::int64_t rows : {8, 24}) {
        const TensorInfo info = matrix(rows, 16);
        report.layers.push_back(analyzeTensor(info, gaussian(info.numel), report.config));
    }
    const StorageSize total = modelStorage(report);
    EXPECT_EQ(total.bytesBefore, (8 + 24) * 16 * 4.0);
    EXPECT_EQ(total.bitsAfter, (8 + 24) * 16 * 4.0 + 2 * 32);
}

TEST(QuantizationWords, ParseBackToTheSameConfiguration)
{
    const std::vector<std::vector<std::string>> cases = {
        {},
        {"--dtype", "int4", "--scheme", "asymmetric", "--granularity", "group:64"},
        {"--granularity", "tensor", "--calibration", "percentile:99.9", "--narrow-range",
         "--convention", "pytorch"},
        {"--dtype", "fp8-e4m3", "--fp-mode", "unscaled"},
        {"--granularity", "channel:1", "--calibration", "kl"},
        {"--preset", "gguf-q4_0"},
    };
    for (const auto& words : cases) {
        const QuantConfig config = parseQuantizationOptions(words);
        const std::vector<std::string> printed = quantizationWords(config);
        EXPECT_EQ(printed, words) << "defaults are left out, the rest kept in order";
        const QuantConfig back = parseQuantizationOptions(printed);
        EXPECT_EQ(toString(back.format), toString(config.format));
        EXPECT_EQ(toString(back.granularity), toString(config.granularity));
        EXPECT_EQ(toString(back.calibration), toString(config.calibration));
        EXPECT_EQ(back.scheme, config.scheme);
        EXPECT_EQ(back.preset, config.preset);
        EXPECT_EQ(back.narrowRange, config.narrowRange);
        EXPECT_EQ(back.fpMode, config.fpMode);
        EXPECT_EQ(back.convention, config.convention);
    }
}

} // namespace
} // namespace qs
