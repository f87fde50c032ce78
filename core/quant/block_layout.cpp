#include "quant/block_layout.h"

#include "common/error.h"
#include "quant/presets.h"

#include <algorithm>

namespace qs {

namespace {
std::uint64_t product(const Shape& shape, std::size_t from, std::size_t to)
{
    std::uint64_t result = 1;
    for (std::size_t i = from; i < to; ++i)
        result *= static_cast<std::uint64_t>(shape[i]);
    return result;
}
} // namespace

BlockLayout::BlockLayout(const Shape& shape, const QuantConfig& config)
{
    const std::size_t rank = shape.size();
    numel_ = product(shape, 0, rank);
    Granularity granularity = config.granularity;
    const bool unscaledFloat = config.format.kind == NumberFormat::Kind::Float &&
                               config.preset == Preset::None &&
                               config.effectiveFpMode() == FpMode::Unscaled;
    if (unscaledFloat)
        granularity = {Granularity::Kind::Tensor, 0, 0};
    if (config.preset != Preset::None)
        granularity = {Granularity::Kind::Group, 0, static_cast<std::int64_t>(kPresetBlockSize)};

    const auto axis = static_cast<std::size_t>(granularity.axis);
    if (granularity.kind == Granularity::Kind::Channel && axis >= rank)
        throw UsageError("channel axis beyond the tensor's rank");
    if (granularity.kind == Granularity::Kind::Channel && axis > 0 && product(shape, 0, axis) > 1) {
        strided_ = true;
        outer_ = product(shape, 0, axis);
        channels_ = static_cast<std::uint64_t>(shape[axis]);
        inner_ = product(shape, axis + 1, rank);
        return;
    }
    switch (granularity.kind) {
    case Granularity::Kind::Tensor:
        rows_ = 1, rowLength_ = numel_, groupSize_ = numel_;
        break;
    case Granularity::Kind::Channel: // axis 0, or an inner axis with only 1s before it
        rows_ = static_cast<std::uint64_t>(shape[axis]) * product(shape, 0, axis);
        rowLength_ = rows_ ? numel_ / rows_ : 0;
        groupSize_ = rowLength_;
        break;
    case Granularity::Kind::Group: {
        rowLength_ = rank ? static_cast<std::uint64_t>(shape.back()) : 1;
        rows_ = rowLength_ ? numel_ / rowLength_ : 0;
        groupSize_ =
            std::min<std::uint64_t>(rowLength_, static_cast<std::uint64_t>(granularity.groupSize));
        break;
    }
    }
    groupSize_ = std::max<std::uint64_t>(groupSize_, 1);
    rowLength_ = std::max<std::uint64_t>(rowLength_, 1);
}

std::pair<std::uint64_t, std::uint64_t> BlockLayout::span(std::uint64_t block) const
{
    const std::uint64_t row = block / groupsPerRow();
    const std::uint64_t group = block % groupsPerRow();
    const std::uint64_t begin = row * rowLength_ + group * groupSize_;
    return {begin, std::min(groupSize_, rowLength_ - group * groupSize_)};
}

void BlockLayout::gather(std::span<const float> tensor, std::uint64_t block,
                         std::vector<float>& out) const
{
    if (!strided_) {
        const auto [begin, length] = span(block);
        out.assign(tensor.begin() + static_cast<std::ptrdiff_t>(begin),
                   tensor.begin() + static_cast<std::ptrdiff_t>(begin + length));
        return;
    }
    out.resize(outer_ * inner_);
    for (std::uint64_t o = 0; o < outer_; ++o)
        std::copy_n(tensor.data() + (o * channels_ + block) * inner_, inner_,
                    out.data() + o * inner_);
}

std::vector<float> BlockLayout::gather(std::span<const float> tensor, std::uint64_t block) const
{
    std::vector<float> out;
    gather(tensor, block, out);
    return out;
}

void BlockLayout::scatter(std::span<const float> blockValues, std::uint64_t block,
                          float* tensor) const
{
    if (!strided_) {
        std::copy(blockValues.begin(), blockValues.end(), tensor + span(block).first);
        return;
    }
    for (std::uint64_t o = 0; o < outer_; ++o)
        std::copy_n(blockValues.data() + o * inner_, inner_,
                    tensor + (o * channels_ + block) * inner_);
}

std::uint64_t BlockLayout::blockOf(std::uint64_t index) const
{
    if (strided_)
        return (index / inner_) % channels_;
    return (index / rowLength_) * groupsPerRow() + (index % rowLength_) / groupSize_;
}

} // namespace qs
