// Which stored weights are measured as a GEMM, and in which orientation.
#include "analysis/matmul_view.h"

#include <gtest/gtest.h>

namespace qs {
namespace {

TensorInfo weight(const std::string& name, Shape shape, std::optional<TensorUse> use = {})
{
    TensorInfo info;
    info.name = name;
    info.shape = std::move(shape);
    info.use = std::move(use);
    return info;
}

TensorUse usedBy(const std::string& op, const std::string& role, int outputAxis)
{
    TensorUse use;
    use.op = op;
    use.role = role;
    use.input = 1;
    use.outputChannelAxis = outputAxis;
    return use;
}

TEST(MatmulView, PlainMatrixIsOutByIn)
{
    const auto e = matmulView(weight("fc.weight", {300, 40}));
    ASSERT_TRUE(e.view);
    EXPECT_EQ(e.view->layout, MatmulView::Layout::OutIn);
    EXPECT_EQ(e.view->n, 300);
    EXPECT_EQ(e.view->k, 40);
    EXPECT_EQ(e.view->outputAxis, 0);
    EXPECT_EQ(e.view->storedIndex(2, 3), 2 * 40 + 3);
}

TEST(MatmulView, SiblingBiasRevealsInByOut)
{
    const std::vector<TensorInfo> model{weight("fc.weight", {40, 300}), weight("fc.bias", {300})};
    const auto e = matmulView(model[0], model);
    ASSERT_TRUE(e.view);
    EXPECT_EQ(e.view->layout, MatmulView::Layout::InOut);
    EXPECT_EQ(e.view->n, 300);
    EXPECT_EQ(e.view->k, 40);
    EXPECT_EQ(e.view->outputAxis, 1);
    EXPECT_EQ(e.view->storedIndex(2, 3), 3 * 300 + 2);

    // A bias as long as the first axis keeps [out, in], even under a Paddle-like name.
    const std::vector<TensorInfo> outIn{weight("fc.w_0", {300, 40}), weight("fc.b_0", {300})};
    EXPECT_EQ(matmulView(outIn[0], outIn).view->layout, MatmulView::Layout::OutIn);
}

TEST(MatmulView, PaddleNamesWithoutBiasAreInByOut)
{
    EXPECT_EQ(matmulView(weight("linear_3.w_0", {64, 32})).view->layout, MatmulView::Layout::InOut);
    EXPECT_EQ(matmulView(weight("linear_3.w_x", {64, 32})).view->layout, MatmulView::Layout::OutIn);
}

TEST(MatmulView, OperatorsDecideOrientation)
{
    EXPECT_EQ(matmulView(weight("a", {8, 4}, usedBy("MatMul", "weight", 1))).view->layout,
              MatmulView::Layout::InOut);
    EXPECT_EQ(matmulView(weight("b", {8, 4}, usedBy("Gemm", "weight", 0))).view->layout,
              MatmulView::Layout::OutIn);
    EXPECT_EQ(matmulView(weight("c", {8, 4}, usedBy("Gemm", "weight", 1))).view->layout,
              MatmulView::Layout::InOut);
    EXPECT_EQ(matmulView(weight("d", {8, 4}, usedBy("FULLY_CONNECTED", "weight", 0))).view->layout,
              MatmulView::Layout::OutIn);
}

TEST(MatmulView, ConvolutionsUnfoldTheirKernel)
{
    const auto oihw = matmulView(weight("conv", {16, 3, 5, 7}, usedBy("Conv", "weight", 0)));
    ASSERT_TRUE(oihw.view);
    EXPECT_EQ(oihw.view->layout, MatmulView::Layout::ConvOIHW);
    EXPECT_EQ(oihw.view->n, 16);
    EXPECT_EQ(oihw.view->k, 3 * 5 * 7);
    EXPECT_EQ(oihw.view->channels, 3);
    EXPECT_EQ(oihw.view->kernelH, 5);
    EXPECT_EQ(oihw.view->kernelW, 7);
    EXPECT_EQ(describe(*oihw.view), "conv 5×7 (OIHW)");

    const auto ohwi = matmulView(weight("t", {16, 5, 7, 3}, usedBy("CONV_2D", "weight", 0)));
    ASSERT_TRUE(ohwi.view);
    EXPECT_EQ(ohwi.view->layout, MatmulView::Layout::ConvOHWI);
    EXPECT_EQ(ohwi.view->channels, 3);
    EXPECT_EQ(ohwi.view->kernelH, 5);
    EXPECT_EQ(ohwi.view->kernelW, 7);

    const auto conv1d = matmulView(weight("c1", {8, 4, 3}));
    ASSERT_TRUE(conv1d.view);
    EXPECT_EQ(conv1d.view->kernelH, 1);
    EXPECT_EQ(conv1d.view->kernelW, 3);
    EXPECT_EQ(conv1d.view->k, 12);
}

TEST(MatmulView, OtherTensorsSayWhyNot)
{
    const auto bias = matmulView(weight("fc.bias", {300}));
    EXPECT_FALSE(bias.view);
    EXPECT_NE(bias.reason.find("1-D"), std::string::npos);

    const auto gemmBias = matmulView(weight("b", {8, 4}, usedBy("Gemm", "bias", -1)));
    EXPECT_FALSE(gemmBias.view);
    EXPECT_NE(gemmBias.reason.find("bias"), std::string::npos);

    const auto embedding = matmulView(weight("emb", {100, 8}, usedBy("Gather", "embedding", 0)));
    EXPECT_FALSE(embedding.view);
    EXPECT_NE(embedding.reason.find("Gather"), std::string::npos);

    const auto depthwise =
        matmulView(weight("dw", {1, 3, 3, 8}, usedBy("DEPTHWISE_CONV_2D", "weight", 3)));
    EXPECT_FALSE(depthwise.view);

    EXPECT_FALSE(matmulView(weight("empty", {0, 4})).view);
    EXPECT_FALSE(matmulView(weight("5d", {2, 2, 2, 2, 2})).view);
}

} // namespace
} // namespace qs

namespace qs {
namespace {

TEST(MatmulView, SquarePaddleWeightsStayInByOutDespiteTheirBias)
{
    const std::vector<TensorInfo> model{weight("fc.w_0", {64, 64}), weight("fc.b_0", {64})};
    EXPECT_EQ(matmulView(model[0], model).view->layout, MatmulView::Layout::InOut);
    const std::vector<TensorInfo> torch{weight("fc.weight", {64, 64}), weight("fc.bias", {64})};
    EXPECT_EQ(matmulView(torch[0], torch).view->layout, MatmulView::Layout::OutIn);
}

} // namespace
} // namespace qs

namespace qs {
namespace {

TEST(MatmulView, WithoutAnOperatorOnlySmallKernelsAreConvolutions)
{
    EXPECT_TRUE(matmulView(weight("conv.weight", {16, 3, 3, 3})).view);
    EXPECT_TRUE(matmulView(weight("conv1d.weight", {16, 8, 16})).view);
    const auto experts = matmulView(weight("blk.0.ffn_gate_exps.weight", {8, 64, 4096}));
    EXPECT_FALSE(experts.view);
    EXPECT_NE(experts.reason.find("without an operator"), std::string::npos);
    EXPECT_FALSE(matmulView(weight("attn.bias", {1, 1, 1024, 1024})).view);
}

} // namespace
} // namespace qs
