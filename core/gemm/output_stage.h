#pragma once
// What follows the int32 accumulators (spec §10): a float output, or an int8/uint8 output
// requantized with a fixed-point multiplier, as integer-only inference engines do.

#include <cstdint>
#include <span>

namespace qs {

struct GemmQuantParams {
    float actScale = 1;                  // s_x
    std::int32_t actZeroPoint = 0;       // z_x (0 for int8 activations), |z_x| <= 65535
    std::span<const float> weightScales; // s_w[j]: N values, or one for a per-tensor W
};

// Y'[i,j] = (s_x · s_w[j]) · (acc[i,j] - z_x · Σ_k W[j,k]), the product of scales and the
// final multiply in float32, the bracket exact in integers.
void dequantizeOutput(std::span<const std::int32_t> acc, std::int64_t m, std::int64_t n,
                      std::span<const std::int32_t> weightRowSums, const GemmQuantParams& params,
                      std::span<float> y);

// A positive real multiplier as multiplier · 2^-shift with multiplier in [2^30, 2^31).
struct FixedPointMultiplier {
    std::int32_t multiplier = 0;
    int shift = 0; // right shift, 0..62
};

// Rounds the real multiplier to the nearest representable one; UsageError when it is not
// a positive finite number or needs a shift outside 0..62.
FixedPointMultiplier fixedPointMultiplier(double realMultiplier);

// round(value · multiplier · 2^-shift) with ties to even (spec §4's rounding), computed
// exactly in 128-bit integers; saturates to the int64 range.
std::int64_t applyMultiplier(std::int64_t value, const FixedPointMultiplier& multiplier);

struct RequantizeParams {
    float outScale = 1;
    std::int32_t outZeroPoint = 0;
    std::int32_t qmin = -128; // the output grid: int8 [-128, 127] or uint8 [0, 255]
    std::int32_t qmax = 127;
};

// q_y[i,j] = clamp(z_y + applyMultiplier(acc - z_x Σ W[j,·], M_j), qmin, qmax) with
// M_j = s_x s_w[j] / s_y. Outputs as int32 codes (they fit int8 or uint8 by the grid).
void requantizeOutput(std::span<const std::int32_t> acc, std::int64_t m, std::int64_t n,
                      std::span<const std::int32_t> weightRowSums, const GemmQuantParams& params,
                      const RequantizeParams& out, std::span<std::int32_t> codes);

} // namespace qs
