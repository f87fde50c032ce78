#pragma once
// Minimal read-only ZIP (and ZIP64) directory reader for .npz archives: lists entries from
// the central directory and extracts one entry, or its first bytes (stored, or deflated
// through zlib) with every size and offset checked against the file.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace qs {

struct ZipEntry {
    std::string name;
    std::uint16_t method = 0; // 0 stored, 8 deflated
    std::uint32_t crc32 = 0;
    std::uint64_t compressedSize = 0;
    std::uint64_t uncompressedSize = 0;
    std::uint64_t localHeaderOffset = 0;
    std::uint64_t dataOffset = 0; // absolute offset of the entry's (compressed) bytes
};

// Reads the central directory. Throws InputError (file, byte offset, problem).
std::vector<ZipEntry> readZipDirectory(std::span<const std::uint8_t> archive,
                                       const std::string& file);

// The entry's bytes: a view into `archive` when stored, else inflated into `buffer`
// (never larger than the declared uncompressed size; the CRC is checked).
std::span<const std::uint8_t> extractZipEntry(std::span<const std::uint8_t> archive,
                                              const ZipEntry& entry, const std::string& file,
                                              std::vector<std::uint8_t>& buffer);

// The entry's first `maxBytes` bytes (all of them if it is shorter), inflated no further, for
// reading a member's header without its data. The CRC covers the whole entry: not checked.
std::vector<std::uint8_t> inflateZipEntryPrefix(std::span<const std::uint8_t> archive,
                                                const ZipEntry& entry, const std::string& file,
                                                std::size_t maxBytes);

} // namespace qs
