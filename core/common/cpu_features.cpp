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

const std::string& cpuName()
{
    static const std::string name = [] {
        std::string brand;
#if defined(__x86_64__) || defined(__i386__)
        // CPUID leaves 0x80000002..4 hold 48 bytes of brand string, 16 per leaf.
        unsigned regs[4] = {};
        if (__get_cpuid(0x80000000u, &regs[0], &regs[1], &regs[2], &regs[3]) &&
            regs[0] >= 0x80000004u) {
            for (unsigned leaf = 0x80000002u; leaf <= 0x80000004u; ++leaf) {
                __get_cpuid(leaf, &regs[0], &regs[1], &regs[2], &regs[3]);
                brand.append(reinterpret_cast<const char*>(regs), sizeof regs);
            }
        }
#endif
        brand = brand.c_str(); // up to the terminating NUL
        const auto first = brand.find_first_not_of(' ');
        const auto last = brand.find_last_not_of(' ');
        return first == std::string::npos ? std::string("unknown")
                                          : brand.substr(first, last - first + 1);
    }();
    return name;
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
