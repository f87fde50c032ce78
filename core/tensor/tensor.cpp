#include "tensor/tensor.h"

#include "common/mapped_file.h"

namespace qs {

std::string shapeToString(const Shape& shape, char separator)
{
    std::string text;
    for (std::size_t i = 0; i < shape.size(); ++i) {
        if (i)
            text += separator;
        text += std::to_string(shape[i]);
    }
    return text;
}

std::string storedTypeName(const TensorInfo& info)
{
    return info.storedType.empty() ? std::string(dtypeName(info.dtype)) : info.storedType;
}

TensorBytes::TensorBytes(std::span<const std::uint8_t> view, std::shared_ptr<const void> owner,
                         std::function<void()> onRelease)
    : view_(view)
    , owner_(std::move(owner))
    , onRelease_(std::move(onRelease))
{
}

TensorBytes::TensorBytes(std::vector<std::uint8_t> buffer)
    : buffer_(std::move(buffer))
{
    view_ = buffer_;
}

TensorBytes TensorBytes::mapped(const std::shared_ptr<const MappedFile>& file, std::uint64_t offset,
                                std::uint64_t length)
{
    return TensorBytes(file->bytes().subspan(offset, length), file,
                       [file, offset, length] { file->release(offset, length); });
}

TensorBytes::~TensorBytes()
{
    reset();
}

TensorBytes::TensorBytes(TensorBytes&& other) noexcept
{
    *this = std::move(other);
}

TensorBytes& TensorBytes::operator=(TensorBytes&& other) noexcept
{
    if (this != &other) {
        reset();
        const bool ownsBuffer =
            !other.buffer_.empty() && other.view_.data() == other.buffer_.data();
        buffer_ = std::move(other.buffer_);
        view_ = ownsBuffer ? std::span<const std::uint8_t>(buffer_) : other.view_;
        owner_ = std::move(other.owner_);
        onRelease_ = std::move(other.onRelease_);
        other.view_ = {};
        other.onRelease_ = nullptr;
    }
    return *this;
}

void TensorBytes::reset()
{
    if (onRelease_)
        onRelease_();
    onRelease_ = nullptr;
    owner_.reset();
    buffer_.clear();
    view_ = {};
}

} // namespace qs
