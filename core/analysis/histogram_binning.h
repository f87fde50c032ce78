#pragma once
// The counting loop of computeHistogram. Bins are found by a multiplication (not a
// division) in float64, and counted in eight interleaved sets of 32-bit counters so that
// runs of values in one bin do not wait on each other's increments; an AVX2 loop finds
// eight bins at a time. Both loops put every value in the same bin.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace qs {

struct OutsideCounts {
    std::uint64_t below = 0;
    std::uint64_t above = 0;
    std::uint64_t nonfinite = 0;

    // Counts a value that is not in [lo, hi] where it belongs.
    void add(float value, double lo)
    {
        if (!std::isfinite(value))
            ++nonfinite;
        else if (value < lo)
            ++below;
        else
            ++above;
    }
};

// Eight lanes of bins + 1 counters; the extra one of each lane takes values outside the
// range (counted properly in OutsideCounts).
class BinLanes {
public:
    static constexpr std::size_t kLanes = 8;
    explicit BinLanes(std::size_t bins)
        : bins_(bins)
        , counters_(kLanes * (bins + 1), 0)
    {
    }
    std::size_t bins() const { return bins_; }
    std::size_t stride() const { return bins_ + 1; }
    std::uint32_t* data() { return counters_.data(); }
    // Adds the lanes into `counts` (bins long) and zeroes them.
    void flushInto(std::vector<std::uint64_t>& counts);

private:
    std::size_t bins_;
    std::vector<std::uint32_t> counters_;
};

// Counts `n` values (n < 2^32) into `lanes` over [lo, hi] (hi > lo); a value equal to hi
// falls in the last bin.
void binValues(const float* values, std::size_t n, double lo, double hi, BinLanes& lanes,
               OutsideCounts& outside);
void binValuesReference(const float* values, std::size_t n, double lo, double hi, BinLanes& lanes,
                        OutsideCounts& outside);
void binValuesAvx2(const float* values, std::size_t n, double lo, double hi, BinLanes& lanes,
                   OutsideCounts& outside);

} // namespace qs
