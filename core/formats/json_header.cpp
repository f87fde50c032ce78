#include "formats/json_header.h"

#include "common/error.h"

#include <algorithm>
#include <set>
#include <string_view>
#include <vector>

namespace qs {

namespace {
// nlohmann's messages can quote raw input; keep the one-line error printable.
std::string withoutExceptionTag(const std::string& what)
{
    // "[json.exception.parse_error.101] parse error at ...": keep what follows the tag.
    const auto close = what.find("] ");
    return printable(close == std::string::npos ? what : what.substr(close + 2));
}
} // namespace

std::string printable(std::string_view text, std::size_t limit)
{
    std::string out;
    for (char c : text.substr(0, limit))
        out += (c >= 0x20 && c < 0x7f) ? c : '?';
    if (text.size() > limit)
        out += "...";
    return out;
}

namespace {
// Length of the well-formed UTF-8 sequence at text[i], or 0 (RFC 3629: no overlongs, no
// surrogates, nothing above U+10FFFF).
std::size_t utf8SequenceLength(std::string_view text, std::size_t i)
{
    const auto byte = [&](std::size_t k) {
        return static_cast<unsigned char>(text[k]);
    };
    const unsigned char lead = byte(i);
    if (lead < 0x80)
        return 1;
    std::size_t length;
    unsigned char low = 0x80, high = 0xbf; // allowed range of the second byte
    if (lead >= 0xc2 && lead <= 0xdf)
        length = 2;
    else if (lead >= 0xe0 && lead <= 0xef) {
        length = 3;
        if (lead == 0xe0)
            low = 0xa0;
        if (lead == 0xed)
            high = 0x9f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
        length = 4;
        if (lead == 0xf0)
            low = 0x90;
        if (lead == 0xf4)
            high = 0x8f;
    } else
        return 0;
    if (i + length > text.size() || byte(i + 1) < low || byte(i + 1) > high)
        return 0;
    for (std::size_t k = 2; k < length; ++k)
        if ((byte(i + k) & 0xc0) != 0x80)
            return 0;
    return length;
}
} // namespace

std::string validUtf8(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        const std::size_t length = utf8SequenceLength(text, i);
        if (length == 0) {
            out += "\xEF\xBF\xBD";
            ++i;
        } else {
            out.append(text.substr(i, length));
            i += length;
        }
    }
    return out;
}

nlohmann::json parseStrictJson(std::span<const std::uint8_t> text, const std::string& file,
                               std::uint64_t base)
{
    std::vector<std::set<std::string>> openObjects;
    std::string duplicate;
    auto callback = [&](int, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
        using Event = nlohmann::json::parse_event_t;
        if (event == Event::object_start)
            openObjects.emplace_back();
        else if (event == Event::object_end && !openObjects.empty())
            openObjects.pop_back();
        else if (event == Event::key && !openObjects.empty() && duplicate.empty()) {
            const auto& key = parsed.get_ref<const std::string&>();
            if (!openObjects.back().insert(key).second)
                duplicate = key;
        }
        return true;
    };
    nlohmann::json parsed;
    try {
        parsed = nlohmann::json::parse(text.begin(), text.end(), callback);
    } catch (const nlohmann::json::parse_error& error) {
        const std::uint64_t at = error.byte > 0 ? error.byte - 1 : 0;
        throw InputError(file, base + at,
                         "invalid JSON header: " + withoutExceptionTag(error.what()));
    } catch (const nlohmann::json::exception& error) {
        // e.g. a number too large for a double ("1e400"): also a malformed header.
        throw InputError(file, base, "invalid JSON header: " + withoutExceptionTag(error.what()));
    }
    if (!duplicate.empty())
        throw InputError(file, findJsonKeyOffset(text, duplicate, base, 2),
                         "duplicate key \"" + printable(duplicate) + "\" in JSON header");
    return parsed;
}

std::uint64_t findJsonKeyOffset(std::span<const std::uint8_t> text, const std::string& key,
                                std::uint64_t base, int occurrence)
{
    const std::string needle = "\"" + key + "\"";
    auto from = text.begin();
    for (int seen = 0;; ++seen) {
        const auto hit = std::search(from, text.end(), needle.begin(), needle.end());
        if (hit == text.end())
            return base;
        if (seen + 1 == occurrence)
            return base + static_cast<std::uint64_t>(hit - text.begin());
        from = hit + 1;
    }
}

} // namespace qs
