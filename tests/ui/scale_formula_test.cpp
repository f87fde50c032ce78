// The details panel's formulas: the numbers substituted are the block's, and a formula is
// shown only when it gives the scale (and zero point) the engine used.

#include "scale_formula.h"

#include <gtest/gtest.h>
#include <vector>

namespace qs::ui {
namespace {

BlockRecord quantized(const std::vector<float>& values, const QuantConfig& config)
{
    QuantizeRequest request;
    const Shape shape{static_cast<std::int64_t>(values.size())};
    return quantizeTensor(values, shape, config, request).blockRecords.front();
}

const std::vector<float> kValues = {-0.5f, -0.25f, 0.1f, 0.75f, 1.5f};

QuantConfig perTensor()
{
    QuantConfig config;
    config.granularity = parseGranularity("tensor");
    return config;
}

TEST(ScaleFormula, SymmetricIntegerGrid)
{
    const QuantConfig config = perTensor();
    const BlockRecord block = quantized(kValues, config);
    EXPECT_EQ(scaleFormula(block, config), QStringLiteral("s = amax / qmax = 1.5 / 127 = ") +
                                               QString::number(block.scale, 'g', 6));
}

TEST(ScaleFormula, AsymmetricGridShowsTheZeroPoint)
{
    QuantConfig config = perTensor();
    config.scheme = Scheme::Asymmetric;
    const BlockRecord block = quantized(kValues, config);
    const QString text = scaleFormula(block, config);
    // s = (1.5 - (-0.5)) / 255; z = -128 - round(-0.5 / s) = -128 + 64 = -64
    EXPECT_TRUE(
        text.startsWith(QStringLiteral("s = (hi\u2032 \u2212 lo\u2032) / (qmax \u2212 qmin) "
                                       "= (1.5 \u2212 -0.5) / 255 = ")))
        << text.toStdString();
    EXPECT_EQ(block.zeroPoint, -64);
    EXPECT_TRUE(text.endsWith(QStringLiteral(") = -64"))) << text.toStdString();
}

TEST(ScaleFormula, ScaledFloatFormat)
{
    QuantConfig config = perTensor();
    config.format = parseNumberFormat("fp8-e4m3");
    const BlockRecord block = quantized(kValues, config);
    EXPECT_TRUE(scaleFormula(block, config)
                    .startsWith(QStringLiteral("s = amax / max finite = 1.5 / 448 = ")));
}

TEST(ScaleFormula, PyTorchConventionHasItsOwnDivisorAndFloor)
{
    QuantConfig pytorch = perTensor();
    pytorch.convention = Convention::PyTorch;
    const BlockRecord block = quantized(kValues, pytorch);
    EXPECT_EQ(scaleFormula(block, pytorch),
              QStringLiteral("s = max(amax / ((qmax \u2212 qmin) / 2), \u03B5) = 1.5 / 127.5 = ") +
                  QString::number(block.scale, 'g', 6));
}

TEST(ScaleFormula, UnsignedSymmetricGridCentresItsZeroPoint)
{
    QuantConfig config = perTensor();
    config.format = parseNumberFormat("uint8");
    const BlockRecord block = quantized(kValues, config);
    EXPECT_EQ(block.zeroPoint, 128);
    EXPECT_EQ(scaleFormula(block, config),
              QStringLiteral("s = amax / (qmax \u2212 z) = 1.5 / 127 = ") +
                  QString::number(block.scale, 'g', 6) +
                  QStringLiteral(";  z = 2^(b\u22121) = 128"));
}

TEST(ScaleFormula, NoFormulaWhereTheFormulaIsNotTheRuleUsed)
{
    // An all-zero block takes s = 1, not amax / qmax.
    const QuantConfig config = perTensor();
    EXPECT_TRUE(scaleFormula(quantized({0.0f, 0.0f}, config), config).isEmpty());
    // A record that does not follow from its range (as if another rule had made it).
    BlockRecord forged = quantized(kValues, config);
    forged.scale *= 2;
    EXPECT_TRUE(scaleFormula(forged, config).isEmpty());
}

} // namespace
} // namespace qs::ui
