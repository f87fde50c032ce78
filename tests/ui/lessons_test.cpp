// The built-in lessons: every step sets the controls it lists, selects its tensor, frames
// the part of the window it talks about, and tells the truth — the SQNR moves the way the
// step says, by about as many decibels as its text claims.
#include "analysed_window.h"
#include "bits_sweep_view.h"
#include "channel_range_chart.h"
#include "highlight_frame.h"
#include "histogram_chart.h"
#include "lesson_panel.h"
#include "lessons.h"
#include "main_window.h"
#include "quant/quant_options.h"
#include "settings_panel.h"
#include "tensor_inspector.h"

#include <QDockWidget>
#include <QLabel>
#include <QListWidget>
#include <QMenuBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QTabWidget>
#include <QTest>
#include <cmath>
#include <functional>
#include <gtest/gtest.h>

namespace qs::ui {
namespace {

bool waitUntil(const std::function<bool()>& done, int milliseconds = 60000)
{
    for (int waited = 0; waited < milliseconds && !done(); waited += 20)
        QTest::qWait(20);
    return done();
}

std::vector<std::string> words(const QStringList& list)
{
    std::vector<std::string> out;
    for (const QString& word : list)
        out.push_back(word.toStdString());
    return out;
}

const LayerReport* layerOf(const MainWindow& window, const QString& tensor)
{
    for (const LayerReport& layer : window.report()->layers)
        if (layer.name == tensor.toStdString())
            return &layer;
    return nullptr;
}

// The step's configuration, analysed and inspected: the report is of its settings, and the
// inspection is of its tensor with the report's numbers.
bool settled(const MainWindow& window, const LessonStep& step)
{
    const QuantConfig wanted = parseQuantizationOptions(words(step.arguments));
    const auto& report = window.report();
    const auto& inspection = window.tensorInspector()->inspection();
    if (!report || quantizationWords(report->config) != quantizationWords(wanted) || !inspection ||
        inspection->layer.name != step.tensor.toStdString())
        return false;
    const LayerReport* layer = layerOf(window, step.tensor);
    return layer && layer->metrics.sqnrDb == inspection->layer.metrics.sqnrDb;
}

double sqnrOf(const MainWindow& window, const QString& tensor)
{
    const LayerReport* layer = layerOf(window, tensor);
    return layer ? layer->metrics.sqnrDb : NAN;
}

// "rises by about 6 dB" / "is only about 20 dB" in a step's text.
std::optional<double> claimed(const QString& text, const QString& phrase)
{
    const QRegularExpression pattern(phrase + QStringLiteral(" about (\\d+) dB"));
    const auto match = pattern.match(text);
    if (!match.hasMatch())
        return std::nullopt;
    return match.captured(1).toDouble();
}

QWidget* expectedTarget(MainWindow& window, LessonTarget target)
{
    TensorInspector* inspector = window.tensorInspector();
    switch (target) {
    case LessonTarget::WeightHistogram:
        return inspector->valueChart();
    case LessonTarget::ErrorHistogram:
        return inspector->errorChart();
    case LessonTarget::ChannelRanges:
        return inspector->channelChart();
    case LessonTarget::BitsSweep:
        return inspector->sweepView();
    case LessonTarget::Details:
        return inspector->detailsLabel();
    }
    return nullptr;
}

class LessonInWindow : public ::testing::TestWithParam<std::size_t> {};

TEST_P(LessonInWindow, EveryStepSetsSelectsFramesAndTellsTheTruth)
{
    test::AnalysedWindow analysed;
    MainWindow& window = analysed.window;
    window.resize(1500, 950);
    window.show();
    const std::size_t index = GetParam();
    const Lesson& lesson = lessons()[index];
    double previous = NAN;
    for (std::size_t s = 0; s < lesson.steps.size(); ++s) {
        const LessonStep& step = lesson.steps[s];
        SCOPED_TRACE("step " + std::to_string(s + 1));
        if (s == 0)
            window.showLessonStep(index, 0);
        else
            QTest::mouseClick(window.lessonPanel()->nextButton(), Qt::LeftButton);
        ASSERT_TRUE(waitUntil([&] { return settled(window, step); }));

        // The controls are the step's, the panel says its text, the frame is on its target.
        EXPECT_EQ(window.windowFilePath(), lessonsModelPath());
        const QuantConfig shown = window.settingsPanel()->config();
        EXPECT_EQ(quantizationWords(shown),
                  quantizationWords(parseQuantizationOptions(words(step.arguments))));
        EXPECT_EQ(window.lessonPanel()->text()->text(), step.text);
        EXPECT_EQ(window.lessonPanel()->step(), s);
        EXPECT_TRUE(window.lessonDock()->isVisible());
        QWidget* target = expectedTarget(window, step.target);
        HighlightFrame* frame = window.highlightFrame();
        EXPECT_EQ(frame->target(), target);
        ASSERT_TRUE(target->isVisible()) << "the framed part is on screen";

        // The numbers behind the words.
        const double sqnr = sqnrOf(window, step.tensor);
        if (step.change == SqnrChange::Up) {
            EXPECT_GT(sqnr, previous);
        }
        if (step.change == SqnrChange::NoWorse) {
            EXPECT_GE(sqnr, previous);
        }
        if (const auto rise = claimed(step.text, QStringLiteral("rises by"))) {
            EXPECT_NEAR(sqnr - previous, *rise, 3.0) << step.text.toStdString();
        }
        if (const auto level = claimed(step.text, QStringLiteral("is only"))) {
            EXPECT_NEAR(sqnr, *level, 3.0) << step.text.toStdString();
        }
        previous = sqnr;

        QTest::qWait(50); // let the layouts settle and the charts draw
        EXPECT_TRUE(frame->isVisible());
        const QRect targetRect(target->mapTo(&window, QPoint(0, 0)), target->size());
        EXPECT_TRUE(frame->geometry().contains(targetRect));
        EXPECT_LE(frame->width(), target->width() + 16) << "framing the target, not more";
        EXPECT_TRUE(window.grab().save(
            QStringLiteral(QS_SCREENSHOT_DIR "/lesson%1_step%2.png").arg(index + 1).arg(s + 1)));
    }
    // Finish returns to the list and takes the frame away.
    QTest::mouseClick(window.lessonPanel()->nextButton(), Qt::LeftButton);
    EXPECT_FALSE(window.lessonPanel()->lesson().has_value());
    EXPECT_FALSE(window.highlightFrame()->isVisible());
    EXPECT_TRUE(analysed.errors.isEmpty()) << analysed.errors.join(QLatin1Char('\n')).toStdString();
}

INSTANTIATE_TEST_SUITE_P(Lessons, LessonInWindow, ::testing::Range<std::size_t>(0, 6));

TEST(Lessons, SixLessonsEachInTheHelpMenuAndTheList)
{
    test::AnalysedWindow analysed;
    MainWindow& window = analysed.window;
    ASSERT_EQ(lessons().size(), 6u);
    EXPECT_EQ(window.lessonPanel()->list()->count(), 6);
    QMenu* lessonsMenu = nullptr;
    for (QMenu* menu : window.menuBar()->findChildren<QMenu*>())
        if (menu->title() == QStringLiteral("&Lessons"))
            lessonsMenu = menu;
    ASSERT_NE(lessonsMenu, nullptr);
    ASSERT_EQ(lessonsMenu->actions().size(), 6);
    for (std::size_t i = 0; i < lessons().size(); ++i) {
        EXPECT_EQ(lessonsMenu->actions()[int(i)]->text(), lessons()[i].title);
        EXPECT_GE(lessons()[i].steps.size(), 2u);
    }
    // The menu starts a lesson, Back returns, End leaves.
    window.show();
    lessonsMenu->actions()[2]->trigger();
    ASSERT_TRUE(waitUntil([&] { return settled(window, lessons()[2].steps[0]); }));
    EXPECT_FALSE(window.lessonPanel()->backButton()->isEnabled());
    QTest::mouseClick(window.lessonPanel()->nextButton(), Qt::LeftButton);
    ASSERT_TRUE(waitUntil([&] { return settled(window, lessons()[2].steps[1]); }));
    QTest::mouseClick(window.lessonPanel()->backButton(), Qt::LeftButton);
    ASSERT_TRUE(waitUntil([&] { return settled(window, lessons()[2].steps[0]); }));
    QTest::mouseClick(window.lessonPanel()->endButton(), Qt::LeftButton);
    EXPECT_FALSE(window.highlightFrame()->isVisible());
    EXPECT_TRUE(window.recentFiles().isEmpty()) << "the lesson tensors are not a recent file";
}

} // namespace
} // namespace qs::ui
