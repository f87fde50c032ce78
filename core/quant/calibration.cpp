#include "quant/calibration.h"

#include <algorithm>
#include <cmath>

namespace qs {

namespace {
constexpr int kMseGridPoints = 1000;
constexpr int kKlHistogramBins = 2048;
} // namespace

float percentileLinear(std::vector<float>& values, double percent)
{
    if (values.empty())
        return 0.0f;
    const double position = percent / 100.0 * static_cast<double>(values.size() - 1);
    const auto below = static_cast<std::size_t>(std::floor(position));
    const double fraction = position - static_cast<double>(below);
    std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(below), values.end());
    const double lower = values[below];
    if (fraction == 0.0 || below + 1 >= values.size())
        return static_cast<float>(lower);
    const double upper = *std::min_element(values.begin() + static_cast<std::ptrdiff_t>(below) + 1, values.end());
    // NumPy's lerp, in double: from the lower end below one half, from the upper end
    // above, so that the result is monotonic and exact at both ends.
    const double difference = upper - lower;
    const double value = fraction >= 0.5 ? upper - difference * (1.0 - fraction)
                                         : lower + difference * fraction;
    return static_cast<float>(value);
}

float klThreshold(std::span<const float> block, float absMax, int quantBins)
{
    if (absMax <= 0.0f)
        return 0.0f;
    std::vector<double> histogram(kKlHistogramBins, 0.0);
    const double binWidth = static_cast<double>(absMax) / kKlHistogramBins;
    for (float value : block) {
        if (!std::isfinite(value))
            continue;
        auto bin = static_cast<std::size_t>(std::fabs(static_cast<double>(value)) / binWidth);
        histogram[std::min<std::size_t>(bin, kKlHistogramBins - 1)] += 1.0;
    }

    // Adds a small mass to empty bins (taken from the others) so that KL stays finite;
    // false when the distribution is empty.
    auto smooth = [](std::vector<double>& p) {
        constexpr double epsilon = 1e-4;
        const auto zeros = static_cast<double>(std::count(p.begin(), p.end(), 0.0));
        const double nonzeros = static_cast<double>(p.size()) - zeros;
        if (nonzeros == 0)
            return false;
        const double taken = epsilon * zeros / nonzeros;
        for (double& v : p)
            v += v == 0.0 ? epsilon : -taken;
        return true;
    };

    double bestDivergence = INFINITY;
    int bestBins = kKlHistogramBins;
    std::vector<double> reference, expanded;
    for (int bins = quantBins; bins <= kKlHistogramBins; ++bins) {
        reference.assign(histogram.begin(), histogram.begin() + bins);
        double outliers = 0;
        for (int i = bins; i < kKlHistogramBins; ++i)
            outliers += histogram[i];
        reference.back() += outliers;

        // Merge the first `bins` bins into quantBins levels, then spread each level back
        // evenly over the bins that were nonzero.
        expanded.assign(bins, 0.0);
        const int merged = bins / quantBins;
        for (int level = 0; level < quantBins; ++level) {
            const int start = level * merged;
            const int stop = level == quantBins - 1 ? bins : start + merged;
            double mass = 0;
            int nonzero = 0;
            for (int i = start; i < stop; ++i) {
                mass += histogram[i];
                nonzero += histogram[i] != 0.0;
            }
            if (nonzero > 0)
                for (int i = start; i < stop; ++i)
                    if (histogram[i] != 0.0)
                        expanded[i] = mass / nonzero;
        }
        if (!smooth(reference) || !smooth(expanded))
            continue;
        double sumP = 0, sumQ = 0;
        for (int i = 0; i < bins; ++i) {
            sumP += reference[i];
            sumQ += expanded[i];
        }
        double divergence = 0;
        for (int i = 0; i < bins; ++i) {
            const double p = reference[i] / sumP;
            const double q = expanded[i] / sumQ;
            if (p > 0)
                divergence += p * std::log(p / q);
        }
        if (divergence < bestDivergence) {
            bestDivergence = divergence;
            bestBins = bins;
        }
    }
    return static_cast<float>((bestBins + 0.5) * binWidth);
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
    auto fraction = [](int k) { return static_cast<float>(k) / kMseGridPoints; };
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
