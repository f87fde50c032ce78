// The marks of each calibration method: the range the method picks for the block drawn,
// and the error it gives, equal to inspecting the tensor with that method.
#include "analysis/calibration_marks.h"
#include "analysis/tensor_inspection.h"
#include "common/error.h"
#include "support/svtr_fixture.h"

#include <gtest/gtest.h>

namespace qs {
namespace {

class CalibrationMarksTest : public test::SvtrTensorTest {
protected:
    CalibrationMarksTest()
        : SvtrTensorTest("linear_81.w_0")
    {
    }
};

TEST_F(CalibrationMarksTest, EachMethodsRangeAndErrorAsIfChosen)
{
    QuantConfig config;
    config.granularity = parseGranularity("tensor");
    config.calibration = parseCalibration("percentile:99.9");
    const std::vector<CalibrationMark> marks = calibrationMarks(*model_, index_, config);
    ASSERT_EQ(marks.size(), 4u);
    std::vector<std::string> labels;
    for (const CalibrationMark& mark : marks) {
        labels.push_back(markLabel(mark.calibration));
        QuantConfig chosen = config;
        chosen.calibration = mark.calibration;
        const TensorInspection in = inspectTensor(*model_, index_, chosen);
        EXPECT_EQ(mark.clip.lo, in.block->clip.lo) << labels.back();
        EXPECT_EQ(mark.clip.hi, in.block->clip.hi) << labels.back();
        EXPECT_NEAR(mark.metrics.sqnrDb, in.layer.metrics.sqnrDb, 1e-9) << labels.back();
    }
    EXPECT_EQ(labels, (std::vector<std::string>{"minmax", "p99.9", "mse", "kl"}));
    // The mse search includes the minmax range among its candidates: never worse.
    EXPECT_GE(marks[2].metrics.sqnrDb, marks[0].metrics.sqnrDb);
    // A percentile below 100 clips: a narrower range than minmax.
    EXPECT_LT(marks[1].clip.hi - marks[1].clip.lo, marks[0].clip.hi - marks[0].clip.lo);
}

TEST_F(CalibrationMarksTest, OneChannelAndWhereThereIsNoChoice)
{
    QuantConfig config;                                             // per channel
    EXPECT_TRUE(calibrationMarks(*model_, index_, config).empty()); // which channel?
    config.scheme = Scheme::Asymmetric;
    const auto marks = calibrationMarks(*model_, index_, config, 5);
    ASSERT_EQ(marks.size(), 3u); // no kl for an asymmetric grid
    InspectOptions options;
    options.block = 5;
    const TensorInspection in = inspectTensor(*model_, index_, config, options);
    EXPECT_EQ(marks[0].clip.lo, in.block->clip.lo); // the config's own method: minmax
    EXPECT_EQ(marks[0].clip.hi, in.block->clip.hi);
    EXPECT_NEAR(marks[0].metrics.sqnrDb, in.blockMetrics->sqnrDb, 1e-9);

    QuantConfig bf16;
    bf16.format = parseNumberFormat("bf16");
    EXPECT_TRUE(calibrationMarks(*model_, index_, bf16).empty());
    EXPECT_THROW(calibrationMarks(*model_, index_, config, 100000), UsageError);
}

TEST_F(CalibrationMarksTest, StopsWhenTheCallerNoLongerWantsThem)
{
    QuantConfig config;
    config.granularity = parseGranularity("tensor");
    int polls = 0;
    EXPECT_THROW(
        calibrationMarks(*model_, index_, config, std::nullopt, [&polls] { return ++polls < 3; }),
        CancelledError);
    EXPECT_EQ(polls, 3);
}

} // namespace
} // namespace qs
