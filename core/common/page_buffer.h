#pragma once
// A large scratch array of floats straight from the kernel: not value-initialised (the
// pages come zeroed), and backed by huge pages where the system allows them, so that a
// buffer the size of a whole tensor costs few page faults. For the inspection's restored
// values, filled and read once per request.

#include <cstddef>
#include <span>

namespace qs {

class PageBuffer {
public:
    explicit PageBuffer(std::size_t floats);
    ~PageBuffer();
    PageBuffer(const PageBuffer&) = delete;
    PageBuffer& operator=(const PageBuffer&) = delete;

    std::span<float> floats() { return {data_, size_}; }

private:
    float* data_ = nullptr;
    std::size_t size_ = 0;
    std::size_t bytes_ = 0;
};

} // namespace qs
