#include "quant/kl_calibration.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace qs {

namespace {
// Counts of |x| over [0, absMax] in 2048 equal bins; the top value lands in the last bin.
std::vector<double> absHistogram(std::span<const float> block, float absMax)
{
    std::vector<double> histogram(kKlHistogramBins, 0.0);
    const double binWidth = static_cast<double>(absMax) / kKlHistogramBins;
    for (float value : block) {
        if (!std::isfinite(value))
            continue;
        auto bin = static_cast<std::size_t>(std::fabs(static_cast<double>(value)) / binWidth);
        histogram[std::min<std::size_t>(bin, kKlHistogramBins - 1)] += 1.0;
    }
    return histogram;
}

// Empty bins receive this much probability mass, taken evenly from the others, so that the
// divergence stays finite.
constexpr double kSmoothing = 1e-4;
} // namespace

float klThreshold(std::span<const float> block, float absMax, int quantBins)
{
    if (absMax <= 0.0f)
        return 0.0f;
    const std::vector<double> histogram = absHistogram(block, absMax);
    const double binWidth = static_cast<double>(absMax) / kKlHistogramBins;

    // Prefix sums of mass and of nonzero-bin counts, and the nonzero bins in order.
    std::vector<double> mass(kKlHistogramBins + 1, 0.0);
    std::vector<int> filled(kKlHistogramBins + 1, 0);
    std::vector<int> nonzero;
    for (int i = 0; i < kKlHistogramBins; ++i) {
        mass[i + 1] = mass[i] + histogram[i];
        filled[i + 1] = filled[i] + (histogram[i] != 0.0);
        if (histogram[i] != 0.0)
            nonzero.push_back(i);
    }
    const double total = mass[kKlHistogramBins];

    double bestDivergence = INFINITY;
    int bestBins = kKlHistogramBins;
    for (int bins = quantBins; bins <= kKlHistogramBins; ++bins) {
        const double outliers = total - mass[bins];
        const int filledBelow = filled[bins];
        // Reference P: the histogram cut at `bins`, outliers added to its last bin.
        const bool lastGainsMass = histogram[bins - 1] == 0.0 && outliers > 0.0;
        const int nonzeroP = filledBelow + (lastGainsMass ? 1 : 0);
        // Candidate Q: zero exactly where the histogram is.
        const int nonzeroQ = filledBelow;
        if (nonzeroP == 0 || nonzeroQ == 0)
            continue;
        const double takenP = kSmoothing * (bins - nonzeroP) / nonzeroP;
        const double takenQ = kSmoothing * (bins - nonzeroQ) / nonzeroQ;
        // Smoothing moves mass without changing the totals.
        const double sumP = total;
        const double sumQ = mass[bins];
        const int merged = bins / quantBins;

        double divergence = 0;
        auto addTerm = [&](double p, double q) {
            const double pn = p / sumP;
            divergence += pn * std::log(pn / (q / sumQ));
        };
        for (int i : nonzero) {
            if (i >= bins)
                break;
            const int level = std::min(i / merged, quantBins - 1);
            const int start = level * merged;
            const int stop = level == quantBins - 1 ? bins : start + merged;
            const double q = (mass[stop] - mass[start]) / (filled[stop] - filled[start]);
            const double p = histogram[i] + (i == bins - 1 ? outliers : 0.0);
            addTerm(p - takenP, q - takenQ);
        }
        // Every other bin is empty in both: kSmoothing in each, the same term each time.
        int emptyBoth = bins - filledBelow;
        if (lastGainsMass) {
            addTerm(outliers - takenP, kSmoothing);
            --emptyBoth;
        }
        if (emptyBoth > 0) {
            const double pn = kSmoothing / sumP;
            divergence += emptyBoth * pn * std::log(pn / (kSmoothing / sumQ));
        }
        if (divergence < bestDivergence) {
            bestDivergence = divergence;
            bestBins = bins;
        }
    }
    return static_cast<float>((bestBins + 0.5) * binWidth);
}

float klThresholdRef(std::span<const float> block, float absMax, int quantBins)
{
    if (absMax <= 0.0f)
        return 0.0f;
    const std::vector<double> histogram = absHistogram(block, absMax);
    const double binWidth = static_cast<double>(absMax) / kKlHistogramBins;

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

} // namespace qs
