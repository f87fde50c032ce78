#include "formats/zip_archive.h"

#include "common/byte_reader.h"
#include "common/error.h"

#include <algorithm>
#include <cstdio>
#include <set>
#include <zlib.h>

namespace qs {

namespace {
constexpr std::uint32_t kLocalHeaderSignature = 0x04034b50;
constexpr std::uint32_t kCentralHeaderSignature = 0x02014b50;
constexpr std::uint32_t kEndSignature = 0x06054b50;
constexpr std::uint32_t kZip64EndSignature = 0x06064b50;
constexpr std::uint32_t kZip64LocatorSignature = 0x07064b50;
constexpr std::uint16_t kZip64ExtraId = 0x0001;
constexpr std::uint64_t kEndRecordSize = 22;
constexpr std::uint64_t kMaxCommentSize = 0xffff;
constexpr std::uint64_t kLocatorSize = 20;
constexpr std::uint64_t kZip64EndSize = 56;
constexpr std::uint64_t kCentralHeaderSize = 46;
constexpr std::uint64_t kLocalHeaderSize = 30;
// Deflate's best case is a 258-byte match coded in about two bits: at most 1032:1, plus
// slack for a tiny stream. A declared size beyond that is a lie, usually a hostile one.
constexpr std::uint64_t kMaxDeflateRatio = 1032;
constexpr std::uint64_t kDeflateSlack = 1024;
// zlib counts in uInt; feed it at most this much at a time.
constexpr std::uint64_t kZlibChunk = 1u << 30;

// Entry names are bytes from the file: keep messages on one printable line.
std::string quotedName(const std::string& name)
{
    std::string text = "\"";
    for (unsigned char c : name) {
        if (c < 0x20 || c == 0x7f || c == '"' || c == '\\') {
            char escaped[8];
            std::snprintf(escaped, sizeof escaped, "\\x%02x", c);
            text += escaped;
        } else {
            text += static_cast<char>(c);
        }
    }
    return text + "\"";
}

std::string hex32(std::uint32_t value)
{
    char text[16];
    std::snprintf(text, sizeof text, "0x%08x", value);
    return text;
}

struct DirectoryLocation {
    std::uint64_t recordOffset = 0; // of the end record that described it, for messages
    std::uint64_t offset = 0;
    std::uint64_t size = 0;
    std::uint64_t entries = 0;
};

std::uint64_t findEndRecord(ByteReader& reader)
{
    const std::uint64_t size = reader.size();
    const std::uint64_t window = kEndRecordSize + kMaxCommentSize;
    const std::uint64_t searchStart = size > window ? size - window : 0;
    if (size >= kEndRecordSize) {
        for (std::uint64_t pos = size - kEndRecordSize + 1; pos-- > searchStart;) {
            reader.seek(pos, "end record candidate");
            if (reader.readLE<std::uint32_t>("end record signature") != kEndSignature)
                continue;
            reader.seek(pos + 20, "end record comment length");
            const auto commentLength = reader.readLE<std::uint16_t>("end record comment length");
            // The signature bytes may also occur inside a real record's comment; a true record
            // has its comment inside the file.
            if (pos + kEndRecordSize + commentLength <= size)
                return pos;
        }
    }
    reader.fail(searchStart, "no zip end-of-central-directory record in the last " +
                                 std::to_string(size - searchStart) +
                                 " bytes (not a zip archive, or truncated)");
}

// Replaces the classic end record's values by those of the ZIP64 end record, when a ZIP64
// locator sits right before the classic one.
bool readZip64End(ByteReader& reader, std::uint64_t endOffset, DirectoryLocation& location)
{
    if (endOffset < kLocatorSize)
        return false;
    const std::uint64_t locatorOffset = endOffset - kLocatorSize;
    reader.seek(locatorOffset, "ZIP64 locator");
    if (reader.readLE<std::uint32_t>("ZIP64 locator signature") != kZip64LocatorSignature)
        return false;
    const auto recordDisk = reader.readLE<std::uint32_t>("ZIP64 locator disk number");
    const auto recordOffset = reader.readLE<std::uint64_t>("ZIP64 end record offset");
    const auto totalDisks = reader.readLE<std::uint32_t>("ZIP64 locator disk count");
    if (recordDisk != 0 || totalDisks > 1)
        reader.fail(locatorOffset, "multi-disk zip archives are not supported");
    if (recordOffset > locatorOffset || locatorOffset - recordOffset < kZip64EndSize)
        reader.fail(locatorOffset, "ZIP64 end record offset " + std::to_string(recordOffset) +
                                       " does not leave room for the record before its locator");
    reader.seek(recordOffset, "ZIP64 end record");
    if (reader.readLE<std::uint32_t>("ZIP64 end record signature") != kZip64EndSignature)
        reader.fail(recordOffset,
                    "no ZIP64 end-of-central-directory record where the locator points");
    reader.take(12, "ZIP64 end record size and versions");
    const auto disk = reader.readLE<std::uint32_t>("ZIP64 disk number");
    const auto directoryDisk = reader.readLE<std::uint32_t>("ZIP64 central directory disk");
    const auto entriesHere = reader.readLE<std::uint64_t>("ZIP64 entries on this disk");
    location.entries = reader.readLE<std::uint64_t>("ZIP64 entry count");
    location.size = reader.readLE<std::uint64_t>("ZIP64 central directory size");
    location.offset = reader.readLE<std::uint64_t>("ZIP64 central directory offset");
    location.recordOffset = recordOffset;
    if (disk != 0 || directoryDisk != 0 || entriesHere != location.entries)
        reader.fail(recordOffset, "multi-disk zip archives are not supported");
    return true;
}

DirectoryLocation findDirectory(ByteReader& reader)
{
    const std::uint64_t endOffset = findEndRecord(reader);
    reader.seek(endOffset + 4, "end record");
    const auto disk = reader.readLE<std::uint16_t>("disk number");
    const auto directoryDisk = reader.readLE<std::uint16_t>("central directory disk");
    const auto entriesHere = reader.readLE<std::uint16_t>("entries on this disk");
    DirectoryLocation location;
    location.recordOffset = endOffset;
    location.entries = reader.readLE<std::uint16_t>("entry count");
    location.size = reader.readLE<std::uint32_t>("central directory size");
    location.offset = reader.readLE<std::uint32_t>("central directory offset");
    if (!readZip64End(reader, endOffset, location) &&
        (disk != 0 || directoryDisk != 0 || entriesHere != location.entries))
        reader.fail(endOffset, "multi-disk zip archives are not supported");

    std::uint64_t end = 0;
    if (__builtin_add_overflow(location.offset, location.size, &end) || end > reader.size())
        reader.fail(location.recordOffset,
                    "central directory (offset " + std::to_string(location.offset) + ", " +
                        std::to_string(location.size) + " bytes) lies past the end of the " +
                        std::to_string(reader.size()) + "-byte archive");
    // Checked before anything is sized by the count: each entry takes at least 46 bytes.
    if (location.entries > location.size / kCentralHeaderSize)
        reader.fail(location.recordOffset, "central directory of " + std::to_string(location.size) +
                                               " bytes cannot hold the " +
                                               std::to_string(location.entries) +
                                               " entries it declares");
    return location;
}

// Fields that hold 0xFFFFFFFF in the central directory live in the ZIP64 extra field, in
// this order: uncompressed size, compressed size, local header offset.
void applyZip64Extra(std::span<const std::uint8_t> extra, std::uint64_t extraOffset,
                     std::uint64_t headerOffset, const std::string& file, ZipEntry& entry,
                     bool needUncompressed, bool needCompressed, bool needOffset)
{
    if (!needUncompressed && !needCompressed && !needOffset)
        return;
    ByteReader reader(extra, file, extraOffset);
    while (reader.remaining() >= 4) {
        const auto id = reader.readLE<std::uint16_t>("extra field id");
        const auto length = reader.readLE<std::uint16_t>("extra field length");
        const auto blockOffset = reader.absolutePosition();
        const auto block = reader.take(length, "extra field block");
        if (id != kZip64ExtraId)
            continue;
        ByteReader fields(block, file, blockOffset);
        if (needUncompressed)
            entry.uncompressedSize = fields.readLE<std::uint64_t>("ZIP64 uncompressed size");
        if (needCompressed)
            entry.compressedSize = fields.readLE<std::uint64_t>("ZIP64 compressed size");
        if (needOffset)
            entry.localHeaderOffset = fields.readLE<std::uint64_t>("ZIP64 local header offset");
        return;
    }
    throw InputError(file, headerOffset,
                     "entry " + quotedName(entry.name) +
                         " has 0xFFFFFFFF sizes or offset but no ZIP64 extra field");
}

void checkDeclaredSizes(const ZipEntry& entry, std::uint64_t at, const std::string& file)
{
    if (entry.method == 0 && entry.compressedSize != entry.uncompressedSize)
        throw InputError(file, at,
                         "stored entry " + quotedName(entry.name) + " has compressed size " +
                             std::to_string(entry.compressedSize) + " but uncompressed size " +
                             std::to_string(entry.uncompressedSize));
    std::uint64_t limit = 0;
    if (entry.method == 8 &&
        !__builtin_mul_overflow(entry.compressedSize, kMaxDeflateRatio, &limit) &&
        !__builtin_add_overflow(limit, kDeflateSlack, &limit) && entry.uncompressedSize > limit)
        throw InputError(
            file, at,
            "entry " + quotedName(entry.name) + " declares " +
                std::to_string(entry.uncompressedSize) + " uncompressed bytes, more than its " +
                std::to_string(entry.compressedSize) + " deflated bytes can expand to (zip bomb?)");
}

// The local header repeats the name, and its own extra field decides where the data starts.
void locateData(ByteReader& archive, ZipEntry& entry, std::uint64_t headerOffset)
{
    const std::uint64_t size = archive.size();
    if (size < kLocalHeaderSize || entry.localHeaderOffset > size - kLocalHeaderSize)
        archive.fail(headerOffset, "local header of entry " + quotedName(entry.name) +
                                       " at offset " + std::to_string(entry.localHeaderOffset) +
                                       " lies past the end of the " + std::to_string(size) +
                                       "-byte archive");
    archive.seek(entry.localHeaderOffset, "local header");
    if (archive.readLE<std::uint32_t>("local header signature") != kLocalHeaderSignature)
        archive.fail(entry.localHeaderOffset, "no local file header for entry " +
                                                  quotedName(entry.name) + " at offset " +
                                                  std::to_string(entry.localHeaderOffset));
    archive.take(22, "local header fields");
    const auto nameLength = archive.readLE<std::uint16_t>("local name length");
    const auto extraLength = archive.readLE<std::uint16_t>("local extra field length");
    const auto localName = archive.take(nameLength, "local file name");
    if (std::string(localName.begin(), localName.end()) != entry.name)
        archive.fail(entry.localHeaderOffset,
                     "entry " + quotedName(entry.name) + " is named " +
                         quotedName(std::string(localName.begin(), localName.end())) +
                         " in its local header");
    archive.take(extraLength, "local extra field");
    entry.dataOffset = archive.position();
    if (entry.compressedSize > size - entry.dataOffset)
        archive.fail(entry.localHeaderOffset, "data of entry " + quotedName(entry.name) +
                                                  " (offset " + std::to_string(entry.dataOffset) +
                                                  ", " + std::to_string(entry.compressedSize) +
                                                  " bytes) lies past the end of the " +
                                                  std::to_string(size) + "-byte archive");
}

ZipEntry readCentralEntry(ByteReader& directory, ByteReader& archive, const std::string& file)
{
    const std::uint64_t headerOffset = directory.absolutePosition();
    if (directory.readLE<std::uint32_t>("central directory entry signature") !=
        kCentralHeaderSignature)
        directory.fail(directory.position() - 4, "bad central directory entry signature");
    directory.take(4, "version fields");
    ZipEntry entry;
    const auto flags = directory.readLE<std::uint16_t>("flags");
    entry.method = directory.readLE<std::uint16_t>("compression method");
    directory.take(4, "modification time");
    entry.crc32 = directory.readLE<std::uint32_t>("CRC-32");
    entry.compressedSize = directory.readLE<std::uint32_t>("compressed size");
    entry.uncompressedSize = directory.readLE<std::uint32_t>("uncompressed size");
    const auto nameLength = directory.readLE<std::uint16_t>("name length");
    const auto extraLength = directory.readLE<std::uint16_t>("extra field length");
    const auto commentLength = directory.readLE<std::uint16_t>("comment length");
    directory.take(8, "disk and attributes");
    entry.localHeaderOffset = directory.readLE<std::uint32_t>("local header offset");
    const auto name = directory.take(nameLength, "entry name");
    entry.name.assign(name.begin(), name.end());
    const std::uint64_t extraOffset = directory.absolutePosition();
    const auto extra = directory.take(extraLength, "extra field");
    directory.take(commentLength, "entry comment");

    applyZip64Extra(extra, extraOffset, headerOffset, file, entry,
                    entry.uncompressedSize == 0xffffffff, entry.compressedSize == 0xffffffff,
                    entry.localHeaderOffset == 0xffffffff);
    if (flags & 1)
        throw InputError(file, headerOffset, "entry " + quotedName(entry.name) + " is encrypted");
    checkDeclaredSizes(entry, headerOffset, file);
    locateData(archive, entry, headerOffset);
    return entry;
}

class InflateStream {
public:
    InflateStream()
    {
        if (inflateInit2(&stream_, -MAX_WBITS) != Z_OK)
            throw Error("zlib: cannot initialise inflate");
    }
    ~InflateStream() { inflateEnd(&stream_); }
    InflateStream(const InflateStream&) = delete;
    InflateStream& operator=(const InflateStream&) = delete;
    z_stream* get() { return &stream_; }

private:
    z_stream stream_{};
};

// Inflates the entry's stream until `out` is full; a stream that ends sooner is an error.
// With `toEnd` (the whole entry) the stream must also end right there; without it (a
// prefix) the rest of the stream is never inflated.
void inflateInto(std::span<const std::uint8_t> compressed, const ZipEntry& entry,
                 const std::string& file, std::span<std::uint8_t> out, bool toEnd)
{
    InflateStream inflater;
    z_stream* stream = inflater.get();
    std::uint64_t consumed = 0;
    std::uint64_t produced = 0;
    // Once `out` is full, output goes here: any byte landing in it is one too many.
    std::uint8_t overflow = 0;
    for (;;) {
        const bool full = produced == out.size();
        if (full && !toEnd)
            break;
        const auto inChunk = std::min(compressed.size() - consumed, kZlibChunk);
        const auto outChunk = full ? 1 : std::min(out.size() - produced, kZlibChunk);
        stream->next_in = const_cast<Bytef*>(compressed.data() + consumed);
        stream->avail_in = static_cast<uInt>(inChunk);
        stream->next_out = full ? &overflow : out.data() + produced;
        stream->avail_out = static_cast<uInt>(outChunk);
        const int status = inflate(stream, Z_NO_FLUSH);
        consumed += inChunk - stream->avail_in;
        const std::uint64_t written = outChunk - stream->avail_out;
        if (full && written > 0)
            throw InputError(file, entry.dataOffset,
                             "entry " + quotedName(entry.name) + " inflates to more than its " +
                                 std::to_string(entry.uncompressedSize) + " declared bytes");
        produced += full ? 0 : written;
        if (status == Z_STREAM_END)
            break;
        if (status == Z_OK)
            continue;
        if (status == Z_MEM_ERROR)
            throw Error("zlib: out of memory while inflating");
        // Input and output space were both offered: no progress means the input ran out.
        if (status == Z_BUF_ERROR)
            throw InputError(file, entry.dataOffset + consumed,
                             "entry " + quotedName(entry.name) +
                                 ": deflate stream is truncated after " + std::to_string(produced) +
                                 " bytes");
        throw InputError(file, entry.dataOffset + consumed,
                         "entry " + quotedName(entry.name) + ": corrupt deflate data (" +
                             (stream->msg ? stream->msg : "unknown error") + ")");
    }
    if (produced != out.size())
        throw InputError(file, entry.dataOffset,
                         "entry " + quotedName(entry.name) + ": deflate stream ends after " +
                             std::to_string(produced) + " bytes, short of the declared " +
                             std::to_string(entry.uncompressedSize));
}

// The entry's stored or deflated bytes, once its method and declared sizes are known to be
// ones we can honour.
std::span<const std::uint8_t> entryData(std::span<const std::uint8_t> archive,
                                        const ZipEntry& entry, const std::string& file)
{
    if (entry.dataOffset > archive.size() ||
        entry.compressedSize > archive.size() - entry.dataOffset)
        throw InputError(file, entry.localHeaderOffset,
                         "data of entry " + quotedName(entry.name) + " lies past the end of the " +
                             std::to_string(archive.size()) + "-byte archive");
    if (entry.method != 0 && entry.method != 8)
        throw InputError(file, entry.localHeaderOffset,
                         "entry " + quotedName(entry.name) +
                             ": unsupported zip compression method " +
                             std::to_string(entry.method));
    checkDeclaredSizes(entry, entry.localHeaderOffset, file);
    return archive.subspan(entry.dataOffset, entry.compressedSize);
}
} // namespace

namespace {
// Two entries sharing bytes is how "zip bombs" multiply their output and how a crafted
// archive shows different data to different readers; no writer of model files does it.
void refuseOverlaps(const std::vector<ZipEntry>& entries, const std::string& file)
{
    std::vector<const ZipEntry*> byOffset;
    for (const ZipEntry& entry : entries)
        byOffset.push_back(&entry);
    std::sort(byOffset.begin(), byOffset.end(), [](const ZipEntry* a, const ZipEntry* b) {
        return a->localHeaderOffset < b->localHeaderOffset;
    });
    for (std::size_t i = 1; i < byOffset.size(); ++i) {
        const ZipEntry& previous = *byOffset[i - 1];
        const ZipEntry& next = *byOffset[i];
        if (previous.dataOffset + previous.compressedSize > next.localHeaderOffset)
            throw InputError(file, next.localHeaderOffset,
                             "zip entries " + quotedName(previous.name) + " and " +
                                 quotedName(next.name) + " overlap");
    }
}
} // namespace

std::vector<ZipEntry> readZipDirectory(std::span<const std::uint8_t> archive,
                                       const std::string& file)
{
    ByteReader reader(archive, file);
    const DirectoryLocation location = findDirectory(reader);
    ByteReader directory(archive.subspan(location.offset, location.size), file, location.offset);
    std::vector<ZipEntry> entries;
    entries.reserve(location.entries);
    std::set<std::string> names;
    for (std::uint64_t i = 0; i < location.entries; ++i) {
        const std::uint64_t headerOffset = directory.absolutePosition();
        ZipEntry entry = readCentralEntry(directory, reader, file);
        if (!names.insert(entry.name).second)
            throw InputError(file, headerOffset,
                             "duplicate zip entry name " + quotedName(entry.name));
        entries.push_back(std::move(entry));
    }
    refuseOverlaps(entries, file);
    return entries;
}

std::span<const std::uint8_t> extractZipEntry(std::span<const std::uint8_t> archive,
                                              const ZipEntry& entry, const std::string& file,
                                              std::vector<std::uint8_t>& buffer)
{
    std::span<const std::uint8_t> data = entryData(archive, entry, file);
    if (entry.method == 8) {
        buffer.resize(entry.uncompressedSize);
        inflateInto(data, entry, file, buffer, true);
        data = buffer;
    }
    const auto crc = static_cast<std::uint32_t>(crc32_z(0, data.data(), data.size()));
    if (crc != entry.crc32)
        throw InputError(file, entry.dataOffset,
                         "entry " + quotedName(entry.name) + ": CRC-32 mismatch (stored " +
                             hex32(entry.crc32) + ", computed " + hex32(crc) + ")");
    return data;
}

std::vector<std::uint8_t> inflateZipEntryPrefix(std::span<const std::uint8_t> archive,
                                                const ZipEntry& entry, const std::string& file,
                                                std::size_t maxBytes)
{
    const auto data = entryData(archive, entry, file);
    const auto size = std::min<std::uint64_t>(maxBytes, entry.uncompressedSize);
    if (entry.method == 0)
        return {data.begin(), data.begin() + static_cast<std::ptrdiff_t>(size)};
    std::vector<std::uint8_t> prefix(size);
    inflateInto(data, entry, file, prefix, false);
    return prefix;
}

} // namespace qs
