#include "formats/npy_header.h"

#include "common/byte_reader.h"
#include "common/error.h"
#include "formats/model_file.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <optional>
#include <utility>
#include <vector>

namespace qs {

namespace {
constexpr std::uint64_t kMaxHeaderBytes = 1ull << 20;
// Deeper nesting than any dtype needs is refused before it can exhaust the stack, and
// longer tuples than any shape needs (numpy allows 64 dimensions) before they fill memory.
constexpr int kMaxNesting = 32;
constexpr std::size_t kMaxSequenceItems = 1024;

// A value of the Python literal subset npy headers are written in.
struct PyValue {
    enum class Kind { String, Bool, Int, Tuple, List };
    Kind kind = Kind::Int;
    std::string text;            // String
    bool boolean = false;        // Bool
    bool negative = false;       // Int
    bool tooLarge = false;       // Int beyond 64 bits
    std::uint64_t magnitude = 0; // Int
    std::vector<PyValue> items;  // Tuple, List
    std::uint64_t begin = 0;     // source range, relative to the header text
    std::uint64_t end = 0;
};

// A strict parser of the dict literal numpy writes: strings, True, False, integers, tuples
// and lists, nothing else. numpy itself hands the header to ast.literal_eval; we accept
// the subset that can describe an array and refuse the rest by name and offset.
class LiteralParser {
public:
    LiteralParser(std::span<const std::uint8_t> text, const std::string& file, std::uint64_t base)
        : text_(text)
        , file_(file)
        , base_(base)
    {
    }

    std::vector<std::pair<PyValue, PyValue>> parseDict();
    // The value as written, shortened so that a hostile header cannot flood a message.
    std::string source(const PyValue& value) const
    {
        constexpr std::uint64_t kLongest = 80;
        const std::uint64_t length = std::min(value.end - value.begin, kLongest);
        return printableNpyText(std::string_view(
                   reinterpret_cast<const char*>(text_.data()) + value.begin, length)) +
               (value.end - value.begin > kLongest ? "..." : "");
    }
    [[noreturn]] void fail(std::uint64_t position, const std::string& problem) const
    {
        throw InputError(file_, base_ + position, problem);
    }

private:
    void skipSpace()
    {
        while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                       text_[pos_] == '\n' || text_[pos_] == '\r'))
            ++pos_;
    }
    char peek() const
    {
        if (pos_ >= text_.size())
            fail(pos_, "npy header ends before its dict is complete");
        return static_cast<char>(text_[pos_]);
    }
    std::string found() const
    {
        if (pos_ >= text_.size())
            return "the end of the header";
        // Built by appending: GCC 12 at -O3 warns (falsely, -Wrestrict) on "'" + temporary.
        std::string quoted(1, '\'');
        quoted +=
            printableNpyText(std::string_view(reinterpret_cast<const char*>(&text_[pos_]), 1));
        quoted += '\'';
        return quoted;
    }
    PyValue parseValue(int depth);
    PyValue parseString();
    PyValue parseInteger();
    PyValue parseWord();
    PyValue parseSequence(int depth);

    std::span<const std::uint8_t> text_;
    const std::string& file_;
    std::uint64_t base_ = 0;
    std::uint64_t pos_ = 0;
};

std::vector<std::pair<PyValue, PyValue>> LiteralParser::parseDict()
{
    std::vector<std::pair<PyValue, PyValue>> items;
    skipSpace();
    if (peek() != '{')
        fail(pos_, "npy header: expected '{' to open the header dict, found " + found());
    ++pos_;
    skipSpace();
    if (peek() == '}')
        ++pos_;
    else
        for (;;) {
            PyValue key = parseValue(1);
            if (key.kind != PyValue::Kind::String)
                fail(key.begin, "npy header: dict key " + source(key) + " is not a string");
            skipSpace();
            if (peek() != ':')
                fail(pos_,
                     "npy header: expected ':' after key " + source(key) + ", found " + found());
            ++pos_;
            PyValue value = parseValue(1);
            items.emplace_back(std::move(key), std::move(value));
            skipSpace();
            const char next = peek();
            if (next == '}') {
                ++pos_;
                break;
            }
            if (next != ',')
                fail(pos_, "npy header: expected ',' or '}' in the header dict, found " + found());
            ++pos_;
            skipSpace();
            if (peek() == '}') {
                ++pos_;
                break;
            }
        }
    skipSpace();
    if (pos_ != text_.size())
        fail(pos_, "npy header: unexpected " + found() + " after the header dict");
    return items;
}

PyValue LiteralParser::parseValue(int depth)
{
    if (depth > kMaxNesting)
        fail(pos_,
             "npy header: values nest more than " + std::to_string(kMaxNesting) + " levels deep");
    skipSpace();
    const char c = peek();
    if (c == '\'' || c == '"')
        return parseString();
    if (c == '(' || c == '[')
        return parseSequence(depth);
    if (c == '-' || (c >= '0' && c <= '9'))
        return parseInteger();
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_')
        return parseWord();
    fail(pos_, "npy header: unexpected " + found());
}

PyValue LiteralParser::parseString()
{
    PyValue value;
    value.kind = PyValue::Kind::String;
    value.begin = pos_;
    const std::uint8_t quote = text_[pos_++];
    while (pos_ < text_.size() && text_[pos_] != quote) {
        if (text_[pos_] == '\\')
            fail(pos_, "npy header: escape sequences in strings are not supported");
        if (text_[pos_] == '\n')
            break;
        value.text += static_cast<char>(text_[pos_++]);
    }
    if (pos_ >= text_.size() || text_[pos_] != quote)
        fail(value.begin, "npy header: unterminated string");
    value.end = ++pos_;
    return value;
}

PyValue LiteralParser::parseInteger()
{
    PyValue value;
    value.begin = pos_;
    if (text_[pos_] == '-') {
        value.negative = true;
        ++pos_;
    }
    const std::uint64_t digits = pos_;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
        const unsigned digit = text_[pos_++] - '0';
        if (__builtin_mul_overflow(value.magnitude, 10u, &value.magnitude) ||
            __builtin_add_overflow(value.magnitude, digit, &value.magnitude))
            value.tooLarge = true;
    }
    // Python 2 spelled long integers "3L"; numpy still reads such files.
    if (pos_ > digits && pos_ < text_.size() && text_[pos_] == 'L')
        ++pos_;
    const bool trailing = pos_ < text_.size() &&
                          (std::isalnum(text_[pos_]) || text_[pos_] == '.' || text_[pos_] == '_');
    if (pos_ == digits || trailing) {
        while (pos_ < text_.size() && (std::isalnum(text_[pos_]) || text_[pos_] == '.' ||
                                       text_[pos_] == '_' || text_[pos_] == '+'))
            ++pos_;
        value.end = pos_;
        fail(value.begin, "npy header: unsupported number " + source(value) +
                              " (only decimal integers are allowed)");
    }
    value.end = pos_;
    return value;
}

PyValue LiteralParser::parseWord()
{
    PyValue value;
    value.begin = pos_;
    while (pos_ < text_.size() && (std::isalnum(text_[pos_]) || text_[pos_] == '_'))
        ++pos_;
    value.end = pos_;
    const std::string word = source(value);
    if (word != "True" && word != "False")
        fail(value.begin, "npy header: unsupported value '" + word +
                              "' (only strings, True, False, integers, tuples and lists are "
                              "allowed)");
    value.kind = PyValue::Kind::Bool;
    value.boolean = word == "True";
    return value;
}

PyValue LiteralParser::parseSequence(int depth)
{
    PyValue value;
    value.begin = pos_;
    const bool tuple = text_[pos_++] == '(';
    value.kind = tuple ? PyValue::Kind::Tuple : PyValue::Kind::List;
    const char close = tuple ? ')' : ']';
    const std::string what = tuple ? "a tuple" : "a list";
    bool sawComma = false;
    skipSpace();
    if (peek() == close) {
        value.end = ++pos_;
        return value;
    }
    for (;;) {
        if (value.items.size() == kMaxSequenceItems)
            fail(pos_, "npy header: " + what + " of more than " +
                           std::to_string(kMaxSequenceItems) + " items");
        value.items.push_back(parseValue(depth + 1));
        skipSpace();
        const char next = peek();
        if (next == close) {
            ++pos_;
            break;
        }
        if (next != ',')
            fail(pos_, "npy header: expected ',' or '" + std::string(1, close) + "' in " + what +
                           ", found " + found());
        ++pos_;
        sawComma = true;
        skipSpace();
        if (peek() == close) {
            ++pos_;
            break;
        }
    }
    value.end = pos_;
    // As in Python, "(12)" is the integer 12 in parentheses, not a tuple.
    if (tuple && !sawComma) {
        PyValue inner = std::move(value.items.front());
        inner.begin = value.begin;
        inner.end = value.end;
        return inner;
    }
    return value;
}

// Offset of the first byte that breaks UTF-8, if any (version 3 headers are UTF-8).
std::optional<std::size_t> invalidUtf8(std::span<const std::uint8_t> text)
{
    for (std::size_t i = 0; i < text.size();) {
        const std::uint8_t lead = text[i];
        std::size_t length = 1;
        std::uint32_t codePoint = lead;
        std::uint32_t smallest = 0;
        if (lead < 0x80) {
            ++i;
            continue;
        }
        if ((lead & 0xe0) == 0xc0)
            length = 2, codePoint = lead & 0x1f, smallest = 0x80;
        else if ((lead & 0xf0) == 0xe0)
            length = 3, codePoint = lead & 0x0f, smallest = 0x800;
        else if ((lead & 0xf8) == 0xf0)
            length = 4, codePoint = lead & 0x07, smallest = 0x10000;
        else
            return i;
        if (text.size() - i < length)
            return i;
        for (std::size_t k = 1; k < length; ++k) {
            if ((text[i + k] & 0xc0) != 0x80)
                return i;
            codePoint = (codePoint << 6) | (text[i + k] & 0x3f);
        }
        if (codePoint < smallest || codePoint > 0x10ffff ||
            (codePoint >= 0xd800 && codePoint <= 0xdfff))
            return i;
        i += length;
    }
    return std::nullopt;
}

std::string pythonShape(const Shape& shape)
{
    std::string text = "(";
    for (std::size_t i = 0; i < shape.size(); ++i)
        text += (i ? ", " : "") + std::to_string(shape[i]);
    return text + (shape.size() == 1 ? ",)" : ")");
}

struct DescrRow {
    char kind;
    char size;
    DType type;
};

constexpr DescrRow kDescrRows[] = {
    {'f', '2', DType::F16}, {'f', '4', DType::F32}, {'f', '8', DType::F64}, {'i', '1', DType::I8},
    {'i', '2', DType::I16}, {'i', '4', DType::I32}, {'i', '8', DType::I64}, {'u', '1', DType::U8},
    {'u', '2', DType::U16}, {'u', '4', DType::U32}, {'u', '8', DType::U64}, {'b', '1', DType::Bool},
};

// '<f4', '>i2', '|u1', '=f8': byte order, kind, size. Our hosts are little-endian, so '='
// (native) means '<'. numpy writes '|' only where byte order does not apply (one byte).
bool parseDescr(const std::string& descr, NpyLayout& layout)
{
    if (descr.size() != 3)
        return false;
    const char order = descr[0];
    for (const DescrRow& row : kDescrRows) {
        if (descr[1] != row.kind || descr[2] != row.size)
            continue;
        const bool single = row.size == '1';
        if (!(order == '<' || order == '>' || order == '=' || (order == '|' && single)))
            return false;
        layout.dtype = row.type;
        layout.byteSwap = order == '>' && !single;
        return true;
    }
    return false;
}

void readShape(const LiteralParser& parser, const PyValue& shape, NpyLayout& layout)
{
    if (shape.kind != PyValue::Kind::Tuple) {
        const bool parenthesised =
            shape.kind == PyValue::Kind::Int && parser.source(shape)[0] == '(';
        parser.fail(shape.begin, "'shape' must be a tuple of integers, found " +
                                     parser.source(shape) +
                                     (parenthesised ? " (a one-element tuple needs a trailing "
                                                      "comma)"
                                                    : ""));
    }
    for (const PyValue& dim : shape.items) {
        if (dim.kind != PyValue::Kind::Int)
            parser.fail(dim.begin, "shape entry " + parser.source(dim) + " is not an integer");
        if (dim.negative && dim.magnitude != 0)
            parser.fail(dim.begin, "negative dimension " + parser.source(dim) + " in shape " +
                                       parser.source(shape));
        if (dim.tooLarge || dim.magnitude > static_cast<std::uint64_t>(INT64_MAX))
            parser.fail(dim.begin, "dimension " + parser.source(dim) + " in shape " +
                                       parser.source(shape) + " does not fit in 64 bits");
        layout.shape.push_back(static_cast<std::int64_t>(dim.magnitude));
    }
    if (!checkedNumel(layout.shape, layout.numel))
        parser.fail(shape.begin, "shape " + pythonShape(layout.shape) +
                                     " has more elements than 64 bits can count");
}

// Interprets the header dict; `base` is the absolute offset of `header` for messages.
NpyLayout parseHeaderDict(std::span<const std::uint8_t> header, unsigned major,
                          const std::string& file, std::uint64_t base)
{
    if (major >= 3)
        if (const auto bad = invalidUtf8(header))
            throw InputError(file, base + *bad, "npy header is not valid UTF-8");
    LiteralParser parser(header, file, base);
    const auto items = parser.parseDict();
    const PyValue* descr = nullptr;
    const PyValue* fortran = nullptr;
    const PyValue* shape = nullptr;
    for (const auto& [key, value] : items) {
        const PyValue** slot = key.text == "descr"           ? &descr
                               : key.text == "fortran_order" ? &fortran
                               : key.text == "shape"         ? &shape
                                                             : nullptr;
        if (!slot)
            parser.fail(key.begin, "unexpected key " + parser.source(key) + " in the npy header");
        if (*slot)
            parser.fail(key.begin, "duplicate key " + parser.source(key) + " in the npy header");
        *slot = &value;
    }
    for (const auto& [name, value] :
         {std::pair{"descr", descr}, std::pair{"fortran_order", fortran},
          std::pair{"shape", shape}})
        if (!value)
            parser.fail(0, std::string("npy header lacks the '") + name + "' key");

    NpyLayout layout;
    if (descr->kind == PyValue::Kind::List)
        parser.fail(descr->begin, "unsupported npy dtype " + parser.source(*descr) +
                                      " (structured arrays are not supported)");
    if (descr->kind != PyValue::Kind::String)
        parser.fail(descr->begin, "'descr' must be a string, found " + parser.source(*descr));
    layout.descr = descr->text;
    if (!parseDescr(layout.descr, layout)) {
        const bool object = layout.descr.find('O') != std::string::npos;
        parser.fail(descr->begin, "unsupported npy dtype '" + printableNpyText(layout.descr) + "'" +
                                      (object ? " (object arrays are pickled Python objects, "
                                                "which are never loaded)"
                                              : ""));
    }
    if (fortran->kind != PyValue::Kind::Bool)
        parser.fail(fortran->begin,
                    "'fortran_order' must be True or False, found " + parser.source(*fortran));
    layout.fortranOrder = fortran->boolean;
    readShape(parser, *shape, layout);
    if (__builtin_mul_overflow(layout.numel, dtypeSize(layout.dtype), &layout.nbytes))
        parser.fail(shape->begin, "shape " + pythonShape(layout.shape) + " of '" + layout.descr +
                                      "' needs more bytes than 64 bits can count");
    return layout;
}
} // namespace

std::string printableNpyText(std::string_view text)
{
    std::string out;
    for (unsigned char c : text) {
        if (c < 0x20 || c >= 0x7f) {
            char escaped[8];
            std::snprintf(escaped, sizeof escaped, "\\x%02x", c);
            out += escaped;
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

NpyPrelude readNpyPrelude(std::span<const std::uint8_t> bytes, std::uint64_t total,
                          std::string_view container, const std::string& file, std::uint64_t base)
{
    ByteReader reader(bytes, file, base);
    const auto magic = reader.take(6, "the npy magic string");
    if (std::memcmp(magic.data(), "\x93NUMPY", 6) != 0)
        reader.fail(0, "not an npy array: bad magic string");
    const auto version = reader.take(2, "the format version");
    if (version[0] < 1 || version[0] > 3 || version[1] != 0)
        reader.fail(6, "unsupported npy format version " + std::to_string(version[0]) + "." +
                           std::to_string(version[1]) + " (expected 1.0, 2.0 or 3.0)");
    NpyPrelude prelude;
    prelude.major = version[0];
    prelude.headerLength = prelude.major == 1
                               ? reader.readLE<std::uint16_t>("the 2-byte header length")
                               : reader.readLE<std::uint32_t>("the 4-byte header length");
    prelude.headerStart = reader.position();
    if (prelude.headerLength > kMaxHeaderBytes)
        reader.fail(8, "header length " + std::to_string(prelude.headerLength) +
                           " exceeds the 1 MB limit");
    if (prelude.headerLength > total - prelude.headerStart)
        reader.fail(8, "header length " + std::to_string(prelude.headerLength) +
                           " runs past the end of the " + std::string(container) + ": only " +
                           std::to_string(total - prelude.headerStart) + " bytes follow it");
    return prelude;
}

NpyLayout parseNpyHeader(std::span<const std::uint8_t> bytes, const NpyPrelude& prelude,
                         std::uint64_t total, const std::string& file, std::uint64_t base)
{
    ByteReader reader(bytes, file, base);
    reader.seek(prelude.headerStart, "npy header");
    const auto header = reader.take(prelude.headerLength, "npy header");
    NpyLayout layout = parseHeaderDict(header, prelude.major, file, base + prelude.headerStart);
    layout.dataStart = prelude.headerStart + prelude.headerLength;
    const std::uint64_t available = total - layout.dataStart;
    if (available != layout.nbytes)
        throw InputError(
            file, base + layout.dataStart,
            std::string(available < layout.nbytes ? "data truncated: " : "trailing data: ") +
                "shape " + pythonShape(layout.shape) + " of '" + layout.descr + "' needs " +
                std::to_string(layout.nbytes) + " bytes but " +
                (available < layout.nbytes ? "only " : "") + std::to_string(available) +
                " follow the header");
    return layout;
}

} // namespace qs
