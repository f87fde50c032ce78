#include "common/page_buffer.h"

#include <new>
#include <sys/mman.h>

namespace qs {

PageBuffer::PageBuffer(std::size_t floats)
    : size_(floats)
    , bytes_(floats * sizeof(float))
{
    if (bytes_ == 0)
        return;
    void* memory =
        mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED)
        throw std::bad_alloc();
    // A hint: where transparent huge pages are off it changes nothing.
    madvise(memory, bytes_, MADV_HUGEPAGE);
    data_ = static_cast<float*>(memory);
}

PageBuffer::~PageBuffer()
{
    if (data_)
        munmap(data_, bytes_);
}

} // namespace qs
