#pragma once
// The header of a NumPy .npy array (format versions 1, 2 and 3): a prelude of magic string,
// version and header length, then a Python dict literal giving dtype, order and shape. It is
// read in two steps so that a deflated .npz entry need be inflated only as far as its header.

#include "tensor/tensor.h"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace qs {

// Magic, version and a 4-byte header length: the most we need before the header length
// is known.
inline constexpr std::uint64_t kNpyLongestPrelude = 12;

// Offsets are relative to the .npy's first byte.
struct NpyPrelude {
    unsigned major = 1;
    std::uint64_t headerStart = 0;
    std::uint64_t headerLength = 0;
};

// What a .npy says about its array; dataStart is relative to the .npy's first byte.
struct NpyLayout {
    std::string descr;
    DType dtype = DType::F32;
    bool byteSwap = false; // big-endian elements of more than one byte
    bool fortranOrder = false;
    Shape shape;
    std::uint64_t numel = 0;
    std::uint64_t nbytes = 0;
    std::uint64_t dataStart = 0;
};

// Magic, version and header length. `bytes` are the first bytes of a .npy (file or entry,
// named by `container` in messages) whose whole size is `total`; `base` is the absolute
// offset of bytes[0] for messages. Throws InputError.
NpyPrelude readNpyPrelude(std::span<const std::uint8_t> bytes, std::uint64_t total,
                          std::string_view container, const std::string& file, std::uint64_t base);

// The header's layout, checked against the `total` bytes of the .npy. `bytes` are its first
// bytes, at least through the end of the header; `base` is the absolute offset of bytes[0]
// for messages. Throws InputError.
NpyLayout parseNpyHeader(std::span<const std::uint8_t> bytes, const NpyPrelude& prelude,
                         std::uint64_t total, const std::string& file, std::uint64_t base);

// Header text and entry names are bytes from the file: this keeps messages on one printable
// line, writing any other byte as \xNN.
std::string printableNpyText(std::string_view text);

} // namespace qs
