#pragma once
// Spec §9: the error metrics of a tensor (or block, or layer output) from its sums.

#include "quant/block_kernels.h"

#include <cstdint>

namespace qs {

struct ErrorMetrics {
    std::uint64_t count = 0; // finite elements compared
    double mse = 0;
    double rmse = 0;
    double maxAbsErr = 0;
    double meanErr = 0;
    double sqnrDb = 0; // +Inf when there is no error
    double cosine = 1;
    double relFro = 0;
    double clippedFrac = 0;
};

ErrorMetrics computeMetrics(const ErrorSums& sums);

} // namespace qs
