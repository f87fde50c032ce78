// The walk-through of one weight: its steps give, for every element of a real tensor under
// many settings, exactly the value the tensor's quantization restores.
#include "analysis/element_steps.h"
#include "common/error.h"
#include "quant/block_layout.h"
#include "support/quant_fixtures.h"
#include "support/svtr_fixture.h"

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
