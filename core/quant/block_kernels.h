#pragma once
// The inner loops of the engine over one contiguous run of float32 values: the range of
// the finite values, and the fused integer quantize + dequantize + error accumulation of
// spec §4 and §9. Each has a plain-loop `Ref` twin (the oracle) and a hand-vectorised
// path chosen at run time; tests compare them.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>

namespace qs {

struct RangeStats {
    float min = std::numeric_limits<float>::infinity();
    float max = -std::numeric_limits<float>::infinity();
    std::uint64_t finite = 0;
    std::uint64_t nonfinite = 0;

    float absMax() const;
    void merge(const RangeStats& other);
};

// Sums over finite elements, accumulated in double (spec: all sums are float64).
// Σx̂x and Σx̂² follow from Σx², Σxe and Σe², so the loop keeps four sums, not six.
struct ErrorSums {
    double sumX2 = 0; // Σ x²
    double sumE2 = 0; // Σ e²,  e = x̂ - x computed in float32
    double sumE = 0;  // Σ e
    double sumXE = 0; // Σ x e
    float maxAbsErr = 0;
    std::uint64_t count = 0;   // finite elements
    std::uint64_t clipped = 0; // code clamped and |e| > s/2

    void merge(const ErrorSums& other);
    // One finite element with its restored value x̂; returns |e|. The scalar form every
    // plain loop uses.
    float add(float value, float restored)
    {
        const float error = restored - value;
        const double e = error;
        const double v = value;
        sumX2 += v * v;
        sumE2 += e * e;
        sumE += e;
        sumXE += v * e;
        const float absError = std::fabs(error);
        maxAbsErr = std::max(maxAbsErr, absError);
        ++count;
        return absError;
    }
    double sumXXhat() const { return sumX2 + sumXE; }
    double sumXhat2() const { return sumX2 + 2 * sumXE + sumE2; }
};

// How a convention rounds x·(1/s) (or x / s) to an integer code (spec §4, §8).
enum class TieRule : std::uint8_t {
    ToEven,       // std::nearbyint, numpy.round, torch.round
    AwayFromZero, // std::round / roundf, TfLiteRound
};

// One block's integer quantization: q = clamp(round(x * invScale) + zero, qmin, qmax),
// x̂ = scale * (q - zero). Codes fit float32 exactly (|q| <= 65535). Conventions that
// divide instead (x / scale, or x̂ = (q - zero) / invScale) set the flags; their own
// invScale need not be 1/scale (TFLite and ModelOpt compute qmax/amax, ggml keeps 1/d of
// the unrounded d while x̂ uses d stored as fp16).
struct IntQuantParams {
    float scale = 1;
    float invScale = 1; // 1/scale computed once in float32, as the spec's x * (1/s)
    float zeroPoint = 0;
    float qmin = -128;
    float qmax = 127;
    TieRule ties = TieRule::ToEven;
    bool divideByScale = false;        // code from x / scale
    bool dequantizeByDividing = false; // x̂ = (q - zero) / invScale

    // The code before the clamp, and x̂ of a clamped code: the two halves every kernel
    // and the walk-through share.
    float scaled(float value) const { return divideByScale ? value / scale : value * invScale; }
    float restore(float clampedCode) const
    {
        return dequantizeByDividing ? (clampedCode - zeroPoint) / invScale
                                    : scale * (clampedCode - zeroPoint);
    }
};

// round() under a tie rule; in the default floating-point environment nearbyint takes the
// even neighbour.
inline float roundCode(float value, TieRule ties)
{
    return ties == TieRule::ToEven ? std::nearbyint(value) : std::round(value);
}

RangeStats rangeOf(const float* x, std::size_t n);
RangeStats rangeOfRef(const float* x, std::size_t n);

// Adds the block's errors to `sums`; writes x̂ to `dequantized` when it is not null
// (nonfinite inputs are copied through unchanged).
void quantizeIntBlock(const float* x, std::size_t n, const IntQuantParams& params, ErrorSums& sums,
                      float* dequantized);
void quantizeIntBlockRef(const float* x, std::size_t n, const IntQuantParams& params,
                         ErrorSums& sums, float* dequantized);

// The AVX2 paths, for tests and benchmarks; call only when cpuFeatures().avx2.
RangeStats rangeOfAvx2(const float* x, std::size_t n);
void quantizeIntBlockAvx2(const float* x, std::size_t n, const IntQuantParams& params,
                          ErrorSums& sums, float* dequantized);

// Which path rangeOf/quantizeIntBlock take on this machine: "avx2" or "ref".
const char* activeKernelPath();

} // namespace qs
