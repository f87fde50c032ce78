#include "scale_formula.h"

#include "quant/scale.h"

#include <QCoreApplication>
#include <algorithm>
#include <cmath>
#include <limits>

namespace qs::ui {

namespace {
QString n(double value)
{
    return QString::number(value, 'g', 6);
}

// The formula is shown only if it reproduces the engine's number.
bool agrees(double formula, double engine)
{
    return std::fabs(formula - engine) <= 1e-6 * std::max(std::fabs(engine), 1e-30);
}
} // namespace

QString scaleFormula(const BlockRecord& block, const QuantConfig& config)
{
    if (config.preset != Preset::None)
        return {};
    const auto tr = [](const char* text) {
        return QCoreApplication::translate("ScaleFormula", text);
    };
    const bool pytorch = config.convention == Convention::PyTorch;
    const double epsilon = std::numeric_limits<float>::epsilon();
    // PyTorch floors the scale at float32 epsilon (spec §8): the formula says so.
    const auto floored = [&](const QString& formula) {
        return pytorch ? QStringLiteral("max(") + formula + QStringLiteral(", \u03B5)") : formula;
    };
    const auto value = [&](double scale) {
        return pytorch ? std::max(scale, epsilon) : scale;
    };
    const double lo = block.clip.lo;
    const double hi = block.clip.hi;
    const double amax = std::max(std::fabs(lo), std::fabs(hi));
    if (config.format.kind == NumberFormat::Kind::Float) {
        if (config.effectiveFpMode() != FpMode::Scaled || !config.format.floatFormat)
            return {};
        const double top = config.format.floatFormat->maxFinite;
        if (!agrees(amax / top, block.scale))
            return {};
        return tr("s = amax / max finite = %1 / %2 = %3").arg(n(amax), n(top), n(block.scale));
    }
    const IntGrid grid = intGrids(config).scale;
    if (config.scheme == Scheme::Symmetric) {
        if (pytorch) {
            const double divisor = (grid.qmax - grid.qmin) / 2.0;
            if (!agrees(value(amax / divisor), block.scale))
                return {};
            return tr("s = %1 = %2 / %3 = %4")
                .arg(floored(QStringLiteral("amax / ((qmax \u2212 qmin) / 2)")), n(amax),
                     n(divisor), n(block.scale));
        }
        const int divisor = grid.qmax - block.zeroPoint;
        if (!agrees(amax / divisor, block.scale))
            return {};
        if (config.format.isSigned)
            return tr("s = amax / qmax = %1 / %2 = %3")
                .arg(n(amax), QString::number(divisor), n(block.scale));
        return tr("s = amax / (qmax \u2212 z) = %1 / %2 = %3;  z = 2^(b\u22121) = %4")
            .arg(n(amax), QString::number(divisor), n(block.scale),
                 QString::number(block.zeroPoint));
    }
    const double low = std::min(lo, 0.0);
    const double high = std::max(hi, 0.0);
    const int levels = grid.qmax - grid.qmin;
    if (!agrees(value((high - low) / levels), block.scale))
        return {};
    const double zero =
        std::clamp<double>(grid.qmin - std::nearbyint(low / block.scale), grid.qmin, grid.qmax);
    if (zero != block.zeroPoint)
        return {};
    return tr("s = %1 = (%2 \u2212 %3) / %4 = %5;  z = qmin \u2212 round(lo\u2032 / s) = %6 "
              "\u2212 round(%3 / %5) = %7")
        .arg(floored(QStringLiteral("(hi\u2032 \u2212 lo\u2032) / (qmax \u2212 qmin)")), n(high),
             n(low), QString::number(levels), n(block.scale), QString::number(grid.qmin),
             QString::number(block.zeroPoint));
}

} // namespace qs::ui
