#include "analysis/histogram.h"

#include "analysis/histogram_binning.h"
#include "quant/presets.h"
#include "quant/scale.h"

#include <algorithm>
#include <cmath>
#include <set>

namespace qs {

std::vector<double> Histogram::heights(CountScale scale) const
{
    std::vector<double> out(counts.size());
    for (std::size_t i = 0; i < counts.size(); ++i)
        out[i] = scale == CountScale::Log ? std::log10(1.0 + static_cast<double>(counts[i]))
                                          : static_cast<double>(counts[i]);
    return out;
}

Histogram computeHistogram(std::span<const float> values, std::size_t bins,
                           std::optional<std::pair<double, double>> range)
{
    Histogram h;
    bins = std::max<std::size_t>(1, bins);
    h.counts.assign(bins, 0);
    if (range) {
        h.lo = range->first;
        h.hi = range->second;
    } else {
        const RangeStats stats = rangeOf(values.data(), values.size());
        h.lo = stats.finite ? stats.min : 0.0;
        h.hi = stats.finite ? stats.max : 0.0;
    }
    if (!(h.hi > h.lo)) { // a constant tensor: its value in the middle of a unit-wide range
        h.lo -= 0.5;
        h.hi = h.lo + 1.0;
    }
    // Counting runs over tensors of tens of millions of elements while the user waits: see
    // histogram_binning.h. 32-bit lane counters are flushed before any can wrap.
    constexpr std::size_t kFlushEvery = std::size_t{1} << 30;
    BinLanes lanes(bins);
    OutsideCounts outside;
    for (std::size_t start = 0; start < values.size(); start += kFlushEvery) {
        const std::size_t length = std::min(values.size() - start, kFlushEvery);
        binValues(values.data() + start, length, h.lo, h.hi, lanes, outside);
        lanes.flushInto(h.counts);
    }
    h.below = outside.below;
    h.above = outside.above;
    h.nonfinite = outside.nonfinite;
    return h;
}

QuantOverlay quantOverlay(const BlockRecord& block, const QuantConfig& config,
                          std::size_t maxLevels)
{
    QuantOverlay overlay{block.clip.lo, block.clip.hi, {}};
    std::int32_t qmin = 0, qmax = 0;
    double zero = block.zeroPoint;
    if (config.preset == Preset::GgufQ8_0) {
        qmin = -127, qmax = 127, zero = 0;
    } else if (config.preset == Preset::GgufQ4_0) {
        qmin = -8, qmax = 7, zero = 0;
    } else if (config.format.kind == NumberFormat::Kind::Integer) {
        const IntGrid grid = intGrids(config).clamp;
        qmin = grid.qmin, qmax = grid.qmax;
    } else {
        // Float formats: every representable value of the element format, scaled.
        const FloatFormat& format = config.preset != Preset::None ? mxElementFormat(config.preset)
                                                                  : *config.format.floatFormat;
        if (format.mantissaBits > 3 || format.maxExponent - format.minNormalExponent > 16)
            return overlay; // fp16/bf16 have far too many levels to draw
        std::set<double> levels;
        CastCounts ignored;
        for (int e = format.minNormalExponent - format.mantissaBits; e <= format.maxExponent; ++e)
            for (int m = 0; m < (1 << (format.mantissaBits + 1)); ++m) {
                const double v =
                    castToFormat(static_cast<float>(std::ldexp(m, e)), format, ignored);
                levels.insert(v), levels.insert(-v);
            }
        if (levels.size() <= maxLevels)
            for (double v : levels)
                overlay.gridLevels.push_back(v * block.scale);
        return overlay;
    }
    if (static_cast<std::size_t>(qmax - qmin + 1) > maxLevels)
        return overlay;
    for (std::int32_t q = qmin; q <= qmax; ++q)
        overlay.gridLevels.push_back(static_cast<double>(block.scale) * (q - zero));
    std::sort(overlay.gridLevels.begin(), overlay.gridLevels.end());
    return overlay;
}

} // namespace qs
