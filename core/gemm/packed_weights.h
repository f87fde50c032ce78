#pragma once
// Int8 weights W (N×K, one row per output channel) rearranged once into the panel layout
// the GEMM kernels stream, with each row's code sum Σ_k W[j,k] kept for the activation
// zero-point compensation of spec §10. Pack once, multiply many times.

#include "gemm/gemm_kernel.h"

#include <cstdint>
#include <span>
#include <vector>

namespace qs {

class PackedWeights {
public:
    // Columns are grouped in panels of this many output channels ...
    static constexpr std::int64_t kPanelWidth = 16;
    // ... and the depth is stored in pairs (k, k+1) per channel; an odd K is padded with 0.
    static constexpr std::int64_t kDepthStep = 2;

    PackedWeights() = default;
    // `codes` holds W row-major, N rows of K codes. Throws UsageError for N or K below 1
    // or K above maxGemmDepth().
    PackedWeights(std::span<const std::int8_t> codes, std::int64_t n, std::int64_t k,
                  GemmKernel kernel = bestGemmKernel());

    std::int64_t n() const { return n_; }
    std::int64_t k() const { return k_; }
    std::int64_t paddedDepth() const { return paddedK_; }
    std::int64_t panelCount() const { return (n_ + kPanelWidth - 1) / kPanelWidth; }
    GemmKernel kernel() const { return kernel_; }

    // Σ_k W[j,k] for every output channel j.
    std::span<const std::int32_t> rowSums() const { return rowSums_; }
    // Panel p: paddedDepth()/2 steps of kPanelWidth channels × 2 codes, channel-major
    // within a step: [c0k0 c0k1 c1k0 c1k1 ... c15k0 c15k1].
    const std::int8_t* panel(std::int64_t p) const
    {
        return data_.data() + p * paddedK_ * kPanelWidth;
    }

private:
    std::int64_t n_ = 0;
    std::int64_t k_ = 0;
    std::int64_t paddedK_ = 0;
    GemmKernel kernel_ = GemmKernel::Portable;
    std::vector<std::int8_t> data_;
    std::vector<std::int32_t> rowSums_;
};

// The largest depth K for which every int32 accumulator (and the zero-point term
// z_x Σ_k W[j,k]) is exact: K · 255 · 128 must stay below 2^31.
constexpr std::int64_t maxGemmDepth()
{
    return 2147483647LL / (255 * 128);
}

} // namespace qs
