#include "scale_formula.h"

#include "quant/scale.h"

#include <QCoreApplication>
#include <algorithm>
#include <cmath>

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
    if (config.preset != Preset::None || config.convention != Convention::Default)
        return {};
    const double lo = block.clip.lo;
    const double hi = block.clip.hi;
    const double amax = std::max(std::fabs(lo), std::fabs(hi));
    if (config.format.kind == NumberFormat::Kind::Float) {
        if (config.effectiveFpMode() != FpMode::Scaled || !config.format.floatFormat)
            return {};
        const double top = config.format.floatFormat->maxFinite;
        if (!agrees(amax / top, block.scale))
            return {};
        return QCoreApplication::translate("ScaleFormula", "s = amax / max finite = %1 / %2 = %3")
            .arg(n(amax), n(top), n(block.scale));
    }
    const IntGrid grid = intGrid(config.format, config.narrowRange);
    if (config.scheme == Scheme::Symmetric) {
        if (!agrees(amax / grid.qmax, block.scale))
            return {};
        return QCoreApplication::translate("ScaleFormula", "s = amax / qmax = %1 / %2 = %3")
            .arg(n(amax), QString::number(grid.qmax), n(block.scale));
    }
    const double low = std::min(lo, 0.0);
    const double high = std::max(hi, 0.0);
    const int levels = grid.qmax - grid.qmin;
    if (!agrees((high - low) / levels, block.scale))
        return {};
    const double zero =
        std::clamp<double>(grid.qmin - std::nearbyint(low / block.scale), grid.qmin, grid.qmax);
    if (zero != block.zeroPoint)
        return {};
    return QCoreApplication::translate(
               "ScaleFormula",
               "s = (hi\u2032 \u2212 lo\u2032) / (qmax \u2212 qmin) = (%1 \u2212 %2) / %3 = %4;  "
               "z = qmin \u2212 round(lo\u2032 / s) = %5 \u2212 round(%2 / %4) = %6")
        .arg(n(high), n(low), QString::number(levels), n(block.scale), QString::number(grid.qmin),
             QString::number(block.zeroPoint));
}

} // namespace qs::ui
