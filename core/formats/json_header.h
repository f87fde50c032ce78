#pragma once
// Strict JSON parsing of a header read from a model file: duplicate keys and invalid
// UTF-8 are refused (nlohmann alone would keep the last duplicate silently), and parse
// errors become one-line InputErrors with an absolute byte offset.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>

namespace qs {

nlohmann::json parseStrictJson(std::span<const std::uint8_t> text, const std::string& file,
                               std::uint64_t base);

// Text from a file made safe for a one-line message: control bytes and non-ASCII become
// '?', and anything past `limit` characters is cut.
std::string printable(std::string_view text, std::size_t limit = 120);

// Text from a file as valid UTF-8 for JSON output: each byte that does not start a
// well-formed sequence becomes U+FFFD.
std::string validUtf8(std::string_view text);

// Absolute offset of the n-th (1-based) occurrence of `"key"` in `text`, for pointing at a
// bad entry; `base` when it does not occur that often.
std::uint64_t findJsonKeyOffset(std::span<const std::uint8_t> text, const std::string& key,
                                std::uint64_t base, int occurrence = 1);

} // namespace qs
