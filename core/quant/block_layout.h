#pragma once
// Spec §5: which elements of a tensor share a scale. Per-tensor, per-channel on axis 0 and
// per-group granularities cut the row-major tensor into contiguous runs; per-channel on an
// inner axis makes strided blocks that must be gathered.

#include "quant/quant_config.h"
#include "tensor/tensor.h"

#include <cstdint>
#include <span>
#include <vector>

namespace qs {

class BlockLayout {
public:
    // The effective blocks of `config` on `shape` (presets cut groups of 32; an unscaled
    // float cast is one block). `config` must fit the shape (whyNotApplicable).
    BlockLayout(const Shape& shape, const QuantConfig& config);

    std::uint64_t blocks() const { return strided_ ? channels_ : rows_ * groupsPerRow(); }
    std::uint64_t numel() const { return numel_; }
    bool contiguous() const { return !strided_; }
    // Largest block, in elements: decides whether blocks are spread over threads.
    std::uint64_t largestBlock() const { return strided_ ? outer_ * inner_ : groupSize_; }

    // Contiguous layouts only: the block's first element and length.
    std::pair<std::uint64_t, std::uint64_t> span(std::uint64_t block) const;

    // Any layout: the block's values in row-major order of the tensor, and the way back.
    void gather(std::span<const float> tensor, std::uint64_t block, std::vector<float>& out) const;
    void scatter(std::span<const float> blockValues, std::uint64_t block, float* tensor) const;
    std::vector<float> gather(std::span<const float> tensor, std::uint64_t block) const;

    // The block holding element `index` of the row-major tensor.
    std::uint64_t blockOf(std::uint64_t index) const;

private:
    std::uint64_t groupsPerRow() const { return (rowLength_ + groupSize_ - 1) / groupSize_; }

    std::uint64_t numel_ = 0;
    bool strided_ = false;
    // Contiguous: rows of rowLength elements cut into groups of groupSize.
    std::uint64_t rows_ = 1, rowLength_ = 0, groupSize_ = 0;
    // Strided: [outer, channels, inner] around the channel axis.
    std::uint64_t outer_ = 1, channels_ = 1, inner_ = 1;
};

} // namespace qs
