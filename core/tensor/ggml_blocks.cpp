#include "tensor/ggml_blocks.h"

#include "common/error.h"

#include <bit>
#include <cstring>

namespace qs {

namespace {
// IEEE binary16 to float32; every fp16 value is exact in float32.
float halfAt(const std::uint8_t* p)
{
    std::uint16_t h;
    std::memcpy(&h, p, 2);
    const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
    const std::uint32_t exponent = (h >> 10) & 0x1fu;
    const std::uint32_t fraction = h & 0x3ffu;
    if (exponent == 0x1f)
        return std::bit_cast<float>(sign | 0x7f800000u | (fraction << 13));
    if (exponent == 0)
        return std::bit_cast<float>(
            sign | std::bit_cast<std::uint32_t>(static_cast<float>(fraction) * 0x1p-24f));
    return std::bit_cast<float>(sign | ((exponent + 112u) << 23) | (fraction << 13));
}

float floatAt(const std::uint8_t* p)
{
    float f;
    std::memcpy(&f, p, 4);
    return f;
}

// The 16 signed levels of IQ4_NL / IQ4_XS, a non-uniform 4-bit grid.
constexpr std::int8_t kIq4Levels[16] = {-127, -104, -83, -65, -49, -35, -22, -10,
                                        1,    13,   25,  38,  53,  69,  89,  113};
// E2M1 (FP4) values doubled so that they are integers; MXFP4's scale is halved to match.
constexpr std::int8_t kFp4Doubled[16] = {0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12};

// MXFP4's shared exponent (E8M0) as 2^(e - 128): half the block scale, paired with
// kFp4Doubled. e = 0 and 1 give float32 subnormals.
float e8m0Half(std::uint8_t e)
{
    const std::uint32_t bits = e < 2 ? 0x00200000u << e : static_cast<std::uint32_t>(e - 1) << 23;
    return std::bit_cast<float>(bits);
}

// 32 elements: the low nibbles of 16 bytes are elements 0..15, the high nibbles 16..31.
void q4_0(const std::uint8_t* b, float* y)
{
    const float d = halfAt(b);
    const std::uint8_t* qs = b + 2;
    for (int j = 0; j < 16; ++j) {
        y[j] = static_cast<float>((qs[j] & 0x0f) - 8) * d;
        y[j + 16] = static_cast<float>((qs[j] >> 4) - 8) * d;
    }
}

void q4_1(const std::uint8_t* b, float* y)
{
    const float d = halfAt(b), m = halfAt(b + 2);
    const std::uint8_t* qs = b + 4;
    for (int j = 0; j < 16; ++j) {
        y[j] = static_cast<float>(qs[j] & 0x0f) * d + m;
        y[j + 16] = static_cast<float>(qs[j] >> 4) * d + m;
    }
}

// Q5: the fifth bit of element j sits in bit j of a 32-bit word.
void q5(const std::uint8_t* qhBytes, const std::uint8_t* qs, int offset, int codes[32])
{
    std::uint32_t qh;
    std::memcpy(&qh, qhBytes, 4);
    for (int j = 0; j < 16; ++j) {
        const int high0 = static_cast<int>(((qh >> j) << 4) & 0x10);
        const int high1 = static_cast<int>((qh >> (j + 12)) & 0x10);
        codes[j] = ((qs[j] & 0x0f) | high0) - offset;
        codes[j + 16] = ((qs[j] >> 4) | high1) - offset;
    }
}

void q5_0(const std::uint8_t* b, float* y)
{
    const float d = halfAt(b);
    int codes[32];
    q5(b + 2, b + 6, 16, codes);
    for (int j = 0; j < 32; ++j)
        y[j] = static_cast<float>(codes[j]) * d;
}

void q5_1(const std::uint8_t* b, float* y)
{
    const float d = halfAt(b), m = halfAt(b + 2);
    int codes[32];
    q5(b + 4, b + 8, 0, codes);
    for (int j = 0; j < 32; ++j)
        y[j] = static_cast<float>(codes[j]) * d + m;
}

void q8(const std::uint8_t* qs, float d, float* y)
{
    for (int j = 0; j < 32; ++j)
        y[j] = static_cast<float>(static_cast<std::int8_t>(qs[j])) * d;
}

// Q2_K: 16 sub-blocks of 16, each with a 4-bit scale and 4-bit minimum.
void q2_k(const std::uint8_t* b, float* y)
{
    const std::uint8_t* scales = b;
    const std::uint8_t* q = b + 16;
    const float d = halfAt(b + 80), dmin = halfAt(b + 82);
    int is = 0;
    for (int half = 0; half < 2; ++half, q += 32) {
        for (int shift = 0; shift < 8; shift += 2) {
            for (int part = 0; part < 2; ++part) {
                const std::uint8_t sc = scales[is++];
                const float dl = d * static_cast<float>(sc & 0x0f);
                const float ml = dmin * static_cast<float>(sc >> 4);
                for (int l = 0; l < 16; ++l)
                    *y++ = dl * static_cast<float>((q[l + 16 * part] >> shift) & 3) - ml;
            }
        }
    }
}

// Q3_K: 16 signed 6-bit scales packed in 12 bytes (low 4 bits in bytes 0..7, high 2 bits
// in bytes 8..11); codes are 2 low bits plus a high bit whose absence subtracts 4.
void q3_k(const std::uint8_t* b, float* y)
{
    const std::uint8_t* hmask = b;
    const std::uint8_t* q = b + 32;
    const std::uint8_t* packed = b + 96;
    const float dAll = halfAt(b + 108);
    int scales[16];
    for (int j = 0; j < 16; ++j) {
        const int low = j < 8 ? packed[j] & 0x0f : packed[j - 8] >> 4;
        const int high = (packed[8 + j % 4] >> (2 * (j / 4))) & 3;
        scales[j] = (low | (high << 4)) - 32;
    }
    int is = 0;
    std::uint8_t m = 1;
    for (int half = 0; half < 2; ++half, q += 32) {
        for (int shift = 0; shift < 8; shift += 2, m = static_cast<std::uint8_t>(m << 1)) {
            for (int part = 0; part < 2; ++part) {
                const float dl = dAll * static_cast<float>(scales[is++]);
                for (int l = 0; l < 16; ++l) {
                    const int k = l + 16 * part;
                    const int code = ((q[k] >> shift) & 3) - ((hmask[k] & m) ? 0 : 4);
                    *y++ = dl * static_cast<float>(code);
                }
            }
        }
    }
}

// Q4_K / Q5_K: 8 sub-blocks of 32 with 6-bit scales and minimums packed in 12 bytes.
void scaleMinK4(int j, const std::uint8_t* q, std::uint8_t& scale, std::uint8_t& min)
{
    if (j < 4) {
        scale = q[j] & 63;
        min = q[j + 4] & 63;
    } else {
        scale = static_cast<std::uint8_t>((q[j + 4] & 0x0f) | ((q[j - 4] >> 6) << 4));
        min = static_cast<std::uint8_t>((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
    }
}

void q4_k(const std::uint8_t* b, float* y)
{
    const float d = halfAt(b), dmin = halfAt(b + 2);
    const std::uint8_t* scales = b + 4;
    const std::uint8_t* q = b + 16;
    for (int is = 0; is < 8; is += 2, q += 32) {
        std::uint8_t sc, m;
        scaleMinK4(is, scales, sc, m);
        const float d1 = d * static_cast<float>(sc), m1 = dmin * static_cast<float>(m);
        scaleMinK4(is + 1, scales, sc, m);
        const float d2 = d * static_cast<float>(sc), m2 = dmin * static_cast<float>(m);
        for (int l = 0; l < 32; ++l)
            *y++ = d1 * static_cast<float>(q[l] & 0x0f) - m1;
        for (int l = 0; l < 32; ++l)
            *y++ = d2 * static_cast<float>(q[l] >> 4) - m2;
    }
}

void q5_k(const std::uint8_t* b, float* y)
{
    const float d = halfAt(b), dmin = halfAt(b + 2);
    const std::uint8_t* scales = b + 4;
    const std::uint8_t* qh = b + 16;
    const std::uint8_t* ql = b + 48;
    std::uint8_t u1 = 1, u2 = 2;
    for (int is = 0; is < 8; is += 2, ql += 32) {
        std::uint8_t sc, m;
        scaleMinK4(is, scales, sc, m);
        const float d1 = d * static_cast<float>(sc), m1 = dmin * static_cast<float>(m);
        scaleMinK4(is + 1, scales, sc, m);
        const float d2 = d * static_cast<float>(sc), m2 = dmin * static_cast<float>(m);
        for (int l = 0; l < 32; ++l)
            *y++ = d1 * static_cast<float>((ql[l] & 0x0f) + ((qh[l] & u1) ? 16 : 0)) - m1;
        for (int l = 0; l < 32; ++l)
            *y++ = d2 * static_cast<float>((ql[l] >> 4) + ((qh[l] & u2) ? 16 : 0)) - m2;
        u1 = static_cast<std::uint8_t>(u1 << 2);
        u2 = static_cast<std::uint8_t>(u2 << 2);
    }
}

// Q6_K: 6-bit codes (4 low bits in ql, 2 high bits in qh) with 16 signed 8-bit scales.
void q6_k(const std::uint8_t* b, float* y)
{
    const std::uint8_t* ql = b;
    const std::uint8_t* qh = b + 128;
    const std::uint8_t* sc = b + 192;
    const float d = halfAt(b + 208);
    for (int half = 0; half < 2; ++half, y += 128, ql += 64, qh += 32, sc += 8) {
        for (int l = 0; l < 32; ++l) {
            const int is = l / 16;
            const int q1 = ((ql[l] & 0x0f) | (((qh[l] >> 0) & 3) << 4)) - 32;
            const int q2 = ((ql[l + 32] & 0x0f) | (((qh[l] >> 2) & 3) << 4)) - 32;
            const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
            const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
            const auto scale = [&](int k) {
                return static_cast<float>(static_cast<std::int8_t>(sc[is + k]));
            };
            y[l] = d * scale(0) * static_cast<float>(q1);
            y[l + 32] = d * scale(2) * static_cast<float>(q2);
            y[l + 64] = d * scale(4) * static_cast<float>(q3);
            y[l + 96] = d * scale(6) * static_cast<float>(q4);
        }
    }
}

void q8_k(const std::uint8_t* b, float* y)
{
    const float d = floatAt(b);
    for (int j = 0; j < 256; ++j)
        y[j] = d * static_cast<float>(static_cast<std::int8_t>(b[4 + j]));
}

void iq4_nl(const std::uint8_t* b, float* y)
{
    const float d = halfAt(b);
    const std::uint8_t* qs = b + 2;
    for (int j = 0; j < 16; ++j) {
        y[j] = d * static_cast<float>(kIq4Levels[qs[j] & 0x0f]);
        y[j + 16] = d * static_cast<float>(kIq4Levels[qs[j] >> 4]);
    }
}

// IQ4_XS: 8 sub-blocks of 32 with 6-bit scales (4 low bits in scales_l, 2 high in scales_h).
void iq4_xs(const std::uint8_t* b, float* y)
{
    const float d = halfAt(b);
    std::uint16_t scalesHigh;
    std::memcpy(&scalesHigh, b + 2, 2);
    const std::uint8_t* scalesLow = b + 4;
    const std::uint8_t* qs = b + 8;
    for (int ib = 0; ib < 8; ++ib, y += 32, qs += 16) {
        const int low = (scalesLow[ib / 2] >> (4 * (ib % 2))) & 0x0f;
        const int high = (scalesHigh >> (2 * ib)) & 3;
        const float dl = d * static_cast<float>((low | (high << 4)) - 32);
        for (int j = 0; j < 16; ++j) {
            y[j] = dl * static_cast<float>(kIq4Levels[qs[j] & 0x0f]);
            y[j + 16] = dl * static_cast<float>(kIq4Levels[qs[j] >> 4]);
        }
    }
}

void mxfp4(const std::uint8_t* b, float* y)
{
    const float d = e8m0Half(b[0]);
    const std::uint8_t* qs = b + 1;
    for (int j = 0; j < 16; ++j) {
        y[j] = static_cast<float>(kFp4Doubled[qs[j] & 0x0f]) * d;
        y[j + 16] = static_cast<float>(kFp4Doubled[qs[j] >> 4]) * d;
    }
}

using BlockDecoder = void (*)(const std::uint8_t*, float*);

BlockDecoder decoderFor(DType type)
{
    switch (type) {
    case DType::Q4_0:
        return q4_0;
    case DType::Q4_1:
        return q4_1;
    case DType::Q5_0:
        return q5_0;
    case DType::Q5_1:
        return q5_1;
    case DType::Q8_0:
        return [](const std::uint8_t* b, float* y) {
            q8(b + 2, halfAt(b), y);
        };
    case DType::Q8_1: // the stored sum (b + 2) is only used by dot products
        return [](const std::uint8_t* b, float* y) {
            q8(b + 4, halfAt(b), y);
        };
    case DType::Q2_K:
        return q2_k;
    case DType::Q3_K:
        return q3_k;
    case DType::Q4_K:
        return q4_k;
    case DType::Q5_K:
        return q5_k;
    case DType::Q6_K:
        return q6_k;
    case DType::Q8_K:
        return q8_k;
    case DType::IQ4_NL:
        return iq4_nl;
    case DType::IQ4_XS:
        return iq4_xs;
    case DType::MXFP4:
        return mxfp4;
    default:
        throw Error("decodeGgmlBlocks: not a ggml block type");
    }
}
} // namespace

void decodeGgmlBlocks(DType type, const std::uint8_t* src, std::size_t blocks, float* out)
{
    const BlockDecoder decode = decoderFor(type);
    const DTypeTraits& t = traits(type);
    for (std::size_t i = 0; i < blocks; ++i)
        decode(src + i * t.blockBytes, out + i * t.blockElements);
}

} // namespace qs
