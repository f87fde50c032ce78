// The walk-through of one weight: its steps give, for every element of a real tensor under
// many settings, exactly the value the tensor's quantization restores.
#include "analysis/element_steps.h"
#include "common/error.h"
#include "formats/model_file.h"
#include "quant/block_layout.h"
#include "quant/float_format.h"
#include "quant/presets.h"
#include "quant/tensor_quantizer.h"
#include "support/quant_fixtures.h"
#include "support/svtr_fixture.h"
#include "support/test_files.h"

#include <cmath>
#include <cstring>
#include <gtest/gtest.h>

namespace qs {
namespace {

class ElementStepsTest : public test::SvtrTensorTest {
protected:
    ElementStepsTest()
        : SvtrTensorTest("linear_78.w_0")
    {
    }
};

QuantConfig configOf(const char* dtype, const char* scheme, const char* granularity)
{
    return test::makeConfig(dtype, scheme, granularity);
}

TEST_F(ElementStepsTest, StepsRestoreEveryElementAsTheTensorQuantizationDoes)
{
    QuantConfig narrowPytorch = configOf("int8", "symmetric", "channel:0");
    narrowPytorch.narrowRange = true;
    narrowPytorch.convention = Convention::PyTorch;
    QuantConfig bf16 = configOf("bf16", "symmetric", "tensor");
    QuantConfig fp8 = configOf("fp8-e4m3", "symmetric", "channel:1");
    QuantConfig percentile = configOf("int4", "symmetric", "tensor");
    percentile.calibration = parseCalibration("percentile:99");
    const std::vector<QuantConfig> configs = {configOf("int8", "symmetric", "channel:0"),
                                              configOf("int4", "asymmetric", "group:40"),
                                              configOf("uint8", "symmetric", "tensor"),
                                              narrowPytorch,
                                              fp8,
                                              bf16,
                                              configOf("fp4-e2m1", "symmetric", "tensor"),
                                              percentile};
    const TensorBytes bytes = model_->read(index_);
    std::vector<float> values(bytes.bytes().size() / 4);
    std::memcpy(values.data(), bytes.bytes().data(), bytes.bytes().size());
    const Shape& shape = model_->tensors()[index_].shape;
    for (const QuantConfig& config : configs) {
        SCOPED_TRACE(toString(config.format) + " " + toString(config.granularity));
        std::vector<float> restored(values.size());
        QuantizeRequest request;
        request.keepBlockRecords = true;
        request.dequantized = restored;
        const TensorQuantization q = quantizeTensor(values, shape, config, request);
        const BlockLayout layout(shape, config);
        std::size_t clamped = 0;
        for (std::size_t i = 0; i < values.size(); ++i) {
            const ElementSteps steps =
                explainElement(values[i], q.blockRecords[layout.blockOf(i)], config);
            ASSERT_EQ(steps.restored, restored[i]) << "element " << i;
            ASSERT_EQ(steps.error, restored[i] - values[i]);
            clamped += steps.path == ElementSteps::Path::Integer && steps.clampedCode != steps.code;
        }
        if (config.calibration.method == Calibration::Method::Percentile) {
            EXPECT_GT(clamped, 0u); // a 99th percentile clips the tails
        }
    }
}

TEST(ElementSteps, TiesGoToTheEvenCodeAndTheGridClamps)
{
    QuantConfig config = test::makeConfig("int4", "symmetric", "tensor");
    BlockRecord unit;
    unit.scale = 1.0f;
    const ElementSteps half = explainElement(2.5f, unit, config);
    EXPECT_TRUE(half.tie);
    EXPECT_EQ(half.rounded, 2.0f);
    EXPECT_EQ(explainElement(3.5f, unit, config).rounded, 4.0f);
    EXPECT_EQ(explainElement(-2.5f, unit, config).rounded, -2.0f);
    EXPECT_FALSE(explainElement(2.4f, unit, config).tie);
    const ElementSteps big = explainElement(20.0f, unit, config);
    EXPECT_EQ(big.code, 20.0f);
    EXPECT_EQ(big.clampedCode, 7.0f); // int4: -8..7
    EXPECT_EQ(big.qmax, 7);
    EXPECT_EQ(big.error, -13.0f);
    EXPECT_TRUE(explainElement(NAN, unit, config).nonfinite);
    EXPECT_THROW(explainElement(1.0f, unit, applyPreset(config, Preset::GgufQ4_0)), UsageError);
}

TEST(PresetSteps, EveryElementOfEveryPresetRestoresAsItsBlockDoes)
{
    // Gaussian blocks, with a block of zeros, a block with a NaN, and exact Q4_0 caps.
    std::vector<float> values = test::gaussian(32 * 64, 17, 0.05f);
    std::fill(values.begin() + 32, values.begin() + 64, 0.0f);
    values[70] = NAN;
    values[96] = -0.4f; // m = -0.4: d = 0.05, so +0.4 would be nibble 16, capped at 15
    values[97] = 0.4f;
    for (Preset preset : {Preset::GgufQ8_0, Preset::GgufQ4_0, Preset::Mxfp4, Preset::Mxfp8E4M3}) {
        SCOPED_TRACE(toString(preset));
        std::size_t capped = 0;
        for (std::size_t start = 0; start < values.size(); start += kPresetBlockSize) {
            std::vector<float> restored(kPresetBlockSize);
            ErrorSums sums;
            CastCounts casts;
            const float scale =
                quantizePresetBlock(preset, values.data() + start, sums, casts, restored.data());
            for (std::size_t j = 0; j < kPresetBlockSize; ++j) {
                const PresetElementSteps steps =
                    explainPresetElement(preset, values.data() + start, j);
                EXPECT_EQ(steps.preset, preset);
                EXPECT_EQ(steps.storedScale, scale);
                if (std::isnan(values[start + j])) {
                    EXPECT_TRUE(std::isnan(steps.restored));
                } else {
                    ASSERT_EQ(steps.restored, restored[j]) << start + j;
                }
                capped += steps.clamped;
            }
        }
        if (preset == Preset::GgufQ4_0) {
            EXPECT_GE(capped, 1u);
        }
    }
}

TEST(PresetSteps, AModelTensorsElementThroughQ4_0)
{
    const auto model =
        openModel((test::sharedModelsDir() / "ch_ppocr_mobile_v2.0_cls_infer.onnx").string());
    const QuantConfig config = applyPreset(QuantConfig{}, Preset::GgufQ4_0);
    std::optional<std::size_t> index;
    for (std::size_t i = 0; i < model->tensors().size() && !index; ++i)
        if (isFloat(model->tensors()[i].dtype) &&
            !whyNotApplicable(model->tensors()[i].shape, config))
            index = i;
    ASSERT_TRUE(index);
    const TensorInfo& info = model->tensors()[*index];
    const TensorBytes bytes = model->read(*index);
    std::vector<float> values(info.numel);
    std::memcpy(values.data(), bytes.bytes().data(), values.size() * sizeof(float));
    std::vector<float> restored(values.size());
    QuantizeRequest request;
    request.dequantized = restored;
    quantizeTensor(values, info.shape, config, request);
    for (std::uint64_t element : {std::uint64_t{0}, info.numel / 2, info.numel - 1}) {
        const ElementSteps steps = explainTensorElement(*model, *index, config, element);
        EXPECT_EQ(steps.path, ElementSteps::Path::Preset);
        EXPECT_EQ(steps.x, values[element]);
        EXPECT_EQ(steps.restored, restored[element]);
        EXPECT_EQ(steps.error, restored[element] - values[element]);
        EXPECT_EQ(steps.preset.storedScale, roundToHalf(steps.preset.d));
    }
}

TEST_F(ElementStepsTest, PicksTheElementNearestAValueAndExplainsIt)
{
    const TensorBytes bytes = model_->read(index_);
    std::vector<float> values(bytes.bytes().size() / 4);
    std::memcpy(values.data(), bytes.bytes().data(), bytes.bytes().size());
    const std::uint64_t at = nearestElement(*model_, index_, values[1234] + 1e-9);
    EXPECT_EQ(values[at], values[1234]);
    const ElementSteps steps = explainTensorElement(*model_, index_, QuantConfig{}, at);
    EXPECT_EQ(steps.x, values[at]);
    EXPECT_LE(std::fabs(steps.error), steps.block.scale / 2 * (1 + 1e-6));
    EXPECT_THROW(explainTensorElement(*model_, index_, QuantConfig{}, values.size()), UsageError);
}

} // namespace
} // namespace qs
