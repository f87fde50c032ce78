#include "quant/calibration.h"

#include "quant/kl_calibration.h"

#include <algorithm>
#include <cmath>

namespace qs {

namespace {
constexpr int kMseGridPoints = 1000;
} // namespace

float percentileLinear(std::vector<float>& values, double percent)
{
    if (values.empty())
        return 0.0f;
    const double position = percent / 100.0 * static_cast<double>(values.size() - 1);
    const auto below = static_cast<std::size_t>(std::floor(position));
    const double fraction = position - static_cast<double>(below);
    std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(below),
                     values.end());
    const double lower = values[below];
    if (fraction == 0.0 || below + 1 >= values.size())
        return static_cast<float>(lower);
    const double upper =
        *std::min_element(values.begin() + static_cast<std::ptrdiff_t>(below) + 1, values.end());
    // NumPy's lerp, in double: from the lower end below one half, from the upper end
    // above, so that the result is monotonic and exact at both ends.
    const double difference = upper - lower;
    const double value =
        fraction >= 0.5 ? upper - difference * (1.0 - fraction) : lower + difference * fraction;
    return static_cast<float>(value);
}

ClipRange mseSearch(const RangeStats& stats, Scheme scheme, const ClipErrorFn& clipError)
{
    if (stats.finite == 0)
        return {0, 0};
    auto bestOf = [&](auto makeRange) {
        ClipRange best = makeRange(kMseGridPoints);
        double bestError = clipError(best);
        for (int k = kMseGridPoints - 1; k >= 1; --k) {
            const ClipRange candidate = makeRange(k);
            const double error = clipError(candidate);
            if (error < bestError) {
                bestError = error;
                best = candidate;
            }
        }
        return best;
    };
    auto fraction = [](int k) {
        return static_cast<float>(k) / kMseGridPoints;
    };
    if (scheme == Scheme::Symmetric) {
        const float amax = stats.absMax();
        return bestOf([&](int k) { return ClipRange{-amax * fraction(k), amax * fraction(k)}; });
    }
    // Asymmetric: scan the upper end with the lower fixed, then the lower end with the
    // best upper end, and once more each way; each scan is the same 1000-point grid.
    ClipRange best{stats.min, stats.max};
    for (int round = 0; round < 2; ++round) {
        const float lo = best.lo;
        best = bestOf([&](int k) { return ClipRange{lo, stats.max * fraction(k)}; });
        const float hi = best.hi;
        best = bestOf([&](int k) { return ClipRange{stats.min * fraction(k), hi}; });
    }
    return best;
}

ClipRange calibrateBlock(std::span<const float> block, const RangeStats& stats,
                         const Calibration& calibration, Scheme scheme, int quantBins,
                         const ClipErrorFn& clipError, std::vector<float>& scratch)
{
    if (stats.finite == 0)
        return {0, 0};
    switch (calibration.method) {
    case Calibration::Method::MinMax:
        break;
    case Calibration::Method::Percentile: {
        scratch.clear();
        if (scheme == Scheme::Symmetric) {
            for (float v : block)
                if (std::isfinite(v))
                    scratch.push_back(std::fabs(v));
            const float amax = percentileLinear(scratch, calibration.percentile);
            return {-amax, amax};
        }
        for (float v : block)
            if (std::isfinite(v))
                scratch.push_back(v);
        const float hi = percentileLinear(scratch, calibration.percentile);
        const float lo = percentileLinear(scratch, 100.0 - calibration.percentile);
        return {lo, hi};
    }
    case Calibration::Method::Mse:
        return mseSearch(stats, scheme, clipError);
    case Calibration::Method::Kl: {
        const float amax = klThreshold(block, stats.absMax(), quantBins);
        return {-amax, amax};
    }
    }
    if (scheme == Scheme::Symmetric)
        return {-stats.absMax(), stats.absMax()};
    return {stats.min, stats.max};
}

} // namespace qs
