#pragma once
// How a stored weight tensor acts as the W (N×K) of Y = X Wᵀ: which axis holds the output
// channels, whether the operator stores W transposed, and for a convolution the kernel
// whose im2col patches of the input form X's rows.

#include "tensor/tensor.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace qs {

struct MatmulView {
    enum class Layout {
        OutIn,    // [N, K]: PyTorch Linear, GGUF, ONNX Gemm transB=1, TFLite FULLY_CONNECTED
        InOut,    // [K, N]: ONNX/Paddle MatMul, Gemm transB=0
        ConvOIHW, // [N, C, kh, kw] (or [N, C, kw]): PyTorch and ONNX Conv
        ConvOHWI, // [N, kh, kw, C]: TFLite CONV_2D
    } layout = Layout::OutIn;
    std::int64_t n = 0;
    std::int64_t k = 0;
    std::int64_t channels = 0; // convolutions: input channels C, and the kernel size
    std::int64_t kernelH = 1;
    std::int64_t kernelW = 1;
    int outputAxis = 0; // in the stored shape

    bool isConvolution() const { return layout == Layout::ConvOIHW || layout == Layout::ConvOHWI; }
    // Index into the stored tensor of W[j, d] in the N×K view.
    std::int64_t storedIndex(std::int64_t j, std::int64_t d) const
    {
        return layout == Layout::InOut ? d * n + j : j * k + d;
    }
};

struct MatmulEligibility {
    std::optional<MatmulView> view;
    std::string reason; // why not, when view is empty
};

// From the shape and, where the format records it, the consuming operator. Without one,
// a 2-D weight is [out, in] (PyTorch, GGUF) unless the model says otherwise: a sibling bias
// ("x.weight" → "x.bias", "x.w_0" → "x.b_0") as long as one axis and not the other, or
// else PaddlePaddle's "*.w_N" naming, whose Linear weights are [in, out]. A 3-D or 4-D
// tensor without an operator is a convolution only if its kernel is at most 16 wide.
MatmulEligibility matmulView(const TensorInfo& info,
                             const std::vector<TensorInfo>& modelTensors = {});

// "out×in", "in×out", "conv 3×3 (OIHW)", ...
std::string describe(const MatmulView& view);

} // namespace qs
