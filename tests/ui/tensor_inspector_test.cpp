// The tensor dock on its own, on a real weight matrix: dragging a clip line with the mouse
// requantizes with that range and shows the same numbers the core gives for it; each
// calibration method's range is marked; one channel can be drawn alone.

#include "bits_sweep_chart.h"
#include "bits_sweep_view.h"
#include "channel_range_chart.h"
#include "histogram_chart.h"
#include "tensor_inspector.h"
#include "walkthrough_view.h"

#include <QApplication>
#include <QCheckBox>
#include <QDir>
#include <QLabel>
#include <QLegend>
#include <QLineSeries>
#include <QMouseEvent>
#include <QPushButton>
#include <QScatterSeries>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTabWidget>
#include <QTest>
#include <gtest/gtest.h>
#include <numeric>

namespace qs::ui {
namespace {

constexpr int kWaitMs = 20000;

class TensorInspectorTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        model_ = openModel(QS_SHARED_MODELS_DIR "/ppocrv4_rec_svtr_neck.safetensors");
        for (std::size_t i = 0; i < model_->tensors().size(); ++i)
            if (model_->tensors()[i].name == "linear_81.w_0")
                index_ = i;
        inspector_.resize(1200, 460);
        inspector_.show();
        ASSERT_TRUE(QTest::qWaitForWindowExposed(&inspector_));
    }

    // Waits for the result of the newest request.
    bool settle()
    {
        QSignalSpy ready(&inspector_, &TensorInspector::inspectionReady);
        for (int waited = 0; waited < kWaitMs; waited += 50) {
            if (!ready.wait(50) && ready.isEmpty())
                continue;
            ready.clear();
            // More may be on the way (a drag's coalesced request): wait until quiet.
            if (!ready.wait(300))
                return true;
        }
        return false;
    }

    // Presses at `from`, moves through `to` and releases there, as a hand would: the event
    // loop runs between moves, so results of earlier positions arrive during the drag.
    void drag(QWidget* target, QPoint from, QPoint to)
    {
        auto send = [&](QEvent::Type type, QPoint at, Qt::MouseButtons buttons) {
            QMouseEvent event(type, at, target->mapToGlobal(at), Qt::LeftButton, buttons,
                              Qt::NoModifier);
            QApplication::sendEvent(target, &event);
        };
        send(QEvent::MouseButtonPress, from, Qt::LeftButton);
        for (int step = 1; step <= 8; ++step) {
            QTest::qWait(40);
            send(QEvent::MouseMove, from + (to - from) * step / 8, Qt::LeftButton);
        }
        send(QEvent::MouseButtonRelease, to, Qt::NoButton);
    }

    std::shared_ptr<const ModelFile> model_;
    std::size_t index_ = 0;
    TensorInspector inspector_;
};

TEST_F(TensorInspectorTest, DraggingAClipLineRequantizesWithThatRange)
{
    QuantConfig config;
    config.granularity = parseGranularity("tensor");
    QSignalSpy marksReady(&inspector_, &TensorInspector::marksReady);
    inspector_.inspect(model_, index_, config);
    ASSERT_TRUE(settle());
    ASSERT_TRUE(!marksReady.isEmpty() || marksReady.wait(kWaitMs));
    const TensorInspection calibrated = *inspector_.inspection();
    ASSERT_TRUE(calibrated.block);

    // Each method's range is marked and named in the legend with its SQNR.
    HistogramChart* chart = inspector_.valueChart();
    ASSERT_EQ(chart->markSeries().size(), 4);
    EXPECT_TRUE(chart->markSeries()[2]->name().startsWith(QStringLiteral("mse (")));
    EXPECT_TRUE(chart->chart()->legend()->isVisible());
    EXPECT_TRUE(inspector_.detailsLabel()->text().contains(QStringLiteral("s = amax / qmax = ")))
        << inspector_.detailsLabel()->text().toStdString();

    // Drag the high line a third of the way towards 0: the symmetric range follows.
    const QPoint high = chart->clipLinePosition(HistogramChart::Edge::High);
    const QPoint zero = chart->mapFromScene(
        chart->chart()->mapToScene(chart->chart()->mapToPosition(QPointF(0, 0))));
    QSignalSpy dragged(chart, &HistogramChart::clipDragged);
    QSignalSpy during(&inspector_, &TensorInspector::inspectionReady);
    drag(chart->viewport(), high, high - QPoint((high.x() - zero.x()) / 3, 0));
    // Results came in while dragging, and the drag went on through them: every move
    // updated the range.
    EXPECT_GE(during.size(), 2);
    ASSERT_EQ(dragged.size(), 8);
    ASSERT_TRUE(settle());

    const TensorInspection& shown = *inspector_.inspection();
    EXPECT_TRUE(shown.manualClip);
    EXPECT_TRUE(inspector_.resetClipButton()->isEnabled());
    const double lo = dragged.back()[0].toDouble();
    const double hi = dragged.back()[1].toDouble();
    EXPECT_NEAR(hi, -lo, 1e-12);
    EXPECT_NEAR(hi, calibrated.block->clip.hi * 2 / 3, calibrated.block->clip.hi * 0.05);
    // The numbers shown are the core's for that range, and the tails are now clipped.
    InspectOptions options;
    options.clip = ClipRange{static_cast<float>(lo), static_cast<float>(hi)};
    const TensorInspection expected = inspectTensor(*model_, index_, config, options);
    EXPECT_EQ(shown.layer.metrics.sqnrDb, expected.layer.metrics.sqnrDb);
    EXPECT_EQ(shown.block->scale, expected.block->scale);
    EXPECT_GT(shown.layer.metrics.clippedFrac, 0.0);
    EXPECT_TRUE(inspector_.detailsLabel()->text().contains(QStringLiteral("(dragged)")));
    EXPECT_TRUE(inspector_.detailsLabel()->text().contains(
        QStringLiteral("SQNR ") + QString::number(expected.layer.metrics.sqnrDb, 'g', 5)));
    EXPECT_EQ(chart->markSeries().size(), 4); // the marks stay

    ASSERT_TRUE(QDir().mkpath(QStringLiteral(QS_SCREENSHOT_DIR)));
    EXPECT_TRUE(
        inspector_.grab().save(QStringLiteral(QS_SCREENSHOT_DIR "/tensor_dragged_clip.png")));

    // Another setting drops the marks at once: bf16 is a plain cast, with no range to choose.
    QuantConfig bf16 = config;
    bf16.format = parseNumberFormat("bf16");
    inspector_.inspect(model_, index_, bf16);
    ASSERT_TRUE(settle());
    EXPECT_TRUE(chart->markSeries().isEmpty());
    EXPECT_FALSE(inspector_.detailsLabel()->text().contains(QStringLiteral("Each method")));
    inspector_.inspect(model_, index_, config);
    ASSERT_TRUE(settle());
    inspector_.setClip(options.clip);
    ASSERT_TRUE(settle());

    // Back to the calibrated range.
    inspector_.resetClipButton()->click();
    ASSERT_TRUE(settle());
    EXPECT_FALSE(inspector_.inspection()->manualClip);
    EXPECT_EQ(inspector_.inspection()->layer.metrics.sqnrDb, calibrated.layer.metrics.sqnrDb);
}

TEST_F(TensorInspectorTest, AsymmetricLinesMoveAloneAndPerChannelLinesDoNotMove)
{
    QuantConfig config;
    config.granularity = parseGranularity("tensor");
    config.scheme = Scheme::Asymmetric;
    inspector_.inspect(model_, index_, config);
    ASSERT_TRUE(settle());
    HistogramChart* chart = inspector_.valueChart();
    const double hiBefore = inspector_.inspection()->overlay.clipHi;
    const QPoint low = chart->clipLinePosition(HistogramChart::Edge::Low);
    QSignalSpy dragged(chart, &HistogramChart::clipDragged);
    drag(chart->viewport(), low, low + QPoint(40, 0));
    ASSERT_FALSE(dragged.isEmpty());
    EXPECT_GT(dragged.back()[0].toDouble(), inspector_.inspection()->overlay.clipLo - 1);
    EXPECT_EQ(dragged.back()[1].toDouble(), hiBefore); // the other line stays

    // A press away from the lines drags nothing.
    dragged.clear();
    const QPoint middle = (low + chart->clipLinePosition(HistogramChart::Edge::High)) / 2;
    drag(chart->viewport(), middle + QPoint(15, 0), middle + QPoint(60, 0));
    EXPECT_TRUE(dragged.isEmpty());

    // Per channel there are 120 ranges, not one pair of lines: nothing to drag.
    inspector_.inspect(model_, index_, QuantConfig{});
    ASSERT_TRUE(settle());
    dragged.clear();
    const QPoint high = chart->clipLinePosition(HistogramChart::Edge::High);
    drag(chart->viewport(), high, high - QPoint(40, 0));
    EXPECT_TRUE(dragged.isEmpty());
}

TEST_F(TensorInspectorTest, OneChannelDrawnAloneFromThePickerOrThePerChannelChart)
{
    inspector_.inspect(model_, index_, QuantConfig{}); // per output channel
    ASSERT_TRUE(settle());
    EXPECT_EQ(inspector_.inspection()->blocks, 120u);
    EXPECT_TRUE(inspector_.blockSpin()->isEnabled());
    EXPECT_EQ(inspector_.blockSpin()->maximum(), 119);
    EXPECT_TRUE(inspector_.valueChart()->markSeries().isEmpty()); // whose range would they be?

    QSignalSpy marksReady(&inspector_, &TensorInspector::marksReady);
    inspector_.blockSpin()->setValue(7);
    ASSERT_TRUE(settle());
    const TensorInspection& shown = *inspector_.inspection();
    ASSERT_TRUE(shown.blockIndex);
    EXPECT_EQ(*shown.blockIndex, 7u);
    EXPECT_EQ(shown.values.below + shown.values.above +
                  std::accumulate(shown.values.counts.begin(), shown.values.counts.end(),
                                  std::uint64_t{0}),
              360u); // one row of [120, 360]
    ASSERT_TRUE(!marksReady.isEmpty() || marksReady.wait(kWaitMs));
    EXPECT_EQ(inspector_.valueChart()->markSeries().size(), 4);
    EXPECT_TRUE(inspector_.detailsLabel()->text().contains(QStringLiteral("Channel 7 alone")));

    // The per-channel chart has a point per output channel; a click there picks one.
    ChannelRangeChart* channels = inspector_.channelChart();
    inspector_.viewTabs()->setCurrentWidget(channels);
    QTest::qWait(50); // laid out and painted, as a user would see it before clicking
    EXPECT_EQ(channels->maxSeries()->count(), 120);
    EXPECT_EQ(channels->sqnrSeries()->count(), 120);
    QSignalSpy clicked(channels, &ChannelRangeChart::channelClicked);
    marksReady.clear();
    const QPointF at = channels->chart()->mapToPosition(QPointF(90, 0), channels->sqnrSeries());
    const QPoint viewportAt = channels->mapFromScene(channels->chart()->mapToScene(at));
    QTest::mouseClick(channels->viewport(), Qt::LeftButton, {}, viewportAt);
    ASSERT_EQ(clicked.size(), 1);
    EXPECT_EQ(clicked[0][0].value<std::uint64_t>(), 90u);
    ASSERT_TRUE(settle());
    EXPECT_EQ(inspector_.blockSpin()->value(), 90);
    EXPECT_EQ(*inspector_.inspection()->blockIndex, 90u);
    ASSERT_TRUE(!marksReady.isEmpty() || marksReady.wait(kWaitMs));
    QTest::qWait(100); // the legend is laid out on the next turns of the event loop
    ASSERT_TRUE(QDir().mkpath(QStringLiteral(QS_SCREENSHOT_DIR)));
    EXPECT_TRUE(
        inspector_.grab().save(QStringLiteral(QS_SCREENSHOT_DIR "/tensor_per_channel.png")));

    inspector_.blockSpin()->setValue(-1); // "all"
    ASSERT_TRUE(settle());
    EXPECT_FALSE(inspector_.inspection()->blockIndex);
}

TEST_F(TensorInspectorTest, BitsSweepOfTheTensorAndTheModelWhenItsTabIsShown)
{
    const QuantConfig config; // int8 per channel
    inspector_.inspect(model_, index_, config);
    ASSERT_TRUE(settle());
    BitsSweepView* sweep = inspector_.sweepView();
    BitsSweepChart* chart = sweep->chart();
    EXPECT_EQ(chart->tensorLine()->count(), 0); // hidden tab: nothing computed

    QSignalSpy tensorReady(sweep, &BitsSweepView::tensorSweepReady);
    inspector_.viewTabs()->setCurrentWidget(sweep);
    ASSERT_TRUE(tensorReady.wait(kWaitMs));
    const std::vector<SweepPoint> expected = sweepTensor(*model_, index_, config);
    ASSERT_EQ(chart->tensorLine()->count(), 7);
    for (int bits = 2; bits <= 8; ++bits) {
        const QPointF point = chart->tensorLine()->at(bits - 2);
        EXPECT_EQ(point.x(), bits);
        EXPECT_EQ(point.y(), expected[static_cast<std::size_t>(bits - 2)].metrics.sqnrDb);
    }
    EXPECT_EQ(chart->formatPoints()->count(), 3);
    EXPECT_EQ(chart->pointLabels(),
              (QStringList{QStringLiteral("fp8-e4m3"), QStringLiteral("fp8-e5m2"),
                           QStringLiteral("fp4-e2m1")}));
    // The reference runs 6.02 dB a bit through the 8-bit point.
    const QPointF eight = chart->tensorLine()->at(6);
    bool throughEight = false;
    for (const QPointF& p : chart->referenceLine()->points())
        throughEight = throughEight || p == eight;
    EXPECT_TRUE(throughEight);
    EXPECT_NEAR(chart->referenceLine()->at(0).y(), eight.y() - 6 * 6.0206, 1e-9);

    QSignalSpy modelReady(sweep, &BitsSweepView::modelSweepReady);
    sweep->wholeModelCheck()->setChecked(true);
    ASSERT_TRUE(modelReady.wait(kWaitMs));
    const std::vector<SweepPoint> model = sweepModel(*model_, config);
    ASSERT_EQ(chart->modelLine()->count(), 7);
    EXPECT_EQ(chart->modelLine()->at(2).y(), model[2].metrics.sqnrDb);
    QTest::qWait(100); // the legend is laid out on the next turns of the event loop
    EXPECT_TRUE(inspector_.grab().save(QStringLiteral(QS_SCREENSHOT_DIR "/tensor_bits_sweep.png")));

    // Another tensor: its own sweep; the model's line stays (same settings).
    std::size_t other = 0;
    for (std::size_t i = 0; i < model_->tensors().size(); ++i)
        if (model_->tensors()[i].name == "linear_78.w_0")
            other = i;
    tensorReady.clear();
    inspector_.inspect(model_, other, config);
    ASSERT_TRUE(tensorReady.wait(kWaitMs));
    EXPECT_EQ(chart->modelLine()->count(), 7);
    ASSERT_EQ(chart->tensorLine()->count(), 7);
    EXPECT_EQ(chart->tensorLine()->at(6).y(),
              sweepTensor(*model_, other, config)[6].metrics.sqnrDb);
}

TEST_F(TensorInspectorTest, ClickingAWeightWalksItThroughQuantization)
{
    QuantConfig config;
    config.format = parseNumberFormat("int4");
    config.granularity = parseGranularity("tensor");
    inspector_.inspect(model_, index_, config);
    ASSERT_TRUE(settle());

    // A click (press and release in place) inside the plot, two thirds of the way to the
    // high clip line.
    HistogramChart* chart = inspector_.valueChart();
    const QPoint high = chart->clipLinePosition(HistogramChart::Edge::High);
    const QPoint zero = chart->mapFromScene(
        chart->chart()->mapToScene(chart->chart()->mapToPosition(QPointF(0, 0))));
    const QPoint at(zero.x() + (high.x() - zero.x()) * 2 / 3, high.y());
    QSignalSpy clicked(chart, &HistogramChart::valueClicked);
    WalkthroughView* walkthrough = inspector_.walkthroughView();
    QSignalSpy ready(walkthrough, &WalkthroughView::stepsReady);
    drag(chart->viewport(), at, at);
    ASSERT_EQ(clicked.size(), 1);
    EXPECT_EQ(inspector_.viewTabs()->currentWidget(), walkthrough);
    // The first result may be the element shown before the click: wait for the picked one.
    ASSERT_TRUE(ready.wait(kWaitMs));
    while (ready.wait(500)) {
    }
    ASSERT_TRUE(walkthrough->steps().has_value());
    const double value = clicked[0][0].toDouble();
    const std::uint64_t nearest = nearestElement(*model_, index_, value);
    EXPECT_EQ(static_cast<std::uint64_t>(walkthrough->elementSpin()->value()), nearest);
    const ElementSteps expected = explainTensorElement(*model_, index_, config, nearest);
    EXPECT_EQ(walkthrough->steps()->x, expected.x);
    EXPECT_EQ(walkthrough->steps()->restored, expected.restored);
    const QString text = walkthrough->stepsLabel()->text();
    EXPECT_TRUE(text.contains(QStringLiteral("(q \u2212 z)"))) << text.toStdString();
    EXPECT_TRUE(text.contains(QString::number(expected.error, 'g', 7))) << text.toStdString();
    QTest::qWait(50);
    EXPECT_TRUE(
        inspector_.grab().save(QStringLiteral(QS_SCREENSHOT_DIR "/tensor_walkthrough.png")));

    // Another element by its index.
    ready.clear();
    walkthrough->elementSpin()->setValue(17);
    ASSERT_TRUE(ready.wait(kWaitMs));
    EXPECT_EQ(walkthrough->steps()->restored,
              explainTensorElement(*model_, index_, config, 17).restored);
}

TEST(TensorInspectorPresets, TheWalkThroughFollowsAGgufBlock)
{
    const auto model = std::shared_ptr<const ModelFile>(
        openModel(QS_SHARED_MODELS_DIR "/ch_ppocr_mobile_v2.0_cls_infer.onnx"));
    const QuantConfig config = applyPreset(QuantConfig{}, Preset::GgufQ4_0);
    std::size_t index = 0;
    while (index < model->tensors().size() &&
           (!isFloat(model->tensors()[index].dtype) ||
            whyNotApplicable(model->tensors()[index].shape, config)))
        ++index;
    ASSERT_LT(index, model->tensors().size());
    TensorInspector inspector;
    inspector.resize(1200, 460);
    inspector.show();
    QSignalSpy inspected(&inspector, &TensorInspector::inspectionReady);
    inspector.inspect(model, index, config);
    ASSERT_TRUE(inspected.wait(kWaitMs));
    WalkthroughView* walkthrough = inspector.walkthroughView();
    inspector.viewTabs()->setCurrentWidget(walkthrough);
    QSignalSpy ready(walkthrough, &WalkthroughView::stepsReady);
    walkthrough->elementSpin()->setValue(5);
    ASSERT_TRUE(ready.wait(kWaitMs));
    while (walkthrough->steps() && walkthrough->elementSpin()->value() == 5 && ready.wait(300)) {
    }
    const ElementSteps expected = explainTensorElement(*model, index, config, 5);
    ASSERT_TRUE(walkthrough->steps().has_value());
    EXPECT_EQ(walkthrough->steps()->restored, expected.restored);
    const QString text = walkthrough->stepsLabel()->text();
    EXPECT_TRUE(text.contains(QStringLiteral("nibble"))) << text.toStdString();
    EXPECT_TRUE(text.contains(QStringLiteral("fp16"))) << text.toStdString();
    EXPECT_TRUE(text.contains(QString::number(expected.preset.code))) << text.toStdString();
    QTest::qWait(50);
    EXPECT_TRUE(
        inspector.grab().save(QStringLiteral(QS_SCREENSHOT_DIR "/tensor_walkthrough_q4_0.png")));
}

} // namespace
} // namespace qs::ui
