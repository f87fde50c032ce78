#include "common/mapped_file.h"

#include "common/error.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace qs {

namespace {
struct FdCloser {
    int fd;
    ~FdCloser()
    {
        if (fd >= 0)
            ::close(fd);
    }
};
} // namespace

std::shared_ptr<const MappedFile> MappedFile::open(const std::string& path)
{
    FdCloser file{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
    if (file.fd < 0)
        throw InputError(path, std::nullopt, std::string("cannot open: ") + std::strerror(errno));
    struct stat info {};
    if (::fstat(file.fd, &info) != 0)
        throw InputError(path, std::nullopt, std::string("cannot stat: ") + std::strerror(errno));
    if (!S_ISREG(info.st_mode))
        throw InputError(path, std::nullopt, "not a regular file");
    const auto size = static_cast<std::size_t>(info.st_size);
    const std::uint8_t* data = nullptr;
    if (size > 0) {
        void* mapping = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, file.fd, 0);
        if (mapping == MAP_FAILED)
            throw InputError(path, std::nullopt,
                             std::string("cannot map: ") + std::strerror(errno));
        data = static_cast<const std::uint8_t*>(mapping);
    }
    return std::shared_ptr<const MappedFile>(new MappedFile(path, data, size));
}

MappedFile::MappedFile(std::string path, const std::uint8_t* data, std::size_t size)
    : path_(std::move(path))
    , data_(data)
    , size_(size)
{
}

MappedFile::~MappedFile()
{
    if (data_)
        ::munmap(const_cast<std::uint8_t*>(data_), size_);
}

void MappedFile::release(std::uint64_t offset, std::uint64_t length) const
{
    if (!data_ || offset >= size_)
        return;
    length = std::min<std::uint64_t>(length, size_ - offset);
    const auto page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
    const std::uint64_t first = (offset + page - 1) / page * page;
    const std::uint64_t last = (offset + length) / page * page;
    if (last > first)
        ::madvise(const_cast<std::uint8_t*>(data_) + first, last - first, MADV_DONTNEED);
}

} // namespace qs
