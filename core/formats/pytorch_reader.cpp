#include "formats/pytorch_reader.h"

#include "common/byte_reader.h"
#include "common/error.h"
#include "common/mapped_file.h"
#include "formats/json_header.h"
#include "formats/pickle_machine.h"
#include "formats/zip_archive.h"

#include <cmath>
#include <cstring>
#include <map>
#include <set>

namespace qs {

namespace {
using Kind = PickleValue::Kind;

constexpr int kMaxNesting = 64;
// Visits of containers while flattening; memo references can make a small pickle describe
// an exponentially large tree, which is refused rather than walked.
constexpr std::uint64_t kMaxVisits = 2'000'000;
constexpr std::uint64_t kMaxRevisits = 10'000;
constexpr std::size_t kMaxKeyBytes = 1024;
constexpr std::size_t kMaxNameBytes = 4096;
constexpr std::size_t kMaxMetadataEntries = 1000;

// The legacy format opens with a pickle of this magic number (a 10-byte LONG1).
constexpr std::uint8_t kLegacyMagic[] = {0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46,
                                         0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e};

// Where a storage's bytes are: an absolute range of the file, or a deflated zip entry.
struct StorageData {
    DType dtype = DType::F32;
    std::uint64_t elements = 0;
    std::uint64_t offset = 0; // absolute, of the stored bytes
    std::uint64_t bytes = 0;  // available in the file (>= elements * element size)
    const ZipEntry* deflated = nullptr;
};

struct TensorView {
    std::string storageKey;
    std::uint64_t storageOffset = 0; // elements
    std::vector<std::int64_t> sizes, strides;
    bool contiguous = true;
};

class PytorchFile final : public ModelFile {
public:
    PytorchFile(std::shared_ptr<const MappedFile> file, std::string format)
        : ModelFile(file->path())
        , file_(std::move(file))
        , format_(std::move(format))
        , pickles_(path_)
    {
    }

    std::string format() const override { return format_; }
    TensorBytes read(std::size_t index) const override;

    void parseZip();
    void parseLegacy();

private:
    void flatten(const PickleValue* value, const std::string& name, int depth);
    void addTensor(const PickleValue& tensor, const std::string& name);
    void placeTensors();
    void noteDroppedMetadata()
    {
        if (droppedMetadata_ > 0)
            metadata_["(more non-tensor values not shown)"] = droppedMetadata_;
    }
    [[noreturn]] void fail(const std::string& problem) const
    {
        throw InputError(path_, std::nullopt, problem);
    }

    std::shared_ptr<const MappedFile> file_;
    std::string format_;
    PickleMachine pickles_;
    std::vector<ZipEntry> entries_;
    std::map<std::string, StorageData> storages_;
    std::vector<TensorView> views_;
    std::set<std::string> names_;
    std::set<const PickleValue*> openContainers_; // on the path being flattened
    std::set<const PickleValue*> seenContainers_;
    std::uint64_t revisits_ = 0;
    std::uint64_t visits_ = 0;
    std::size_t droppedMetadata_ = 0;
};

std::string keyText(const PickleValue* key)
{
    switch (key->kind) {
    case Kind::String:
        return validUtf8(key->text.substr(0, kMaxKeyBytes + 1)); // longer ones are refused
    case Kind::Int:
        return std::to_string(key->integer);
    case Kind::Bool:
        return key->integer ? "True" : "False";
    case Kind::None:
        return "None";
    default:
        return std::string("<") + pickleKindName(key->kind) + ">";
    }
}

void PytorchFile::flatten(const PickleValue* value, const std::string& name, int depth)
{
    if (depth > kMaxNesting)
        fail("the checkpoint nests containers more than " + std::to_string(kMaxNesting) +
             " deep (at \"" + printable(name) + "\")");
    if (++visits_ > kMaxVisits)
        fail("the checkpoint's containers refer to each other more than " +
             std::to_string(kMaxVisits) + " times (shared or cyclic references)");
    const auto child = [&](const std::string& key) {
        // Names are copied per entry: long keys shared through the memo would multiply.
        if (key.size() > kMaxKeyBytes || name.size() + key.size() > kMaxNameBytes)
            fail("a name in the checkpoint is longer than " + std::to_string(kMaxNameBytes) +
                 " bytes (at \"" + printable(name) + "\")");
        return name.empty() ? key : name + "." + key;
    };
    const bool container =
        value->kind == Kind::Dict || value->kind == Kind::List || value->kind == Kind::Tuple;
    if (container && !openContainers_.insert(value).second)
        fail("the checkpoint's \"" + printable(name) + "\" contains itself (a cyclic reference)");
    // A container reached again through a memo reference is listed again under its new
    // name (as torch.load would show it), but a few shared levels can make a small pickle
    // name an exponential number of entries: only so many revisits are allowed.
    if (container && !seenContainers_.insert(value).second && ++revisits_ > kMaxRevisits)
        fail("the checkpoint's containers are shared more than " + std::to_string(kMaxRevisits) +
             " times (memo references multiplying the entries)");
    switch (value->kind) {
    case Kind::Dict:
        for (const auto& [key, item] : value->entries)
            flatten(item, child(keyText(key)), depth + 1);
        break;
    case Kind::List:
    case Kind::Tuple:
        for (std::size_t i = 0; i < value->items.size(); ++i)
            flatten(value->items[i], child(std::to_string(i)), depth + 1);
        break;
    default:
        break;
    }
    if (container) {
        openContainers_.erase(value);
        return;
    }
    if (value->kind == Kind::Tensor) {
        addTensor(*value, name);
        return;
    }
    // Non-tensor leaves (epoch, learning rate, names) are kept as metadata.
    if (metadata_.size() >= kMaxMetadataEntries) {
        ++droppedMetadata_;
        return;
    }
    nlohmann::json& slot = metadata_[name.empty() ? "value" : name];
    switch (value->kind) {
    case Kind::None:
        slot = nullptr;
        break;
    case Kind::Bool:
        slot = value->integer != 0;
        break;
    case Kind::Int:
        slot = value->integer;
        break;
    case Kind::Float:
        slot = std::isfinite(value->real) ? nlohmann::json(value->real)
                                          : nlohmann::json(std::to_string(value->real));
        break;
    case Kind::String:
        slot = validUtf8(value->text.substr(0, 1000));
        break;
    default:
        slot = std::string("<") + pickleKindName(value->kind) + ">";
    }
}

void PytorchFile::addTensor(const PickleValue& tensor, const std::string& name)
{
    const std::string where = "tensor \"" + printable(name) + "\": ";
    if (!names_.insert(name).second)
        fail(where + "two tensors have this name");
    TensorInfo info;
    info.name = name;
    info.file = path_;
    info.dtype = tensor.dtype;
    TensorView view;
    view.storageKey = tensor.storage->text;
    if (tensor.storageOffset < 0)
        fail(where + "negative storage offset");
    view.storageOffset = static_cast<std::uint64_t>(tensor.storageOffset);
    view.sizes = tensor.sizes;
    view.strides = tensor.strides;
    for (std::size_t d = 0; d < view.sizes.size(); ++d)
        if (view.sizes[d] < 0 || view.strides[d] < 0)
            fail(where + "negative size or stride");
    info.shape = view.sizes;
    if (!checkedNumel(info.shape, info.numel))
        fail(where + "shape " + shapeToString(info.shape) +
             " has more elements than 64 bits can count");
    if (!storageBytes(info.dtype, info.numel, info.nbytes))
        fail(where + "data size does not fit in 64 bits");

    // The view must stay inside its storage: its last element is at
    // offset + sum((size - 1) * stride).
    const std::uint64_t storageElements = static_cast<std::uint64_t>(tensor.storage->integer);
    if (view.storageOffset > storageElements)
        fail(where + "storage offset " + std::to_string(view.storageOffset) +
             " lies past its storage of " + std::to_string(storageElements) + " elements");
    if (info.numel > 0) {
        std::uint64_t last = view.storageOffset;
        for (std::size_t d = 0; d < view.sizes.size(); ++d) {
            std::uint64_t step = 0;
            if (__builtin_mul_overflow(static_cast<std::uint64_t>(view.sizes[d] - 1),
                                       static_cast<std::uint64_t>(view.strides[d]), &step) ||
                __builtin_add_overflow(last, step, &last))
                fail(where + "its strides overflow");
        }
        if (last >= storageElements)
            fail(where + "the view reaches element " + std::to_string(last) + " of a storage of " +
                 std::to_string(storageElements) + " elements");
    }
    // C-contiguous views are read in place; others are gathered on read.
    std::int64_t expected = 1;
    for (std::size_t d = view.sizes.size(); d-- > 0 && info.numel > 0;) {
        if (view.sizes[d] != 1 && view.strides[d] != expected)
            view.contiguous = false;
        expected *= view.sizes[d]; // a partial product of sizes: numel was checked
    }
    // Broadcast views (stride 0) can name far more elements than their storage holds;
    // reading one would allocate all of them.
    std::uint64_t storageSize = 0;
    if (__builtin_mul_overflow(storageElements, dtypeSize(info.dtype), &storageSize) ||
        info.nbytes > storageSize)
        fail(where + "the view is larger than its storage (broadcast strides are not supported)");
    const auto [slot, first] = storages_.try_emplace(view.storageKey);
    StorageData& storage = slot->second;
    if (first) {
        storage.dtype = tensor.storage->dtype;
        storage.elements = storageElements;
    } else if (storage.dtype != tensor.storage->dtype || storage.elements != storageElements) {
        fail(where + "storage \"" + printable(view.storageKey) +
             "\" is described with two different types or sizes");
    }
    tensors_.push_back(std::move(info));
    views_.push_back(std::move(view));
}

// Fills in each tensor's absolute offset once the storages have been located, and checks
// that each storage holds the elements its tensors claim.
void PytorchFile::placeTensors()
{
    // A deflated storage is inflated whole on every read: shared by many views, a small
    // file would cost its inflated size once per view.
    std::map<std::string, int> views;
    for (const TensorView& view : views_)
        if (++views[view.storageKey] > 1 && storages_.at(view.storageKey).deflated)
            fail("storage \"" + printable(view.storageKey) +
                 "\" is compressed and shared by several tensors; re-save the checkpoint with "
                 "torch.save, which stores storages uncompressed");
    for (std::size_t i = 0; i < tensors_.size(); ++i) {
        TensorInfo& info = tensors_[i];
        const TensorView& view = views_[i];
        const StorageData& storage = storages_.at(view.storageKey);
        const std::size_t elementSize = dtypeSize(storage.dtype);
        std::uint64_t needed = 0;
        if (__builtin_mul_overflow(storage.elements, elementSize, &needed) ||
            needed > storage.bytes)
            fail("tensor \"" + printable(info.name) + "\": its storage \"" +
                 printable(view.storageKey) + "\" of " + std::to_string(storage.elements) +
                 " elements needs more than the " + std::to_string(storage.bytes) +
                 " bytes the file holds for it");
        info.offset = storage.offset + view.storageOffset * elementSize;
    }
}

void PytorchFile::parseZip()
{
    entries_ = readZipDirectory(file_->bytes(), path_);
    const ZipEntry* pickle = nullptr;
    for (const ZipEntry& entry : entries_) {
        const auto slash = entry.name.find('/');
        if (slash != std::string::npos && entry.name.substr(slash) == "/data.pkl") {
            if (pickle)
                fail("the archive holds two checkpoints (" + printable(pickle->name) + ", " +
                     printable(entry.name) + ")");
            pickle = &entry;
        }
    }
    if (!pickle)
        fail("no <folder>/data.pkl entry: not a PyTorch checkpoint");
    const std::string folder = pickle->name.substr(0, pickle->name.size() - 8);
    std::map<std::string, const ZipEntry*> byName;
    for (const ZipEntry& entry : entries_)
        byName[entry.name] = &entry;
    if (const auto order = byName.find(folder + "byteorder"); order != byName.end()) {
        std::vector<std::uint8_t> buffer;
        const auto text = extractZipEntry(file_->bytes(), *order->second, path_, buffer);
        if (std::string(text.begin(), text.end()) == "big")
            fail("big-endian checkpoints are not supported");
    }

    std::vector<std::uint8_t> buffer;
    const auto bytes = extractZipEntry(file_->bytes(), *pickle, path_, buffer);
    std::uint64_t end = 0;
    // Offsets inside a deflated pickle mean nothing in the file; name the stream instead.
    const std::uint64_t base = pickle->method == 0 ? pickle->dataOffset : 0;
    flatten(pickles_.run(bytes, base, end), "", 0);
    noteDroppedMetadata();

    for (auto& [key, storage] : storages_) {
        const auto found = byName.find(folder + "data/" + key);
        if (found == byName.end())
            fail("storage \"" + printable(key) + "\" has no entry " + printable(folder) + "data/" +
                 printable(key) + " in the archive");
        const ZipEntry& entry = *found->second;
        storage.offset = entry.dataOffset;
        storage.bytes = entry.uncompressedSize;
        if (entry.method == 8)
            storage.deflated = &entry;
        else if (entry.method != 0)
            fail("entry " + printable(entry.name) + ": unsupported zip compression method " +
                 std::to_string(entry.method));
    }
    placeTensors();
}

void PytorchFile::parseLegacy()
{
    const auto bytes = file_->bytes();
    if (!isPytorchLegacy(bytes))
        throw InputError(path_, 0, "not a PyTorch checkpoint (no legacy magic number)");
    std::uint64_t position = sizeof(kLegacyMagic);
    const auto next = [&] {
        std::uint64_t end = 0;
        const PickleValue* value = pickles_.run(bytes.subspan(position), position, end);
        position += end;
        return value;
    };
    const PickleValue* protocol = next();
    if (protocol->kind != Kind::Int || protocol->integer != 1001)
        fail("unknown legacy checkpoint protocol");
    const PickleValue* systemInfo = next();
    for (const auto& [key, value] : systemInfo->entries)
        if (keyText(key) == "little_endian" && value->kind == Kind::Bool && !value->integer)
            fail("big-endian checkpoints are not supported");
    flatten(next(), "", 0);
    noteDroppedMetadata();
    const PickleValue* keys = next();
    if (keys->kind != Kind::List)
        fail("the storage key list is missing");
    // The storages follow in the order of the key list, each an int64 element count and
    // its bytes.
    ByteReader in(bytes, path_);
    in.seek(position, "storages");
    for (const PickleValue* key : keys->items) {
        const std::string name = keyText(key);
        const auto found = storages_.find(name);
        if (found == storages_.end())
            in.fail(in.position(), "storage \"" + printable(name) +
                                       "\" is listed but no tensor uses it; its size is unknown");
        StorageData& storage = found->second;
        const auto start = in.position();
        const auto elements = in.readLE<std::uint64_t>("storage element count");
        if (elements != storage.elements)
            in.fail(start, "storage \"" + printable(name) + "\" holds " + std::to_string(elements) +
                               " elements, the pickle says " + std::to_string(storage.elements));
        std::uint64_t length = 0;
        if (__builtin_mul_overflow(elements, dtypeSize(storage.dtype), &length) ||
            length > in.remaining())
            in.fail(start, "storage \"" + printable(name) + "\" runs past the end of the file");
        storage.offset = in.position();
        storage.bytes = length;
        in.take(length, "storage");
    }
    for (const auto& [key, storage] : storages_)
        if (storage.bytes == 0 && storage.elements > 0)
            fail("storage \"" + printable(key) + "\" is used but missing from the file");
    placeTensors();
}

TensorBytes PytorchFile::read(std::size_t index) const
{
    const TensorInfo& info = tensors_.at(index);
    const TensorView& view = views_.at(index);
    const StorageData& storage = storages_.at(view.storageKey);
    const std::size_t elementSize = dtypeSize(info.dtype);
    std::span<const std::uint8_t> source;
    std::vector<std::uint8_t> inflated;
    if (storage.deflated) {
        source = extractZipEntry(file_->bytes(), *storage.deflated, path_, inflated);
    } else {
        if (view.contiguous)
            return TensorBytes::mapped(file_, info.offset, info.nbytes);
        source = file_->bytes().subspan(storage.offset, storage.bytes);
    }
    const std::uint8_t* base = source.data() + view.storageOffset * elementSize;
    std::vector<std::uint8_t> out(info.nbytes);
    if (view.contiguous) {
        if (!out.empty())
            std::memcpy(out.data(), base, out.size());
        return TensorBytes(std::move(out));
    }
    // Gather a strided view in C order with an odometer over its dimensions.
    const std::size_t rank = view.sizes.size();
    std::vector<std::int64_t> position(rank, 0);
    std::uint64_t element = 0;
    for (std::uint64_t i = 0; i < info.numel; ++i) {
        std::memcpy(out.data() + i * elementSize, base + element * elementSize, elementSize);
        for (std::size_t d = rank; d-- > 0;) {
            element += static_cast<std::uint64_t>(view.strides[d]);
            if (++position[d] < view.sizes[d])
                break;
            element -= static_cast<std::uint64_t>(view.strides[d] * view.sizes[d]);
            position[d] = 0;
        }
    }
    return TensorBytes(std::move(out));
}
} // namespace

bool isPytorchZip(std::span<const std::uint8_t> archive, const std::string& file)
{
    try {
        for (const ZipEntry& entry : readZipDirectory(archive, file)) {
            const auto slash = entry.name.find('/');
            if (slash != std::string::npos && entry.name.substr(slash) == "/data.pkl")
                return true;
        }
    } catch (const InputError&) {
        // A broken archive: the npz reader reports it.
    }
    return false;
}

bool isPytorchLegacy(std::span<const std::uint8_t> head)
{
    return head.size() >= sizeof(kLegacyMagic) &&
           std::memcmp(head.data(), kLegacyMagic, sizeof(kLegacyMagic)) == 0;
}

std::unique_ptr<ModelFile> openPytorchZip(std::shared_ptr<const MappedFile> file)
{
    auto model = std::make_unique<PytorchFile>(std::move(file), "pytorch");
    model->parseZip();
    return model;
}

std::unique_ptr<ModelFile> openPytorchLegacy(std::shared_ptr<const MappedFile> file)
{
    auto model = std::make_unique<PytorchFile>(std::move(file), "pytorch-legacy");
    model->parseLegacy();
    return model;
}

} // namespace qs
