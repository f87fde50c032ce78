#include "gemm/int8_gemm.h"

#include "common/error.h"
#include "gemm/gemm_tiles.h"

#include <algorithm>
#include <string>
#include <tbb/blocked_range2d.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>
#include <vector>

namespace qs {

namespace {
using gemm_detail::kTileRows;

// Blocking: a weight panel's chunk of kDepthBlock steps (8 KiB) stays in L1 while every
// activation tile of a row block passes by; the row block's activations for that depth
// (kRowBlock × kDepthBlock words, 120 KiB) stay in L2 across panels.
constexpr std::int64_t kDepthBlock = 256;
constexpr std::int64_t kRowBlock = 120;
static_assert(kRowBlock % kTileRows == 0);

void checkSizes(std::size_t xSize, std::int64_t m, std::int64_t n, std::int64_t k,
                std::size_t accSize)
{
    if (m < 0)
        throw UsageError("GEMM: negative row count");
    // Sizes come from spans, so a product that overflows cannot match one: check first.
    if ((k > 0 && m > static_cast<std::int64_t>(xSize) / k) ||
        (n > 0 && m > static_cast<std::int64_t>(accSize) / n))
        throw UsageError("GEMM: " + std::to_string(m) + " rows do not fit the buffers given");
    if (static_cast<std::int64_t>(xSize) != m * k)
        throw UsageError("GEMM activations: expected " + std::to_string(m * k) + " values, got " +
                         std::to_string(xSize));
    if (static_cast<std::int64_t>(accSize) != m * n)
        throw UsageError("GEMM output: expected " + std::to_string(m * n) + " values, got " +
                         std::to_string(accSize));
}

// Rows in panels of kTileRows, each depth step one word per row holding the int16 pair
// (x[k], x[k+1]); rows past m and the odd depth's partner are zero.
template <typename Code>
std::vector<std::int32_t> packActivations(std::span<const Code> x, std::int64_t m, std::int64_t k,
                                          std::int64_t steps)
{
    const std::int64_t panels = (m + kTileRows - 1) / kTileRows;
    std::vector<std::int32_t> packed(static_cast<std::size_t>(panels * steps * kTileRows), 0);
    tbb::parallel_for(std::int64_t{0}, m, [&](std::int64_t i) {
        std::int32_t* panel = packed.data() + (i / kTileRows) * steps * kTileRows;
        const Code* row = x.data() + i * k;
        for (std::int64_t step = 0; step < steps; ++step) {
            const std::int64_t d = 2 * step;
            const auto lowHalf = static_cast<std::uint16_t>(static_cast<std::int16_t>(row[d]));
            const auto highHalf =
                d + 1 < k ? static_cast<std::uint16_t>(static_cast<std::int16_t>(row[d + 1]))
                          : std::uint16_t{0};
            panel[step * kTileRows + i % kTileRows] = static_cast<std::int32_t>(
                static_cast<std::uint32_t>(lowHalf) | (static_cast<std::uint32_t>(highHalf) << 16));
        }
    });
    return packed;
}

gemm_detail::TileFn tileFunction(GemmKernel kernel)
{
    switch (kernel) {
    case GemmKernel::Avx2:
        return gemm_detail::tileAvx2;
    case GemmKernel::Portable:
        return gemm_detail::tilePortable;
    case GemmKernel::Reference:
        break;
    }
    throw UsageError("no packed GEMM path for kernel " + std::string(toString(kernel)));
}

// One call's work: packed activations against packed weights, cut into rectangles of row
// blocks × weight panels that threads take independently (each writes its own outputs).
class PackedProduct {
public:
    PackedProduct(std::vector<std::int32_t> activations, std::int64_t m,
                  const PackedWeights& weights, std::span<std::int32_t> acc)
        : activations_(std::move(activations))
        , m_(m)
        , weights_(weights)
        , acc_(acc)
        , tile_(tileFunction(weights.kernel()))
        , steps_(weights.paddedDepth() / PackedWeights::kDepthStep)
    {
    }

    std::int64_t rowBlocks() const { return (m_ + kRowBlock - 1) / kRowBlock; }

    void run(std::int64_t rowBlock, std::int64_t panelBegin, std::int64_t panelEnd) const
    {
        const std::int64_t rowBegin = rowBlock * kRowBlock;
        const std::int64_t rowEnd = std::min(m_, rowBegin + kRowBlock);
        // A single tile row reuses nothing from L1: stream each panel whole, which the
        // hardware prefetcher follows better than hops between panels.
        const std::int64_t depthBlock = rowEnd - rowBegin <= kTileRows ? steps_ : kDepthBlock;
        for (std::int64_t depth = 0; depth < steps_; depth += depthBlock) {
            const std::int64_t depthSteps = std::min(depthBlock, steps_ - depth);
            for (std::int64_t panel = panelBegin; panel < panelEnd; ++panel)
                runPanel(panel, rowBegin, rowEnd, depth, depthSteps);
        }
    }

private:
    void runPanel(std::int64_t panel, std::int64_t rowBegin, std::int64_t rowEnd,
                  std::int64_t depth, std::int64_t depthSteps) const
    {
        constexpr std::int64_t width = PackedWeights::kPanelWidth;
        const std::int64_t n = weights_.n();
        const std::int8_t* w = weights_.panel(panel) + depth * width * PackedWeights::kDepthStep;
        const int cols = static_cast<int>(std::min(width, n - panel * width));
        for (std::int64_t row = rowBegin; row < rowEnd; row += kTileRows) {
            const std::int32_t* a =
                activations_.data() + (row / kTileRows * steps_ + depth) * kTileRows;
            const int rows = static_cast<int>(std::min<std::int64_t>(kTileRows, rowEnd - row));
            tile_(a, w, depthSteps, rows, cols, acc_.data() + row * n + panel * width, n,
                  depth > 0);
        }
    }

    std::vector<std::int32_t> activations_;
    std::int64_t m_;
    const PackedWeights& weights_;
    std::span<std::int32_t> acc_;
    gemm_detail::TileFn tile_;
    std::int64_t steps_;
};

template <typename Code>
void gemmPacked(std::span<const Code> x, std::int64_t m, const PackedWeights& weights,
                std::span<std::int32_t> acc, const GemmOptions& options)
{
    checkSizes(x.size(), m, weights.n(), weights.k(), acc.size());
    if (m == 0)
        return;
    auto run = [&] {
        const std::int64_t steps = weights.paddedDepth() / PackedWeights::kDepthStep;
        const PackedProduct product(packActivations(x, m, weights.k(), steps), m, weights, acc);
        using Range = tbb::blocked_range2d<std::int64_t>;
        const Range all(0, product.rowBlocks(), 1, 0, weights.panelCount(), 4);
        tbb::parallel_for(all, [&](const Range& range) {
            for (std::int64_t block = range.rows().begin(); block < range.rows().end(); ++block)
                product.run(block, range.cols().begin(), range.cols().end());
        });
    };
    if (options.threads > 0) {
        tbb::task_arena arena(options.threads);
        arena.execute(run);
    } else {
        run();
    }
}

template <typename Code>
void gemmReference(std::span<const Code> x, std::span<const std::int8_t> w, std::int64_t m,
                   std::int64_t n, std::int64_t k, std::span<std::int32_t> acc)
{
    checkSizes(x.size(), m, n, k, acc.size());
    if (static_cast<std::int64_t>(w.size()) != n * k)
        throw UsageError("GEMM weights: expected " + std::to_string(n * k) + " codes");
    if (k > maxGemmDepth())
        throw UsageError("GEMM depth " + std::to_string(k) + " exceeds " +
                         std::to_string(maxGemmDepth()));
    for (std::int64_t i = 0; i < m; ++i) {
        for (std::int64_t j = 0; j < n; ++j) {
            std::int32_t sum = 0;
            for (std::int64_t d = 0; d < k; ++d)
                sum += static_cast<std::int32_t>(x[i * k + d]) * w[j * k + d];
            acc[i * n + j] = sum;
        }
    }
}
} // namespace

void gemmInt32(std::span<const std::uint8_t> x, std::int64_t m, const PackedWeights& weights,
               std::span<std::int32_t> acc, const GemmOptions& options)
{
    gemmPacked(x, m, weights, acc, options);
}

void gemmInt32(std::span<const std::int8_t> x, std::int64_t m, const PackedWeights& weights,
               std::span<std::int32_t> acc, const GemmOptions& options)
{
    gemmPacked(x, m, weights, acc, options);
}

void gemmInt32Reference(std::span<const std::uint8_t> x, std::span<const std::int8_t> w,
                        std::int64_t m, std::int64_t n, std::int64_t k, std::span<std::int32_t> acc)
{
    gemmReference(x, w, m, n, k, acc);
}

void gemmInt32Reference(std::span<const std::int8_t> x, std::span<const std::int8_t> w,
                        std::int64_t m, std::int64_t n, std::int64_t k, std::span<std::int32_t> acc)
{
    gemmReference(x, w, m, n, k, acc);
}

} // namespace qs
