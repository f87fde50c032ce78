// The output error of a layer's integer GEMM against float32 (spec §9, §10).
#include "analysis/layer_output.h"
#include "analysis/model_analyzer.h"
#include "common/error.h"
#include "formats/model_file.h"
#include "gemm/packed_weights.h"
#include "support/quant_fixtures.h"
#include "support/test_files.h"

#include <cmath>
#include <gtest/gtest.h>
#include <random>

namespace qs {
namespace {

QuantConfig int8PerChannel()
{
    QuantConfig config;
    config.granularity.kind = Granularity::Kind::Channel;
    return config;
}

MatmulView outIn(std::int64_t n, std::int64_t k)
{
    MatmulView view;
    view.n = n;
    view.k = k;
    return view;
}

using test::gaussian;

LayerOutput measured(std::variant<LayerOutput, std::string> result)
{
    if (auto* reason = std::get_if<std::string>(&result))
        ADD_FAILURE() << "not measured: " << *reason;
    return std::get<LayerOutput>(std::move(result));
}

TEST(LayerOutput, ValuesOnTheGridGiveNoErrorAtAll)
{
    // Every weight row reaches ±127 and the inputs span exactly 0..255, so s_w = s_x = 1,
    // z_x = 0, every code equals its value and both products are exact integers.
    const std::int64_t n = 7, k = 50, m = 9;
    std::mt19937 rng(3);
    std::uniform_int_distribution<int> weightCode(-127, 127), inputCode(0, 255);
    std::vector<float> w(static_cast<std::size_t>(n * k)), x(static_cast<std::size_t>(m * k));
    for (float& v : w)
        v = static_cast<float>(weightCode(rng));
    for (std::int64_t j = 0; j < n; ++j)
        w[static_cast<std::size_t>(j * k + j)] = j % 2 ? 127.0f : -127.0f;
    for (float& v : x)
        v = static_cast<float>(inputCode(rng));
    x[0] = 0;
    x[1] = 255;

    const LayerOutput out =
        measured(measureLayerOutput(w, {n, k}, outIn(n, k), x, m, int8PerChannel(), {}));
    EXPECT_EQ(out.actScale, 1.0f);
    EXPECT_EQ(out.actZeroPoint, 0);
    EXPECT_EQ(out.sums.sumE2, 0.0);
    EXPECT_EQ(out.metrics.maxAbsErr, 0.0);
    EXPECT_TRUE(std::isinf(out.metrics.sqnrDb));
    EXPECT_EQ(out.m, m);
    EXPECT_EQ(out.n, n);
    EXPECT_EQ(out.k, k);
}

TEST(LayerOutput, InputZeroPointIsCompensatedExactly)
{
    // Inputs on the grid 0.5·(q − 10), q in 0..255: s_x = 0.5, z_x = 10. Any error in the
    // z_x·Σw term would show as a nonzero output error.
    const std::int64_t n = 5, k = 31, m = 4;
    std::mt19937 rng(5);
    std::uniform_int_distribution<int> weightCode(-127, 127), inputCode(0, 255);
    std::vector<float> w(static_cast<std::size_t>(n * k)), x(static_cast<std::size_t>(m * k));
    for (float& v : w)
        v = static_cast<float>(weightCode(rng));
    for (std::int64_t j = 0; j < n; ++j)
        w[static_cast<std::size_t>(j * k)] = 127.0f;
    for (float& v : x)
        v = 0.5f * static_cast<float>(inputCode(rng) - 10);
    x[0] = 0.5f * -10;
    x[1] = 0.5f * 245;
    const LayerOutput out =
        measured(measureLayerOutput(w, {n, k}, outIn(n, k), x, m, int8PerChannel(), {}));
    EXPECT_EQ(out.actScale, 0.5f);
    EXPECT_EQ(out.actZeroPoint, 10);
    EXPECT_EQ(out.sums.sumE2, 0.0);
}

TEST(LayerOutput, TransposedStorageMeasuresTheSameLayer)
{
    const std::int64_t n = 24, k = 40, m = 16;
    const auto w = gaussian(static_cast<std::size_t>(n * k), 1, 0.05f);
    const auto x = gaussian(static_cast<std::size_t>(m * k), 2);
    std::vector<float> transposed(w.size());
    for (std::int64_t j = 0; j < n; ++j)
        for (std::int64_t d = 0; d < k; ++d)
            transposed[static_cast<std::size_t>(d * n + j)] =
                w[static_cast<std::size_t>(j * k + d)];
    MatmulView inOut = outIn(n, k);
    inOut.layout = MatmulView::Layout::InOut;
    inOut.outputAxis = 1;

    for (Granularity::Kind kind : {Granularity::Kind::Channel, Granularity::Kind::Tensor}) {
        QuantConfig config;
        config.granularity.kind = kind;
        const LayerOutput a =
            measured(measureLayerOutput(w, {n, k}, outIn(n, k), x, m, config, {}));
        const LayerOutput b =
            measured(measureLayerOutput(transposed, {k, n}, inOut, x, m, config, {}));
        EXPECT_NEAR(a.metrics.sqnrDb, b.metrics.sqnrDb, 1e-6);
        EXPECT_NEAR(a.metrics.mse, b.metrics.mse, 1e-6 * a.metrics.mse);
        EXPECT_GT(a.metrics.sqnrDb, 25.0);
        EXPECT_LT(a.metrics.sqnrDb, 60.0);
    }
}

TEST(LayerOutput, PerChannelWeightsBeatPerTensorWhenChannelsDifferInRange)
{
    const std::int64_t n = 32, k = 64, m = 32;
    auto w = gaussian(static_cast<std::size_t>(n * k), 11, 0.02f);
    for (std::int64_t d = 0; d < k; ++d) // one channel 50× wider than the rest
        w[static_cast<std::size_t>(d)] *= 50.0f;
    const auto x = gaussian(static_cast<std::size_t>(m * k), 12);
    QuantConfig perTensor;
    perTensor.granularity.kind = Granularity::Kind::Tensor;
    const double channel =
        measured(measureLayerOutput(w, {n, k}, outIn(n, k), x, m, int8PerChannel(), {}))
            .metrics.sqnrDb;
    const double tensor =
        measured(measureLayerOutput(w, {n, k}, outIn(n, k), x, m, perTensor, {})).metrics.sqnrDb;
    EXPECT_GT(channel, tensor + 3.0);
}

TEST(LayerOutput, OutlierActivationsHurtPerTensorUint8)
{
    const std::int64_t n = 64, k = 512, m = 64;
    const auto w = gaussian(static_cast<std::size_t>(n * k), 21, 0.05f);
    auto sqnrWith = [&](ActivationDistribution distribution) {
        const auto x = generateActivations({distribution, 0}, "layer", m, k);
        return measured(measureLayerOutput(w, {n, k}, outIn(n, k), x, m, int8PerChannel(), {}))
            .metrics.sqnrDb;
    };
    EXPECT_GT(sqnrWith(ActivationDistribution::Gaussian),
              sqnrWith(ActivationDistribution::LlmOutliers) + 10.0);
}

TEST(LayerOutput, FewerWeightBitsCostAboutSixDecibelsEach)
{
    const std::int64_t n = 64, k = 256, m = 64;
    const auto w = gaussian(static_cast<std::size_t>(n * k), 31, 0.05f);
    const auto x = gaussian(static_cast<std::size_t>(m * k), 32);
    MatmulOptions int8Inputs;
    int8Inputs.activationType = ActivationType::Int8;
    auto sqnrAt = [&](int bits) {
        QuantConfig config = int8PerChannel();
        config.format.bits = bits;
        return measured(measureLayerOutput(w, {n, k}, outIn(n, k), x, m, config, int8Inputs))
            .metrics.sqnrDb;
    };
    const double int4 = sqnrAt(4), int6 = sqnrAt(6);
    EXPECT_NEAR(int6 - int4, 12.0, 3.0);
}

TEST(LayerOutput, ConvolutionInputsUnfoldIntoPatches)
{
    // One 3×3 single-channel map, 2×2 kernel: four patches, each (c, ky, kx) ordered.
    MatmulView view;
    view.layout = MatmulView::Layout::ConvOIHW;
    view.n = 1;
    view.channels = 1;
    view.kernelH = 2;
    view.kernelW = 2;
    view.k = 4;
    const std::vector<float> map{1, 2, 3, 4, 5, 6, 7, 8, 9};
    std::vector<float> rows;
    ASSERT_EQ(unfoldPatches(map, 1, 3, 3, view, rows), 4);
    EXPECT_EQ(rows, (std::vector<float>{1, 2, 4, 5, 2, 3, 5, 6, 4, 5, 7, 8, 5, 6, 8, 9}));

    // Two channels, channels-last storage and (ky, kx, c) order for an OHWI kernel.
    view.layout = MatmulView::Layout::ConvOHWI;
    view.channels = 2;
    view.k = 8;
    std::vector<float> nhwc(18);
    for (std::size_t i = 0; i < nhwc.size(); ++i)
        nhwc[i] = static_cast<float>(i); // pixel p, channel c at 2p + c
    ASSERT_EQ(unfoldPatches(nhwc, 1, 3, 3, view, rows), 4);
    EXPECT_EQ(std::vector<float>(rows.begin(), rows.begin() + 8),
              (std::vector<float>{0, 1, 2, 3, 6, 7, 8, 9}));
    EXPECT_EQ(unfoldPatches(nhwc, 1, 1, 3, view, rows), 0); // smaller than the kernel
}

TEST(LayerOutput, SyntheticConvolutionInputsHaveTheBatchOfPatches)
{
    MatmulOptions options;
    options.batch = 10;
    const ActivationSource source(options);
    TensorInfo info;
    info.name = "conv";
    info.shape = {8, 3, 3, 3};
    const auto view = matmulView(info).view;
    ASSERT_TRUE(view);
    const auto rows = std::get<ActivationSource::Rows>(source.rowsFor("conv", *view));
    EXPECT_EQ(rows.m, 10);
    EXPECT_EQ(rows.values.size(), 10u * 27u);
    // Neighbouring patches overlap: patch 1 starts where patch 0's second column was.
    EXPECT_EQ(rows.values[27 + 0], rows.values[1]);
}

TEST(LayerOutput, NonfiniteWeightsAreNotMeasured)
{
    std::vector<float> w(12, 0.5f);
    w[5] = std::nanf("");
    const std::vector<float> x(8, 1.0f);
    const auto result = measureLayerOutput(w, {3, 4}, outIn(3, 4), x, 2, int8PerChannel(), {});
    ASSERT_TRUE(std::holds_alternative<std::string>(result));
    EXPECT_NE(std::get<std::string>(result).find("nonfinite"), std::string::npos);
}

TEST(LayerOutput, SettingsTheIntegerPathCannotRunAreRefused)
{
    const MatmulOptions options;
    EXPECT_NO_THROW(validateMatmul(int8PerChannel(), options));
    auto refused = [&](auto change, MatmulOptions o = {}) {
        QuantConfig config = int8PerChannel();
        change(config);
        EXPECT_THROW(validateMatmul(config, o), UsageError);
    };
    refused([](QuantConfig& c) { c.format = parseNumberFormat("fp8-e4m3"); });
    refused([](QuantConfig& c) { c.format = parseNumberFormat("int16"); });
    refused([](QuantConfig& c) { c.format = parseNumberFormat("uint8"); });
    refused([](QuantConfig& c) { c.scheme = Scheme::Asymmetric; });
    refused([](QuantConfig& c) { c.granularity = parseGranularity("group:32"); });
    refused([](QuantConfig& c) { c = applyPreset(c, Preset::GgufQ8_0); });
    refused([](QuantConfig& c) { c.calibration.method = Calibration::Method::Kl; });
    MatmulOptions int8Inputs;
    int8Inputs.activationType = ActivationType::Int8;
    QuantConfig kl = int8PerChannel();
    kl.calibration.method = Calibration::Method::Kl;
    EXPECT_NO_THROW(validateMatmul(kl, int8Inputs));
    MatmulOptions noRows;
    noRows.batch = 0;
    refused([](QuantConfig&) {}, noRows);
}

TEST(LayerOutput, ModelAnalysisMeasuresEveryMatrixAndIgnoresThreadCount)
{
    const auto model =
        openModel((test::sharedModelsDir() / "ppocrv4_rec_svtr_neck.safetensors").string());
    AnalyzeOptions options;
    options.matmul = MatmulOptions{};
    options.threads = 1;
    const ModelReport one = analyzeModel(*model, int8PerChannel(), options);
    options.threads = 2;
    const ModelReport two = analyzeModel(*model, int8PerChannel(), options);
    ASSERT_EQ(one.layers.size(), two.layers.size());
    std::size_t matrices = 0;
    for (std::size_t i = 0; i < one.layers.size(); ++i) {
        const LayerReport& layer = one.layers[i];
        if (layer.shape.size() == 2) {
            ++matrices;
            ASSERT_TRUE(layer.output) << layer.name << ": " << layer.outputSkipped;
            ASSERT_TRUE(two.layers[i].output);
            EXPECT_EQ(layer.output->sums.sumE2, two.layers[i].output->sums.sumE2);
            EXPECT_EQ(layer.output->m, 64);
            EXPECT_GT(layer.output->metrics.sqnrDb, 30.0);
            // Paddle stores Linear weights [in, out]; the bias length says so too.
            EXPECT_EQ(layer.output->n, layer.shape[1]) << layer.name;
        } else {
            EXPECT_FALSE(layer.output);
            EXPECT_FALSE(layer.outputSkipped.empty());
        }
    }
    EXPECT_EQ(matrices, 8u);
    EXPECT_EQ(one.summary.outputLayers, 8u);
    ASSERT_TRUE(one.summary.output);
    EXPECT_EQ(one.activations, "gaussian, seed 0");
}

} // namespace
} // namespace qs

namespace qs {
namespace {

TEST(LayerOutput, OversizedInputsAreRefusedBeforeAllocating)
{
    MatmulOptions options;
    options.batch = 1 << 20;
    const ActivationSource source(options);
    const auto rows = source.rowsFor("big", outIn(4096, 4096)); // 16 GiB of X if generated
    ASSERT_TRUE(std::holds_alternative<std::string>(rows));
    EXPECT_NE(std::get<std::string>(rows).find("exceed"), std::string::npos);

    MatmulView deep = outIn(2, maxGemmDepth() + 1);
    options.batch = 1;
    const auto tooDeep = ActivationSource(options).rowsFor("deep", deep);
    ASSERT_TRUE(std::holds_alternative<std::string>(tooDeep));
    EXPECT_NE(std::get<std::string>(tooDeep).find("depth"), std::string::npos);
}

} // namespace
} // namespace qs
