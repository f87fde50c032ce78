#include "formats/numpy_reader.h"

#include "common/byte_reader.h"
#include "common/error.h"
#include "common/mapped_file.h"
#include "formats/zip_archive.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>
#include <zlib.h>

namespace qs {

namespace {
// Magic, version and a 4-byte header length: the most we need before the header length
// is known.
constexpr std::uint64_t kLongestPrelude = 12;
constexpr std::uint64_t kZlibChunk = 1u << 30;
constexpr std::uint64_t kMaxHeaderBytes = 1ull << 20;
// Deeper nesting than any dtype needs is refused before it can exhaust the stack, and
// longer tuples than any shape needs (numpy allows 64 dimensions) before they fill memory.
constexpr int kMaxNesting = 32;
constexpr std::size_t kMaxSequenceItems = 1024;

// Header text and entry names are bytes from the file: keep messages on one printable line.
std::string printableText(std::string_view text)
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

std::string quotedName(const std::string& name)
{
    return "\"" + printableText(name) + "\"";
}

// What a .npy says about its array; dataStart is relative to the .npy's first byte.
struct NpyLayout {
    std::string descr;
    DType dtype = DType::F32;
    bool byteSwap = false;
    bool fortranOrder = false;
    Shape shape;
    std::uint64_t numel = 0;
    std::uint64_t nbytes = 0;
    std::uint64_t dataStart = 0;
};

struct NpyPrelude {
    unsigned major = 1;
    std::uint64_t headerStart = 0;
    std::uint64_t headerLength = 0;
};

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
        return printableText(std::string_view(
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
        return "'" +
               printableText(std::string_view(reinterpret_cast<const char*>(&text_[pos_]), 1)) +
               "'";
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
NpyLayout parseNpyHeader(std::span<const std::uint8_t> header, unsigned major,
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
        parser.fail(descr->begin, "unsupported npy dtype '" + printableText(layout.descr) + "'" +
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

// Magic, version and header length. `total` is the size of the whole .npy (file or entry);
// `reader` may hold only its first bytes.
NpyPrelude readNpyPrelude(ByteReader& reader, std::uint64_t total, std::string_view container)
{
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

// The header's layout, checked against the `total` bytes of the .npy; `base` is the
// absolute offset of the .npy's first byte.
NpyLayout readNpyLayout(const NpyPrelude& prelude, std::span<const std::uint8_t> header,
                        std::uint64_t total, const std::string& file, std::uint64_t base)
{
    NpyLayout layout = parseNpyHeader(header, prelude.major, file, base + prelude.headerStart);
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

bool needsConversion(const NpyLayout& layout)
{
    return layout.byteSwap || (layout.fortranOrder && layout.shape.size() > 1);
}

template <std::size_t N>
void convertElements(const std::uint8_t* source, std::uint8_t* target, const NpyLayout& layout)
{
    const bool swap = layout.byteSwap;
    auto put = [swap](std::uint8_t* to, const std::uint8_t* from) {
        if (swap)
            for (std::size_t b = 0; b < N; ++b)
                to[b] = from[N - 1 - b];
        else
            std::memcpy(to, from, N);
    };
    const Shape& shape = layout.shape;
    if (!layout.fortranOrder || shape.size() < 2) {
        for (std::uint64_t i = 0; i < layout.numel; ++i)
            put(target + i * N, source + i * N);
        return;
    }
    // Fortran order: the first index varies fastest. Walk the source in storage order, one
    // run of the first dimension at a time, and scatter into C positions; `index` is an
    // odometer over the remaining dimensions and `base` their C offset.
    const std::size_t rank = shape.size();
    std::vector<std::uint64_t> stride(rank, 1);
    for (std::size_t k = rank - 1; k > 0; --k)
        stride[k - 1] = stride[k] * static_cast<std::uint64_t>(shape[k]);
    std::vector<std::uint64_t> index(rank, 0);
    const auto rows = static_cast<std::uint64_t>(shape[0]);
    std::uint64_t base = 0;
    for (std::uint64_t done = 0; done < layout.numel; done += rows) {
        for (std::uint64_t i = 0; i < rows; ++i)
            put(target + (base + i * stride[0]) * N, source + (done + i) * N);
        for (std::size_t k = 1; k < rank; ++k) {
            base += stride[k];
            if (++index[k] < static_cast<std::uint64_t>(shape[k]))
                break;
            base -= stride[k] * index[k];
            index[k] = 0;
        }
    }
}

// Byte-swapped and/or transposed into the little-endian C order readers promise.
std::vector<std::uint8_t> toLittleEndianC(std::span<const std::uint8_t> source,
                                          const NpyLayout& layout)
{
    std::vector<std::uint8_t> target(source.size());
    switch (dtypeSize(layout.dtype)) {
    case 1:
        convertElements<1>(source.data(), target.data(), layout);
        break;
    case 2:
        convertElements<2>(source.data(), target.data(), layout);
        break;
    case 4:
        convertElements<4>(source.data(), target.data(), layout);
        break;
    case 8:
        convertElements<8>(source.data(), target.data(), layout);
        break;
    default:
        throw Error("npy: unexpected element size");
    }
    return target;
}

// A view into the mapping when the stored bytes are already what readers promise, else a
// converted copy; either way the pages of [releaseOffset, +releaseLength) go back to the
// OS once nobody needs them.
TensorBytes fromMapping(std::span<const std::uint8_t> data, const NpyLayout& layout,
                        const std::shared_ptr<const MappedFile>& file, std::uint64_t releaseOffset,
                        std::uint64_t releaseLength)
{
    if (!needsConversion(layout))
        return TensorBytes(data, file, [file, releaseOffset, releaseLength] {
            file->release(releaseOffset, releaseLength);
        });
    auto converted = toLittleEndianC(data, layout);
    file->release(releaseOffset, releaseLength);
    return TensorBytes(std::move(converted));
}

TensorInfo makeInfo(std::string name, const NpyLayout& layout, const std::string& file,
                    std::uint64_t offset)
{
    TensorInfo info;
    info.name = std::move(name);
    info.shape = layout.shape;
    info.dtype = layout.dtype;
    info.numel = layout.numel;
    info.offset = offset;
    info.nbytes = layout.nbytes;
    info.file = file;
    return info;
}

class NpyFile final : public ModelFile {
public:
    explicit NpyFile(std::shared_ptr<const MappedFile> file)
        : ModelFile(file->path())
        , file_(std::move(file))
    {
        ByteReader reader(file_->bytes(), path_);
        const NpyPrelude prelude = readNpyPrelude(reader, file_->size(), "file");
        const auto header = reader.take(prelude.headerLength, "npy header");
        layout_ = readNpyLayout(prelude, header, file_->size(), path_, 0);
        tensors_.push_back(makeInfo(std::filesystem::path(path_).stem().string(), layout_, path_,
                                    layout_.dataStart));
    }

    std::string format() const override { return "npy"; }

    TensorBytes read(std::size_t index) const override
    {
        const TensorInfo& info = tensors_.at(index);
        return fromMapping(file_->bytes().subspan(info.offset, info.nbytes), layout_, file_,
                           info.offset, info.nbytes);
    }

private:
    std::shared_ptr<const MappedFile> file_;
    NpyLayout layout_;
};

// Inflates a deflated entry only as far as asked: listing an archive reads each array's
// header, never its data.
class HeadInflater {
public:
    HeadInflater(std::span<const std::uint8_t> compressed, const ZipEntry& entry,
                 const std::string& file)
        : compressed_(compressed)
        , entry_(entry)
        , file_(file)
    {
        if (inflateInit2(&stream_, -MAX_WBITS) != Z_OK)
            throw Error("zlib: cannot initialise inflate");
    }
    ~HeadInflater() { inflateEnd(&stream_); }
    HeadInflater(const HeadInflater&) = delete;
    HeadInflater& operator=(const HeadInflater&) = delete;

    // The first `size` inflated bytes (fewer if the entry declares fewer). The span is valid
    // until the next call.
    std::span<const std::uint8_t> inflateTo(std::uint64_t size);

private:
    [[noreturn]] void fail(std::uint64_t offset, const std::string& problem) const
    {
        throw InputError(file_, offset, "entry " + quotedName(entry_.name) + ": " + problem);
    }

    std::span<const std::uint8_t> compressed_;
    const ZipEntry& entry_;
    const std::string& file_;
    z_stream stream_{};
    std::vector<std::uint8_t> out_;
    std::uint64_t consumed_ = 0;
    bool ended_ = false;
};

std::span<const std::uint8_t> HeadInflater::inflateTo(std::uint64_t size)
{
    size = std::min(size, entry_.uncompressedSize);
    if (size <= out_.size())
        return {out_.data(), static_cast<std::size_t>(size)};
    std::uint64_t produced = out_.size();
    out_.resize(size); // at most the 1 MB header limit plus the prelude
    while (produced < size && !ended_) {
        const auto inChunk = std::min<std::uint64_t>(compressed_.size() - consumed_, kZlibChunk);
        stream_.next_in = const_cast<Bytef*>(compressed_.data() + consumed_);
        stream_.avail_in = static_cast<uInt>(inChunk);
        stream_.next_out = out_.data() + produced;
        stream_.avail_out = static_cast<uInt>(size - produced);
        const int status = inflate(&stream_, Z_NO_FLUSH);
        consumed_ += inChunk - stream_.avail_in;
        produced = size - stream_.avail_out;
        if (status == Z_STREAM_END)
            ended_ = true;
        else if (status == Z_MEM_ERROR)
            throw Error("zlib: out of memory while inflating");
        else if (status == Z_BUF_ERROR)
            fail(entry_.dataOffset + consumed_,
                 "deflate stream is truncated after " + std::to_string(produced) + " bytes");
        else if (status != Z_OK)
            fail(entry_.dataOffset + consumed_, std::string("corrupt deflate data (") +
                                                    (stream_.msg ? stream_.msg : "unknown error") +
                                                    ")");
    }
    if (produced < size)
        fail(entry_.dataOffset, "deflate stream ends after " + std::to_string(produced) +
                                    " bytes, short of the declared " +
                                    std::to_string(entry_.uncompressedSize));
    return {out_.data(), static_cast<std::size_t>(size)};
}

class NpzFile final : public ModelFile {
public:
    explicit NpzFile(std::shared_ptr<const MappedFile> file)
        : ModelFile(file->path())
        , file_(std::move(file))
    {
        parse();
    }

    std::string format() const override { return "npz"; }

    TensorBytes read(std::size_t index) const override;

private:
    struct Array {
        ZipEntry entry;
        NpyLayout layout;
    };

    void parse();
    NpyLayout readStoredLayout(const ZipEntry& entry) const;
    NpyLayout readDeflatedLayout(const ZipEntry& entry) const;
    template <typename Parse> auto inEntry(const ZipEntry& entry, Parse parse) const;

    std::shared_ptr<const MappedFile> file_;
    std::vector<Array> arrays_;
};

void NpzFile::parse()
{
    for (ZipEntry& entry : readZipDirectory(file_->bytes(), path_)) {
        constexpr std::string_view suffix = ".npy";
        if (!entry.name.ends_with(suffix))
            continue; // np.load ignores other members too
        NpyLayout layout;
        if (entry.method == 0)
            layout = readStoredLayout(entry);
        else if (entry.method == 8)
            layout = readDeflatedLayout(entry);
        else
            throw InputError(path_, entry.localHeaderOffset,
                             "entry " + quotedName(entry.name) +
                                 ": unsupported zip compression method " +
                                 std::to_string(entry.method));
        // A deflated array has no offset of its own in the file: point at its stream.
        const std::uint64_t offset =
            entry.method == 0 ? entry.dataOffset + layout.dataStart : entry.dataOffset;
        tensors_.push_back(makeInfo(entry.name.substr(0, entry.name.size() - suffix.size()), layout,
                                    path_, offset));
        arrays_.push_back({std::move(entry), std::move(layout)});
    }
}

// Errors in an entry's .npy name the entry. Offsets inside a deflated entry mean nothing in
// the file: the error points at the entry's compressed data and names the inflated offset.
template <typename Parse> auto NpzFile::inEntry(const ZipEntry& entry, Parse parse) const
{
    try {
        return parse();
    } catch (const InputError& error) {
        if (entry.method == 0)
            throw InputError(path_, error.offset(),
                             "entry " + quotedName(entry.name) + ": " + error.problem());
        throw InputError(path_, entry.dataOffset,
                         "entry " + quotedName(entry.name) + ": at byte " +
                             std::to_string(error.offset().value_or(0)) +
                             " of the inflated entry: " + error.problem());
    }
}

NpyLayout NpzFile::readStoredLayout(const ZipEntry& entry) const
{
    const auto bytes = file_->bytes().subspan(entry.dataOffset, entry.compressedSize);
    return inEntry(entry, [&] {
        ByteReader reader(bytes, path_, entry.dataOffset);
        const NpyPrelude prelude = readNpyPrelude(reader, bytes.size(), "entry");
        const auto header = reader.take(prelude.headerLength, "npy header");
        return readNpyLayout(prelude, header, bytes.size(), path_, entry.dataOffset);
    });
}

NpyLayout NpzFile::readDeflatedLayout(const ZipEntry& entry) const
{
    HeadInflater head(file_->bytes().subspan(entry.dataOffset, entry.compressedSize), entry, path_);
    const auto prelude = inEntry(entry, [&] {
        ByteReader reader(head.inflateTo(kLongestPrelude), path_);
        return readNpyPrelude(reader, entry.uncompressedSize, "entry");
    });
    const auto all = head.inflateTo(prelude.headerStart + prelude.headerLength);
    return inEntry(entry, [&] {
        return readNpyLayout(prelude, all.subspan(prelude.headerStart, prelude.headerLength),
                             entry.uncompressedSize, path_, 0);
    });
}

TensorBytes NpzFile::read(std::size_t index) const
{
    const auto& [entry, layout] = arrays_.at(index);
    if (entry.method == 0) {
        std::vector<std::uint8_t> unused;
        const auto whole = extractZipEntry(file_->bytes(), entry, path_, unused);
        return fromMapping(whole.subspan(layout.dataStart, layout.nbytes), layout, file_,
                           entry.dataOffset, entry.compressedSize);
    }
    // Inflated afresh on every call, into a buffer of the caller's own: no shared state.
    auto buffer = std::make_shared<std::vector<std::uint8_t>>();
    const auto whole = extractZipEntry(file_->bytes(), entry, path_, *buffer);
    file_->release(entry.dataOffset, entry.compressedSize);
    const auto data = whole.subspan(layout.dataStart, layout.nbytes);
    if (needsConversion(layout))
        return TensorBytes(toLittleEndianC(data, layout));
    return TensorBytes(data, std::move(buffer));
}
} // namespace

std::unique_ptr<ModelFile> openNpy(std::shared_ptr<const MappedFile> file)
{
    return std::make_unique<NpyFile>(std::move(file));
}

std::unique_ptr<ModelFile> openNpz(std::shared_ptr<const MappedFile> file)
{
    return std::make_unique<NpzFile>(std::move(file));
}

} // namespace qs
