#pragma once
// Histograms for charts: counts of a tensor's (or one block's) finite values over chosen
// bins, with the clipping range and the dequantized grid levels to draw on top.

#include "quant/quant_config.h"
#include "quant/tensor_quantizer.h"

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace qs {

enum class CountScale { Linear, Log };

struct Histogram {
    double lo = 0; // left edge of the first bin
    double hi = 0; // right edge of the last bin
    std::vector<std::uint64_t> counts;
    std::uint64_t below = 0; // finite values left of lo (when a range was given)
    std::uint64_t above = 0;
    std::uint64_t nonfinite = 0;

    double binWidth() const { return counts.empty() ? 0 : (hi - lo) / counts.size(); }
    double binCenter(std::size_t bin) const { return lo + (bin + 0.5) * binWidth(); }
    // Bar heights: counts, or log10(1 + count) for a log-count chart.
    std::vector<double> heights(CountScale scale) const;
};

// `bins` equal bins over [range.first, range.second], or over the values' min..max when no
// range is given. A value equal to hi falls in the last bin.
Histogram computeHistogram(std::span<const float> values, std::size_t bins,
                           std::optional<std::pair<double, double>> range = std::nullopt);

// What a chart draws over the histogram of one block.
struct QuantOverlay {
    double clipLo = 0;
    double clipHi = 0;
    std::vector<double> gridLevels; // dequantized levels s(q - z), empty when above the limit
};

// The block's grid levels when there are at most `maxLevels` of them (integer grids and
// float formats of few values; GGUF presets use their code range).
QuantOverlay quantOverlay(const BlockRecord& block, const QuantConfig& config,
                          std::size_t maxLevels = 64);

} // namespace qs
