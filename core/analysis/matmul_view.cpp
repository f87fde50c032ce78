#include "analysis/matmul_view.h"

#include <optional>
#include <string>

namespace qs {

namespace {
constexpr std::int64_t kMaxInferredKernel = 16;

MatmulEligibility notEligible(std::string reason)
{
    return {std::nullopt, std::move(reason)};
}

MatmulEligibility matrix(const Shape& shape, MatmulView::Layout layout)
{
    MatmulView view;
    view.layout = layout;
    const bool transposed = layout == MatmulView::Layout::InOut;
    view.n = transposed ? shape[1] : shape[0];
    view.k = transposed ? shape[0] : shape[1];
    view.outputAxis = transposed ? 1 : 0;
    return {view, {}};
}

MatmulEligibility convolution(const Shape& shape, MatmulView::Layout layout)
{
    MatmulView view;
    view.layout = layout;
    view.n = shape[0];
    if (layout == MatmulView::Layout::ConvOHWI) {
        view.kernelH = shape[1];
        view.kernelW = shape[2];
        view.channels = shape[3];
    } else {
        view.channels = shape[1];
        view.kernelH = shape.size() == 4 ? shape[2] : 1;
        view.kernelW = shape.back();
    }
    view.k = view.channels * view.kernelH * view.kernelW;
    return {view, {}};
}
std::optional<std::string> replaceSuffix(const std::string& name, const std::string& from,
                                         const std::string& to)
{
    if (!name.ends_with(from))
        return std::nullopt;
    return name.substr(0, name.size() - from.size()) + to;
}

std::optional<std::int64_t> siblingBiasLength(const std::string& weightName,
                                              const std::vector<TensorInfo>& tensors)
{
    auto biasName = replaceSuffix(weightName, "weight", "bias");
    if (!biasName)
        biasName = replaceSuffix(weightName, "w_0", "b_0");
    if (!biasName)
        return std::nullopt;
    for (const TensorInfo& t : tensors)
        if (t.name == *biasName && t.shape.size() == 1)
            return t.shape[0];
    return std::nullopt;
}

bool paddleWeightName(const std::string& name)
{
    const auto dot = name.rfind(".w_");
    if (dot == std::string::npos || dot + 3 >= name.size())
        return false;
    return name.find_first_not_of("0123456789", dot + 3) == std::string::npos;
}

bool storedInOut(const TensorInfo& info, const std::vector<TensorInfo>& tensors)
{
    if (const auto bias = siblingBiasLength(info.name, tensors)) {
        if (*bias == info.shape[1] && *bias != info.shape[0])
            return true;
        if (*bias == info.shape[0] && *bias != info.shape[1])
            return false;
    }
    return paddleWeightName(info.name);
}
} // namespace

MatmulEligibility matmulView(const TensorInfo& info, const std::vector<TensorInfo>& modelTensors)
{
    const Shape& shape = info.shape;
    for (std::int64_t extent : shape) {
        if (extent < 1)
            return notEligible("empty tensor");
    }
    if (info.use) {
        const TensorUse& use = *info.use;
        if (use.role != "weight")
            return notEligible(use.op + " " + (use.role.empty() ? "input" : use.role) +
                               ", not a matrix multiplication weight");
        if ((use.op == "MatMul" || use.op == "BATCH_MATMUL") && shape.size() == 2)
            return matrix(shape, MatmulView::Layout::InOut);
        if (use.op == "Gemm" && shape.size() == 2)
            return matrix(shape, use.outputChannelAxis == 1 ? MatmulView::Layout::InOut
                                                            : MatmulView::Layout::OutIn);
        if (use.op == "FULLY_CONNECTED" && shape.size() == 2)
            return matrix(shape, MatmulView::Layout::OutIn);
        if (use.op == "Conv" && (shape.size() == 3 || shape.size() == 4))
            return convolution(shape, MatmulView::Layout::ConvOIHW);
        if (use.op == "CONV_2D" && shape.size() == 4)
            return convolution(shape, MatmulView::Layout::ConvOHWI);
        return notEligible("weight of " + use.op + ", which is not measured as a GEMM");
    }
    if (shape.size() == 2)
        return matrix(shape, storedInOut(info, modelTensors) ? MatmulView::Layout::InOut
                                                             : MatmulView::Layout::OutIn);
    if (shape.size() == 3 || shape.size() == 4) {
        // Without an operator, only a small trailing kernel marks a convolution; stacked
        // matrices (mixture-of-experts [E, N, K]) and masks ([1, 1, T, T]) are not.
        const bool smallKernel = shape.back() <= kMaxInferredKernel &&
                                 (shape.size() == 3 || shape[2] <= kMaxInferredKernel);
        if (smallKernel)
            return convolution(shape, MatmulView::Layout::ConvOIHW);
        return notEligible(std::to_string(shape.size()) +
                           "-D tensor without an operator and no small kernel: not measured");
    }
    return notEligible(std::to_string(shape.size()) + "-D tensor, not a layer weight");
}

std::string describe(const MatmulView& view)
{
    switch (view.layout) {
    case MatmulView::Layout::OutIn:
        return "out×in";
    case MatmulView::Layout::InOut:
        return "in×out";
    case MatmulView::Layout::ConvOIHW:
    case MatmulView::Layout::ConvOHWI: {
        const bool oihw = view.layout == MatmulView::Layout::ConvOIHW;
        return "conv " + std::to_string(view.kernelH) + "×" + std::to_string(view.kernelW) +
               (oihw ? " (OIHW)" : " (OHWI)");
    }
    }
    return "?";
}

} // namespace qs
