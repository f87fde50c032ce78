#include "quant/block_kernels.h"

#include "common/cpu_features.h"

namespace qs {

namespace {
bool useAvx2()
{
    static const bool use = cpuFeatures().avx2 && cpuFeatures().fma && !referenceKernelsForced();
    return use;
}
} // namespace

RangeStats rangeOf(const float* x, std::size_t n)
{
    return useAvx2() ? rangeOfAvx2(x, n) : rangeOfRef(x, n);
}

void quantizeIntBlock(const float* x, std::size_t n, const IntQuantParams& params, ErrorSums& sums,
                      float* dequantized)
{
    if (useAvx2())
        quantizeIntBlockAvx2(x, n, params, sums, dequantized);
    else
        quantizeIntBlockRef(x, n, params, sums, dequantized);
}

const char* activeKernelPath()
{
    return useAvx2() ? "avx2" : "ref";
}

} // namespace qs
