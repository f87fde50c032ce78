#include "formats/numpy_reader.h"

#include "common/error.h"
#include "common/mapped_file.h"
#include "formats/npy_header.h"
#include "formats/zip_archive.h"

#include <algorithm>
#include <cstring>
#include <filesystem>

namespace qs {

namespace {
std::string quotedName(const std::string& name)
{
    return "\"" + printableNpyText(name) + "\"";
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

// The array at [offset, offset + length) of the file: a view into the mapping when the
// stored bytes are already what readers promise, else a converted copy; either way its
// pages go back to the OS once nobody needs them.
TensorBytes fromMapping(const std::shared_ptr<const MappedFile>& file, std::uint64_t offset,
                        std::uint64_t length, const NpyLayout& layout)
{
    if (!needsConversion(layout))
        return TensorBytes::mapped(file, offset, length);
    auto converted = toLittleEndianC(file->bytes().subspan(offset, length), layout);
    file->release(offset, length);
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
        const NpyPrelude prelude = readNpyPrelude(file_->bytes(), file_->size(), "file", path_, 0);
        layout_ = parseNpyHeader(file_->bytes(), prelude, file_->size(), path_, 0);
        tensors_.push_back(makeInfo(std::filesystem::path(path_).stem().string(), layout_, path_,
                                    layout_.dataStart));
    }

    std::string format() const override { return "npy"; }

    TensorBytes read(std::size_t index) const override
    {
        const TensorInfo& info = tensors_.at(index);
        return fromMapping(file_, info.offset, info.nbytes, layout_);
    }

private:
    std::shared_ptr<const MappedFile> file_;
    NpyLayout layout_;
};

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
    auto entries = readZipDirectory(file_->bytes(), path_);
    if (!entries.empty() && std::none_of(entries.begin(), entries.end(), [](const ZipEntry& e) {
            return e.name.ends_with(".npy");
        }))
        throw InputError(path_, std::nullopt,
                         "a zip archive holding neither .npy arrays (npz) nor a PyTorch "
                         "data.pkl; first entry \"" +
                             printableNpyText(entries.front().name) + "\"");
    for (ZipEntry& entry : entries) {
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
        const NpyPrelude prelude =
            readNpyPrelude(bytes, bytes.size(), "entry", path_, entry.dataOffset);
        return parseNpyHeader(bytes, prelude, bytes.size(), path_, entry.dataOffset);
    });
}

NpyLayout NpzFile::readDeflatedLayout(const ZipEntry& entry) const
{
    // Listing an archive inflates each array's header, never its data.
    const auto prelude = inEntry(entry, [&] {
        const auto head = inflateZipEntryPrefix(file_->bytes(), entry, path_, kNpyLongestPrelude);
        return readNpyPrelude(head, entry.uncompressedSize, "entry", path_, 0);
    });
    const auto head = inflateZipEntryPrefix(file_->bytes(), entry, path_,
                                            prelude.headerStart + prelude.headerLength);
    return inEntry(entry,
                   [&] { return parseNpyHeader(head, prelude, entry.uncompressedSize, path_, 0); });
}

TensorBytes NpzFile::read(std::size_t index) const
{
    const auto& [entry, layout] = arrays_.at(index);
    if (entry.method == 0) {
        // Extracted first only for its checks (bounds, CRC); the array is then viewed in place.
        std::vector<std::uint8_t> unused;
        extractZipEntry(file_->bytes(), entry, path_, unused);
        return fromMapping(file_, entry.dataOffset + layout.dataStart, layout.nbytes, layout);
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
