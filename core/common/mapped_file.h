#pragma once
// A read-only memory mapping of a whole file. Readers take views of it and never copy
// the data of a tensor they do not decode; pages a finished tensor used can be handed
// back so that streaming over a large model keeps the resident set small.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

namespace qs {

class MappedFile {
public:
    // Throws InputError when the file cannot be opened or mapped.
    static std::shared_ptr<const MappedFile> open(const std::string& path);
    ~MappedFile();
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;

    const std::string& path() const { return path_; }
    std::span<const std::uint8_t> bytes() const { return {data_, size_}; }
    std::uint64_t size() const { return size_; }

    // Drops the pages that lie wholly inside [offset, offset + length) from this process's
    // resident set; they are read again from the file if touched later.
    void release(std::uint64_t offset, std::uint64_t length) const;

private:
    MappedFile(std::string path, const std::uint8_t* data, std::size_t size);

    std::string path_;
    const std::uint8_t* data_ = nullptr;
    std::size_t size_ = 0;
};

} // namespace qs
