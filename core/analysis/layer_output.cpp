#include "analysis/layer_output.h"

#include "analysis/float_values.h"
#include "analysis/model_compare.h"
#include "common/error.h"
#include "formats/model_file.h"
#include "gemm/int8_gemm.h"
#include "gemm/output_stage.h"
#include "quant/scale.h"
#include "quant/tensor_quantizer.h"

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <filesystem>

namespace qs {

namespace {
// X and Y are held whole (with their codes and Eigen's product, about six copies), and
// layers are measured in parallel; beyond this many elements per matrix a layer is skipped
// rather than allocating gigabytes for one measurement.
constexpr std::int64_t kMaxMatrixElements = std::int64_t{1} << 26;

// Why an X of `m` rows cannot be held for `view`, or nullopt.
std::optional<std::string> tooLarge(std::int64_t m, const MatmulView& view)
{
    if (view.k > maxGemmDepth())
        return "depth " + std::to_string(view.k) + " exceeds the exact int32 limit of " +
               std::to_string(maxGemmDepth());
    if (m < 1)
        return "no input rows";
    if (m > kMaxMatrixElements / view.k || m > kMaxMatrixElements / view.n)
        return std::to_string(m) + " input rows of " + std::to_string(view.k) + " and " +
               std::to_string(view.n) + " outputs exceed " + std::to_string(kMaxMatrixElements) +
               " elements per matrix";
    return std::nullopt;
}

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

std::vector<float> floatReference(std::span<const float> weights, const MatmulView& view,
                                  std::span<const float> x, std::int64_t m)
{
    const Eigen::Map<const RowMatrix> input(x.data(), m, view.k);
    RowMatrix output(m, view.n);
    if (view.layout == MatmulView::Layout::InOut) {
        const Eigen::Map<const RowMatrix> w(weights.data(), view.k, view.n);
        output.noalias() = input * w;
    } else {
        const Eigen::Map<const RowMatrix> w(weights.data(), view.n, view.k);
        output.noalias() = input * w.transpose();
    }
    return {output.data(), output.data() + output.size()};
}

// §4's q for every element of one block, with the block's scale and zero point.
template <typename Code> Code quantizeCode(float value, const IntQuantParams& params)
{
    const float q = std::clamp(roundCode(params.scaled(value), params.ties) + params.zeroPoint,
                               params.qmin, params.qmax);
    return static_cast<Code>(q);
}

IntQuantParams blockParams(const BlockRecord& record, const QuantConfig& config)
{
    return makeIntParams(record.scaleZero(), intGrids(config).clamp, config.convention);
}

struct QuantizedActivations {
    std::vector<std::uint8_t> unsignedCodes;
    std::vector<std::int8_t> signedCodes;
    BlockRecord record;
};
} // namespace

ActivationType parseActivationType(const std::string& text)
{
    if (text == "uint8")
        return ActivationType::Uint8;
    if (text == "int8")
        return ActivationType::Int8;
    throw UsageError("--act-dtype: expected uint8 or int8, got '" + text + "'");
}

std::string toString(ActivationType type)
{
    return type == ActivationType::Uint8 ? "uint8" : "int8";
}

void validateMatmul(const QuantConfig& weightConfig, const MatmulOptions& options)
{
    const NumberFormat& format = weightConfig.format;
    if (weightConfig.preset != Preset::None || format.kind != NumberFormat::Kind::Integer ||
        !format.isSigned || format.bits > 8)
        throw UsageError("--matmul needs weights on a signed integer grid of at most 8 bits "
                         "(int2..int8), not " +
                         (weightConfig.preset != Preset::None ? toString(weightConfig.preset)
                                                              : toString(format)));
    if (weightConfig.scheme != Scheme::Symmetric)
        throw UsageError("--matmul needs symmetric weights (the integer path has no weight "
                         "zero point)");
    if (weightConfig.granularity.kind == Granularity::Kind::Group)
        throw UsageError("--matmul needs per-tensor or per-channel weights, not per group");
    if (options.batch < 1)
        throw UsageError("--batch must be at least 1");
    const Calibration& calibration =
        options.activationCalibration.value_or(weightConfig.calibration);
    if (options.activationType == ActivationType::Uint8 &&
        calibration.method == Calibration::Method::Kl)
        throw UsageError("kl calibration of activations is symmetric only: use --act-dtype "
                         "int8, or another --act-calibration");
}

QuantConfig activationConfig(const QuantConfig& weightConfig, const MatmulOptions& options)
{
    const ActivationType type = options.activationType;
    QuantConfig config;
    config.format.kind = NumberFormat::Kind::Integer;
    config.format.bits = 8;
    config.format.isSigned = type == ActivationType::Int8;
    config.scheme = type == ActivationType::Int8 ? Scheme::Symmetric : Scheme::Asymmetric;
    config.granularity.kind = Granularity::Kind::Tensor;
    config.calibration = options.activationCalibration.value_or(weightConfig.calibration);
    // Unsigned asymmetric activations have no rule under a symmetric-only convention.
    const bool undefined = isSymmetricOnly(weightConfig.convention) && !config.format.isSigned;
    config.convention = undefined ? Convention::Default : weightConfig.convention;
    return config;
}

std::int64_t unfoldPatches(std::span<const float> input, std::int64_t batch, std::int64_t height,
                           std::int64_t width, const MatmulView& view, std::vector<float>& rows)
{
    const std::int64_t outH = height - view.kernelH + 1;
    const std::int64_t outW = width - view.kernelW + 1;
    if (outH < 1 || outW < 1)
        return 0;
    const bool channelsLast = view.layout == MatmulView::Layout::ConvOHWI;
    const std::int64_t c = view.channels;
    const std::int64_t m = batch * outH * outW;
    rows.resize(static_cast<std::size_t>(m * view.k));
    auto at = [&](std::int64_t b, std::int64_t ch, std::int64_t y, std::int64_t x) {
        const std::int64_t index = channelsLast ? ((b * height + y) * width + x) * c + ch
                                                : ((b * c + ch) * height + y) * width + x;
        return input[static_cast<std::size_t>(index)];
    };
    float* out = rows.data();
    for (std::int64_t b = 0; b < batch; ++b) {
        for (std::int64_t oy = 0; oy < outH; ++oy) {
            for (std::int64_t ox = 0; ox < outW; ++ox) {
                // K in the weight's own order, so that row · W[j] is the convolution sum.
                if (channelsLast) {
                    for (std::int64_t ky = 0; ky < view.kernelH; ++ky)
                        for (std::int64_t kx = 0; kx < view.kernelW; ++kx)
                            for (std::int64_t ch = 0; ch < c; ++ch)
                                *out++ = at(b, ch, oy + ky, ox + kx);
                } else {
                    for (std::int64_t ch = 0; ch < c; ++ch)
                        for (std::int64_t ky = 0; ky < view.kernelH; ++ky)
                            for (std::int64_t kx = 0; kx < view.kernelW; ++kx)
                                *out++ = at(b, ch, oy + ky, ox + kx);
                }
            }
        }
    }
    return m;
}

ActivationSource::ActivationSource(const MatmulOptions& options)
    : options_(options)
{
    if (!options.activationsPath.empty())
        file_ = openModel(options.activationsPath);
}

ActivationSource::~ActivationSource() = default;

bool ActivationSource::singleArray() const
{
    return file_ && file_->format() == "npy";
}

std::string ActivationSource::describe() const
{
    if (file_)
        return std::filesystem::path(file_->path()).filename().string();
    return toString(options_.synthetic.distribution) + ", seed " +
           std::to_string(options_.synthetic.seed);
}

std::variant<ActivationSource::Rows, std::string>
ActivationSource::rowsFor(const std::string& layer, const MatmulView& view) const
{
    Rows rows;
    if (!file_) {
        if (auto reason = tooLarge(options_.batch, view))
            return *reason;
        if (!view.isConvolution()) {
            rows.m = options_.batch;
            rows.values = generateActivations(options_.synthetic, layer, rows.m, view.k);
            return rows;
        }
        // A channels-last feature map just large enough for `batch` patches; its channels
        // are the generator's feature columns, so outliers sit in whole channels.
        MatmulView channelsLast = view;
        channelsLast.layout = MatmulView::Layout::ConvOHWI;
        const auto side =
            static_cast<std::int64_t>(std::ceil(std::sqrt(static_cast<double>(options_.batch))));
        const std::int64_t height = view.kernelH == 1 ? 1 : view.kernelH + side - 1;
        const std::int64_t width = view.kernelW + (view.kernelH == 1 ? options_.batch : side) - 1;
        const auto map =
            generateActivations(options_.synthetic, layer, height * width, view.channels);
        std::vector<float> patches;
        unfoldPatches(map, 1, height, width, channelsLast, patches);
        if (view.layout == MatmulView::Layout::ConvOIHW) {
            // Reorder each patch from (ky, kx, c) to the weight's (c, ky, kx).
            std::vector<float> reordered(patches.size());
            const std::int64_t spatial = view.kernelH * view.kernelW;
            for (std::size_t row = 0; row * view.k < patches.size(); ++row)
                for (std::int64_t s = 0; s < spatial; ++s)
                    for (std::int64_t ch = 0; ch < view.channels; ++ch)
                        reordered[row * view.k + ch * spatial + s] =
                            patches[row * view.k + s * view.channels + ch];
            patches.swap(reordered);
        }
        rows.m = options_.batch;
        patches.resize(static_cast<std::size_t>(rows.m * view.k));
        rows.values = std::move(patches);
        return rows;
    }

    const auto& tensors = file_->tensors();
    std::size_t index = tensors.size();
    if (singleArray()) {
        index = 0;
    } else {
        for (std::size_t i = 0; i < tensors.size(); ++i)
            if (tensors[i].name == layer)
                index = i;
    }
    if (index >= tensors.size())
        return "no activations for this layer in " + describe();
    const TensorInfo& info = tensors[index];
    if (!isFloat(info.dtype) || !info.unsupported.empty())
        return "activations in " + describe() + " are not floating point";
    // The shape says how X is read and how large it is, before a byte of it is inflated.
    const Shape& shape = info.shape;
    const std::string shapeText = "activations of shape " + shapeToString(shape);
    const bool patchesGiven =
        !shape.empty() && shape.back() == view.k && (!view.isConvolution() || shape.size() == 2);
    const bool channelsLast = view.layout == MatmulView::Layout::ConvOHWI;
    std::int64_t batch = 0, height = 1, width = 0, m = 0;
    if (patchesGiven) {
        m = static_cast<std::int64_t>(info.numel) / view.k;
    } else if (!view.isConvolution()) {
        return shapeText + " do not end in the layer's " + std::to_string(view.k) +
               " input features";
    } else {
        std::int64_t channels = 0;
        if (shape.size() == 4) {
            batch = shape[0];
            channels = channelsLast ? shape[3] : shape[1];
            height = channelsLast ? shape[1] : shape[2];
            width = channelsLast ? shape[2] : shape[3];
        } else if (shape.size() == 3 && view.kernelH == 1) {
            batch = shape[0];
            channels = channelsLast ? shape[2] : shape[1];
            width = channelsLast ? shape[1] : shape[2];
        } else {
            return shapeText + " are neither an input map nor unfolded patches";
        }
        if (channels != view.channels)
            return shapeText + " have " + std::to_string(channels) +
                   " channels, the kernel reads " + std::to_string(view.channels) +
                   " (grouped convolutions are not measured)";
        if (height < view.kernelH || width < view.kernelW)
            return shapeText + " are smaller than the kernel";
        const std::int64_t positions = (height - view.kernelH + 1) * (width - view.kernelW + 1);
        if (batch > kMaxMatrixElements / positions)
            return shapeText + ": too many patches";
        m = batch * positions;
    }
    if (auto reason = tooLarge(m, view))
        return shapeText + ": " + *reason;

    withFloatValues<1>(*file_, index, [&](std::span<const float> values) {
        if (patchesGiven) {
            rows.m = m;
            rows.values.assign(values.begin(), values.end());
        } else {
            rows.m = unfoldPatches(values, batch, height, width, view, rows.values);
        }
    });
    return rows;
}

std::variant<LayerOutput, std::string>
measureLayerOutput(std::span<const float> weights, const Shape& shape, const MatmulView& view,
                   std::span<const float> x, std::int64_t m, const QuantConfig& weightConfig,
                   const MatmulOptions& options)
{
    if (auto reason = tooLarge(m, view))
        return *reason;

    // Weights: per output channel in the N×K view (spec §10), or one scale.
    QuantConfig wConfig = weightConfig;
    const bool perChannel = wConfig.granularity.kind == Granularity::Kind::Channel;
    if (perChannel)
        wConfig.granularity.axis = view.outputAxis;
    QuantizeRequest keepScales;
    keepScales.keepBlockRecords = true;
    const TensorQuantization wq = quantizeTensor(weights, shape, wConfig, keepScales);
    if (wq.nonfinite)
        return std::to_string(wq.nonfinite) + " nonfinite weights";
    std::vector<std::int8_t> wCodes(static_cast<std::size_t>(view.n * view.k));
    std::vector<float> wScales;
    for (std::int64_t j = 0; j < view.n; ++j) {
        const BlockRecord& record = wq.blockRecords[perChannel ? static_cast<std::size_t>(j) : 0];
        if (perChannel || j == 0)
            wScales.push_back(record.scale);
        const IntQuantParams params = blockParams(record, wConfig);
        for (std::int64_t d = 0; d < view.k; ++d)
            wCodes[static_cast<std::size_t>(j * view.k + d)] = quantizeCode<std::int8_t>(
                weights[static_cast<std::size_t>(view.storedIndex(j, d))], params);
    }

    // Activations: per tensor.
    const QuantConfig aConfig = activationConfig(weightConfig, options);
    const TensorQuantization aq = quantizeTensor(x, Shape{m, view.k}, aConfig, keepScales);
    if (aq.nonfinite)
        return std::to_string(aq.nonfinite) + " nonfinite activations";
    const BlockRecord& aRecord = aq.blockRecords.front();
    const IntQuantParams aParams = blockParams(aRecord, aConfig);

    const PackedWeights packed(wCodes, view.n, view.k);
    std::vector<std::int32_t> acc(static_cast<std::size_t>(m * view.n));
    if (options.activationType == ActivationType::Uint8) {
        std::vector<std::uint8_t> codes(x.size());
        std::transform(x.begin(), x.end(), codes.begin(),
                       [&](float v) { return quantizeCode<std::uint8_t>(v, aParams); });
        gemmInt32(std::span<const std::uint8_t>(codes), m, packed, acc);
    } else {
        std::vector<std::int8_t> codes(x.size());
        std::transform(x.begin(), x.end(), codes.begin(),
                       [&](float v) { return quantizeCode<std::int8_t>(v, aParams); });
        gemmInt32(std::span<const std::int8_t>(codes), m, packed, acc);
    }
    std::vector<float> integerResult(acc.size());
    dequantizeOutput(acc, m, view.n, packed.rowSums(),
                     GemmQuantParams{aRecord.scale, aRecord.zeroPoint, wScales}, integerResult);
    const std::vector<float> reference = floatReference(weights, view, x, m);

    LayerOutput output;
    output.m = m;
    output.n = view.n;
    output.k = view.k;
    output.layout = describe(view);
    output.weightGranularity = perChannel ? "channel" : "tensor";
    output.actScale = aRecord.scale;
    output.actZeroPoint = aRecord.zeroPoint;
    output.sums = compareValues(reference, integerResult, output.nonfinite);
    output.metrics = computeMetrics(output.sums);
    return output;
}

} // namespace qs
