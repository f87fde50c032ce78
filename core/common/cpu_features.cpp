#include "common/cpu_features.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif
#include <cstdlib>
#include <cstring>

namespace qs {

const CpuFeatures& cpuFeatures()
{
    static const CpuFeatures features = [] {
        CpuFeatures found;
#if defined(__x86_64__) || defined(__i386__)
        __builtin_cpu_init();
        found.avx2 = __builtin_cpu_supports("avx2");
        found.fma = __builtin_cpu_supports("fma");
        // F16C is CPUID leaf 1, ECX bit 29 (clang's __builtin_cpu_supports lacks "f16c");
        // it uses the AVX registers, so the OS must support AVX too.
        unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
        found.f16c = __get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & (1u << 29)) &&
                     __builtin_cpu_supports("avx");
#endif
        return found;
    }();
    return features;
}

bool referenceKernelsForced()
{
    static const bool forced = [] {
        const char* value = std::getenv("QUANTSCOPE_KERNELS");
        return value && std::strcmp(value, "ref") == 0;
    }();
    return forced;
}

} // namespace qs
