#include "gemm/packed_weights.h"

#include "common/error.h"

#include <algorithm>
#include <string>

namespace qs {

PackedWeights::PackedWeights(std::span<const std::int8_t> codes, std::int64_t n, std::int64_t k,
                             GemmKernel kernel)
    : n_(n)
    , k_(k)
    , kernel_(kernel)
{
    if (n < 1 || k < 1)
        throw UsageError("GEMM weights need at least one row and one column");
    if (k > maxGemmDepth())
        throw UsageError("GEMM depth " + std::to_string(k) + " exceeds " +
                         std::to_string(maxGemmDepth()) +
                         ", beyond which int32 accumulators could overflow");
    if (kernel == GemmKernel::Reference)
        throw UsageError("the reference GEMM reads unpacked weights");
    const auto available = availableGemmKernels();
    if (std::find(available.begin(), available.end(), kernel) == available.end())
        throw UsageError(std::string("this CPU cannot run the ") + toString(kernel) +
                         " GEMM kernel");
    paddedK_ = (k + kDepthStep - 1) / kDepthStep * kDepthStep;
    if (n > static_cast<std::int64_t>(codes.size()) / k ||
        static_cast<std::int64_t>(codes.size()) != n * k)
        throw UsageError("GEMM weights: expected " + std::to_string(n * k) + " codes, got " +
                         std::to_string(codes.size()));

    data_.assign(static_cast<std::size_t>(panelCount() * kPanelWidth * paddedK_), 0);
    rowSums_.assign(static_cast<std::size_t>(n), 0);
    for (std::int64_t j = 0; j < n; ++j) {
        const std::int8_t* row = codes.data() + j * k;
        std::int8_t* panelData = data_.data() + (j / kPanelWidth) * paddedK_ * kPanelWidth;
        const std::int64_t column = j % kPanelWidth;
        std::int32_t sum = 0;
        for (std::int64_t d = 0; d < k; ++d) {
            const std::int64_t step = d / kDepthStep;
            panelData[(step * kPanelWidth + column) * kDepthStep + d % kDepthStep] = row[d];
            sum += row[d];
        }
        rowSums_[static_cast<std::size_t>(j)] = sum;
    }
}

} // namespace qs
