#pragma once
// The only way parsers touch file bytes: a cursor over a span that cannot read past its
// end and names the file and absolute byte offset in every error it raises.

#include "common/error.h"

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

namespace qs {

class ByteReader {
public:
    // `base` is the absolute file offset of bytes[0], used in messages.
    ByteReader(std::span<const std::uint8_t> bytes, std::string file, std::uint64_t base = 0)
        : bytes_(bytes)
        , file_(std::move(file))
        , base_(base)
    {
    }

    std::uint64_t position() const { return pos_; }
    std::uint64_t absolutePosition() const { return base_ + pos_; }
    std::uint64_t remaining() const { return bytes_.size() - pos_; }
    std::uint64_t size() const { return bytes_.size(); }
    const std::string& file() const { return file_; }

    void seek(std::uint64_t position, std::string_view what)
    {
        if (position > bytes_.size())
            fail(position, std::string(what) + " lies past the end of the data");
        pos_ = position;
    }

    // Checks that `count` more bytes exist; the message names what was expected there.
    void require(std::uint64_t count, std::string_view what) const
    {
        if (count > remaining())
            fail(pos_, "truncated: " + std::string(what) + " needs " + std::to_string(count) +
                           " bytes, " + std::to_string(remaining()) + " remain");
    }

    std::span<const std::uint8_t> take(std::uint64_t count, std::string_view what)
    {
        require(count, what);
        auto out = bytes_.subspan(pos_, count);
        pos_ += count;
        return out;
    }

    template <typename T> T readLE(std::string_view what)
    {
        static_assert(std::is_trivially_copyable_v<T>);
        auto raw = take(sizeof(T), what);
        T value;
        std::memcpy(&value, raw.data(), sizeof(T)); // x86-64 and aarch64 Linux are little-endian
        return value;
    }

    [[noreturn]] void fail(std::uint64_t position, const std::string& problem) const
    {
        throw InputError(file_, base_ + position, problem);
    }

private:
    std::span<const std::uint8_t> bytes_;
    std::string file_;
    std::uint64_t base_ = 0;
    std::uint64_t pos_ = 0;
};

} // namespace qs
