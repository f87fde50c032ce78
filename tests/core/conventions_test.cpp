// The named conventions of spec §8 (docs/quantization.md): each framework's grid, scale
// rule, tie rule, division or reciprocal, and scale storage, checked on cases where they
// part from the default, and the comparison that counts where two of them disagree.
#include "analysis/convention_comparison.h"
#include "analysis/element_steps.h"
#include "analysis/float_values.h"
#include "common/error.h"
#include "formats/model_file.h"
#include "quant/block_layout.h"
#include "quant/float_format.h"
#include "quant/scale.h"
#include "quant/tensor_quantizer.h"
#include "support/quant_fixtures.h"
#include "support/test_files.h"

#include <cmath>
#include <cstring>
#include <gtest/gtest.h>
#include <random>

namespace qs {
namespace {

using test::makeConfig;

QuantConfig under(Convention convention, QuantConfig config = makeConfig())
{
    config.convention = convention;
    return config;
}

std::vector<float> restore(const std::vector<float>& values, const QuantConfig& config,
                           std::optional<ClipRange> clip = std::nullopt,
                           TensorQuantization* result = nullptr)
{
    std::vector<float> out(values.size());
    QuantizeRequest request;
    request.dequantized = out;
    request.fixedClip = clip;
    request.keepBlockRecords = true;
    const TensorQuantization q =
        quantizeTensor(values, Shape{static_cast<std::int64_t>(values.size())}, config, request);
    if (result)
        *result = q;
    return out;
}

TEST(Conventions, NamesRoundTripAndAliasesParse)
{
    for (Convention convention : kAllConventions)
        EXPECT_EQ(parseConvention(toString(convention)), convention);
    EXPECT_EQ(parseConvention("ort"), Convention::OnnxRuntime);
    EXPECT_EQ(parseConvention("tensorrt"), Convention::ModelOpt);
    EXPECT_THROW(parseConvention("caffe"), UsageError);
}

TEST(Conventions, SymmetricOnlyConventionsRefuseAffineAndUnsignedGrids)
{
    for (Convention convention : {Convention::TfLite, Convention::ModelOpt, Convention::Ggml}) {
        EXPECT_THROW(validate(under(convention, makeConfig("int8", "asymmetric"))), UsageError);
        EXPECT_THROW(validate(under(convention, makeConfig("uint8"))), UsageError);
        EXPECT_NO_THROW(validate(under(convention, makeConfig("int4"))));
    }
    EXPECT_NO_THROW(validate(under(Convention::OnnxRuntime, makeConfig("uint8", "asymmetric"))));
    EXPECT_NO_THROW(validate(under(Convention::Aimet, makeConfig("uint8", "asymmetric"))));
}

TEST(Conventions, TfLiteAndGgmlRoundTiesAwayFromZeroWhereTheDefaultTakesTheEvenCode)
{
    // amax 127 gives s = 1 and a factor of exactly 1: x·(1/s) is x itself.
    const std::vector<float> values{127.0f, 2.5f, -2.5f, 1.5f, 0.5f};
    EXPECT_EQ(restore(values, makeConfig()), (std::vector<float>{127, 2, -2, 2, 0}));
    EXPECT_EQ(restore(values, under(Convention::TfLite)), (std::vector<float>{127, 3, -3, 2, 1}));
    EXPECT_EQ(restore(values, under(Convention::Aimet)), (std::vector<float>{127, 3, -3, 2, 1}));
    EXPECT_EQ(restore(values, under(Convention::Ggml)), (std::vector<float>{127, 3, -3, 2, 1}));
    EXPECT_EQ(restore(values, under(Convention::ModelOpt)), (std::vector<float>{127, 2, -2, 2, 0}));
}

TEST(Conventions, TfLiteAndGgmlClampToTheNarrowGridOnnxRuntimeToTheFullType)
{
    // A range drawn at ±1 leaves -3 beyond it: the code is clamped.
    const std::vector<float> values{1.0f, -3.0f};
    const ClipRange clip{-1.0f, 1.0f};
    EXPECT_EQ(restore(values, under(Convention::TfLite), clip)[1], -127.0f * (1.0f / 127.0f));
    EXPECT_EQ(restore(values, under(Convention::Ggml), clip)[1],
              -127.0f * roundToHalf(1.0f / 127.0f));
    EXPECT_EQ(restore(values, makeConfig(), clip)[1], -128.0f * (1.0f / 127.0f));
    // onnxruntime: the scale from the -127..127 table range, the clamp at the type's -128.
    TensorQuantization q;
    const float ort = restore(values, under(Convention::OnnxRuntime), clip, &q)[1];
    const float scale = static_cast<float>(2.0 / 254.0);
    EXPECT_EQ(q.blockRecords[0].scale, scale);
    EXPECT_EQ(ort, scale * -128.0f);
}

TEST(Conventions, OnnxRuntimeCentresUnsignedSymmetricGridsAt127AndSpansTwoFiftyFour)
{
    TensorQuantization q;
    const std::vector<float> values{1.0f, -1.0f, 2.0f};
    const auto out = restore(values, under(Convention::OnnxRuntime, makeConfig("uint8")),
                             ClipRange{-1.0f, 1.0f}, &q);
    const float scale = static_cast<float>(2.0 / 254.0);
    EXPECT_EQ(q.blockRecords[0].zeroPoint, 127);
    EXPECT_EQ(q.blockRecords[0].scale, scale);
    EXPECT_EQ(out[0], scale * 127.0f); // code 254
    EXPECT_EQ(out[2], scale * 128.0f); // 127 + 254 clamped to 255
    // The default convention centres at 128 with s = amax / 127.
    restore(values, makeConfig("uint8"), ClipRange{-1.0f, 1.0f}, &q);
    EXPECT_EQ(q.blockRecords[0].zeroPoint, 128);
}

TEST(Conventions, OnnxRuntimeComputesTheAffineScaleInDoubleAndZeroesTinyRanges)
{
    TensorQuantization q;
    const float lo = -0.3f, hi = 1.7f;
    restore({lo, hi, 0.5f}, under(Convention::OnnxRuntime, makeConfig("uint8", "asymmetric")),
            std::nullopt, &q);
    const double scale = static_cast<double>(hi - lo) / 255.0;
    EXPECT_EQ(q.blockRecords[0].scale, static_cast<float>(scale));
    EXPECT_EQ(q.blockRecords[0].zeroPoint, static_cast<int>(std::nearbyint(-lo / scale)));
    // A scale below float32's smallest normal becomes 1: the block restores to zeros.
    const std::vector<float> tiny{1e-36f, -5e-37f}; // s about 8e-39: subnormal, 1/s finite
    EXPECT_EQ(restore(tiny, under(Convention::OnnxRuntime)), (std::vector<float>{0.0f, 0.0f}));
    EXPECT_NE(restore(tiny, makeConfig())[0], 0.0f);
}

TEST(Conventions, OnnxRuntimeAndAimetDivideByTheScale)
{
    // Values next to the midpoints (k + ½)·s, where x / s and x·(1/s) can round apart.
    const float amax = 0.8137f;
    const float step = amax / 127.0f;
    std::vector<float> values{amax};
    for (int k = -127; k < 127; ++k) {
        const float middle = (static_cast<float>(k) + 0.5f) * step;
        values.insert(values.end(),
                      {std::nextafter(middle, -1.0f), middle, std::nextafter(middle, 1.0f)});
    }
    for (Convention convention : {Convention::OnnxRuntime, Convention::Aimet}) {
        TensorQuantization q;
        const auto out = restore(values, under(convention), std::nullopt, &q);
        const float s = q.blockRecords[0].scale;
        const TieRule ties =
            convention == Convention::Aimet ? TieRule::AwayFromZero : TieRule::ToEven;
        std::size_t apartFromReciprocal = 0;
        for (std::size_t i = 0; i < values.size(); ++i) {
            const float code = std::clamp(roundCode(values[i] / s, ties), -128.0f, 127.0f);
            ASSERT_EQ(out[i], s * code) << i;
            apartFromReciprocal += roundCode(values[i] * (1.0f / s), ties) != code;
        }
        // Division and multiplication by 1/s do part on some elements of a real-sized draw.
        EXPECT_GT(apartFromReciprocal, 0u) << toString(convention);
    }
}

TEST(Conventions, ModelOptDividesByTheFactorToDequantize)
{
    const std::vector<float> values = test::gaussian(50000, 3);
    float amax = 0;
    for (float v : values)
        amax = std::max(amax, std::fabs(v));
    const float factor = 127.0f / amax;
    const auto out = restore(values, under(Convention::ModelOpt));
    std::size_t apartFromScale = 0;
    for (std::size_t i = 0; i < values.size(); ++i) {
        const float code = std::clamp(std::nearbyint(values[i] * factor), -128.0f, 127.0f);
        ASSERT_EQ(out[i], code / factor) << i;
        apartFromScale += out[i] != (amax / 127.0f) * code;
    }
    EXPECT_GT(apartFromScale, 0u);
    // amax at or below 2^-24 multiplies by 0: everything becomes 0, even values a drawn
    // range leaves outside (where a factor of 1 would give round(x)).
    EXPECT_EQ(restore({3e-8f, -1e-8f}, under(Convention::ModelOpt)),
              (std::vector<float>{0.0f, 0.0f}));
    EXPECT_EQ(restore({1e-9f, 1.0f, -2.0f}, under(Convention::ModelOpt), ClipRange{-1e-9f, 1e-9f}),
              (std::vector<float>{0.0f, 0.0f, 0.0f}));
}

TEST(Conventions, AimetRoundsItsOffsetAwayFromZero)
{
    // lo / s = -2.5 exactly (s = 1): the default's zero point is 2, AIMET's 3.
    TensorQuantization q;
    const std::vector<float> values{-2.5f, 252.5f};
    restore(values, makeConfig("uint8", "asymmetric"), std::nullopt, &q);
    EXPECT_EQ(q.blockRecords[0].zeroPoint, 2);
    restore(values, under(Convention::Aimet, makeConfig("uint8", "asymmetric")), std::nullopt, &q);
    EXPECT_EQ(q.blockRecords[0].zeroPoint, 3);
}

TEST(Conventions, GgmlInGroupsOf32IsTheQ8_0PresetBitForBit)
{
    const auto model =
        openModel((test::sharedModelsDir() / "ch_ppocr_mobile_v2.0_cls_infer.onnx").string());
    QuantConfig ggml = under(Convention::Ggml, makeConfig("int8", "symmetric", "group:32"));
    QuantConfig preset = applyPreset(makeConfig(), Preset::GgufQ8_0);
    std::size_t compared = 0;
    for (std::size_t index = 0; index < model->tensors().size(); ++index) {
        const TensorInfo& info = model->tensors()[index];
        if (!isFloat(info.dtype) || whyNotApplicable(info.shape, preset))
            continue;
        withFloatValues(*model, index, [&](std::span<const float> values) {
            std::vector<float> a(values.size()), b(values.size());
            QuantizeRequest ra, rb;
            ra.dequantized = a;
            rb.dequantized = b;
            quantizeTensor(values, info.shape, ggml, ra);
            quantizeTensor(values, info.shape, preset, rb);
            // Equal as values: the preset's float code keeps the sign of a -0 that ggml's
            // int8 code cannot hold.
            for (std::size_t i = 0; i < a.size(); ++i)
                ASSERT_EQ(a[i], b[i])
                    << info.name << '[' << i << "] " << values[i] << ": " << a[i] << " vs " << b[i];
        });
        ++compared;
    }
    EXPECT_GT(compared, 10u);
}

TEST(Conventions, GgmlRestoresZerosWhereItsFp16ScaleUnderflows)
{
    // d = 1e-10 / 127 is below fp16's smallest subnormal: ggml stores d = 0.
    const std::vector<float> tiny{1e-10f, -5e-11f};
    EXPECT_EQ(restore(tiny, under(Convention::Ggml)), (std::vector<float>{0.0f, 0.0f}));
    EXPECT_NE(restore(tiny, makeConfig())[0], 0.0f);
}

TEST(Conventions, OnnxRuntimeKeepsAScaleForValuesNearTheFloatLimit)
{
    const auto out = restore({3e38f, -3e38f, 1e38f}, under(Convention::OnnxRuntime));
    EXPECT_NEAR(out[0] / 3e38f, 1.0f, 1e-3f);
    EXPECT_NEAR(out[2] / 1e38f, 1.0f, 1e-2f);
}

TEST(Conventions, GgmlStoresTheScaleAsFp16)
{
    TensorQuantization q;
    restore({0.3f, -0.1f}, under(Convention::Ggml), std::nullopt, &q);
    EXPECT_EQ(q.blockRecords[0].scale, roundToHalf(0.3f / 127.0f));
    EXPECT_NE(q.blockRecords[0].scale, 0.3f / 127.0f);
}

TEST(Conventions, TheWalkThroughRestoresWhatTheTensorDoesUnderEveryConvention)
{
    const std::vector<float> values = test::gaussian(4096, 11, 0.05f);
    const Shape shape{64, 64};
    for (Convention convention : kAllConventions) {
        for (const char* scheme : {"symmetric", "asymmetric"}) {
            QuantConfig config = under(convention, makeConfig("int8", scheme, "channel"));
            if (isSymmetricOnly(convention) && std::string(scheme) == "asymmetric")
                continue;
            std::vector<float> out(values.size());
            QuantizeRequest request;
            request.dequantized = out;
            request.keepBlockRecords = true;
            const TensorQuantization q = quantizeTensor(values, shape, config, request);
            const BlockLayout layout(shape, config);
            for (std::size_t i = 0; i < values.size(); ++i) {
                const ElementSteps steps =
                    explainElement(values[i], q.blockRecords[layout.blockOf(i)], config);
                ASSERT_EQ(steps.restored, out[i]) << toString(convention) << ' ' << scheme;
            }
            const ElementSteps first = explainElement(values[0], q.blockRecords[0], config);
            EXPECT_EQ(first.divides,
                      convention == Convention::OnnxRuntime || convention == Convention::Aimet);
            EXPECT_EQ(first.ties == TieRule::AwayFromZero, convention == Convention::TfLite ||
                                                               convention == Convention::Aimet ||
                                                               convention == Convention::Ggml);
        }
    }
}

TEST(Conventions, ComparisonCountsTheElementsTwoConventionsRestoreDifferently)
{
    const std::vector<float> values = test::gaussian(96 * 40, 5, 0.1f);
    const Shape shape{96, 40};
    const QuantConfig config = makeConfig("int8", "symmetric", "channel");
    const auto outcomes = compareConventions(values, shape, config);
    ASSERT_EQ(outcomes.size(), std::size(kAllConventions));
    EXPECT_EQ(outcomes[0].differing, 0u);
    EXPECT_EQ(outcomes[0].compared, values.size());
    for (const ConventionOutcome& outcome : outcomes) {
        ASSERT_TRUE(outcome.notApplicable.empty());
        std::vector<float> mine(values.size()), chosen(values.size());
        QuantizeRequest a, b;
        a.dequantized = mine;
        b.dequantized = chosen;
        quantizeTensor(values, shape, under(outcome.convention, config), a);
        quantizeTensor(values, shape, config, b);
        std::uint64_t differing = 0;
        double largest = 0;
        for (std::size_t i = 0; i < values.size(); ++i) {
            differing += mine[i] != chosen[i];
            largest = std::max(largest, std::fabs(double{mine[i]} - chosen[i]));
        }
        EXPECT_EQ(outcome.differing, differing) << toString(outcome.convention);
        EXPECT_EQ(outcome.maxAbsDifference, largest) << toString(outcome.convention);
    }
    // PyTorch's 127.5 divisor moves most codes; the default and TFLite part only on ties
    // and rounding of the factor.
    EXPECT_GT(outcomes[1].differingShare(), 0.5);
    EXPECT_LT(outcomes[3].differingShare(), 0.01);

    const auto affine =
        compareConventions(values, shape, makeConfig("int8", "asymmetric", "channel"));
    EXPECT_FALSE(affine[3].notApplicable.empty()); // tflite
    EXPECT_TRUE(affine[2].notApplicable.empty());  // onnxruntime
    EXPECT_THROW(compareConventions(values, shape, makeConfig("fp8-e4m3")), UsageError);
}

} // namespace
} // namespace qs
