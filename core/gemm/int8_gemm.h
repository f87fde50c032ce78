#pragma once
// Spec §10: acc = X Wᵀ in integers with int32 accumulation, X (M×K) uint8 or int8 row-major,
// W pre-packed. Every path gives accumulators bit-identical to gemmInt32Reference.

#include "gemm/packed_weights.h"

#include <cstdint>
#include <span>

namespace qs {

struct GemmOptions {
    int threads = 0; // 0: all cores; work is split over output-channel panels and rows
};

// acc[i*N + j] = Σ_k x[i*K + k] · W[j,k] for i < m, j < N. `acc` holds m·N values.
void gemmInt32(std::span<const std::uint8_t> x, std::int64_t m, const PackedWeights& weights,
               std::span<std::int32_t> acc, const GemmOptions& options = {});
void gemmInt32(std::span<const std::int8_t> x, std::int64_t m, const PackedWeights& weights,
               std::span<std::int32_t> acc, const GemmOptions& options = {});

// The oracle: a plain triple loop over unpacked W (N×K row-major codes).
void gemmInt32Reference(std::span<const std::uint8_t> x, std::span<const std::int8_t> w,
                        std::int64_t m, std::int64_t n, std::int64_t k,
                        std::span<std::int32_t> acc);
void gemmInt32Reference(std::span<const std::int8_t> x, std::span<const std::int8_t> w,
                        std::int64_t m, std::int64_t n, std::int64_t k,
                        std::span<std::int32_t> acc);

} // namespace qs
