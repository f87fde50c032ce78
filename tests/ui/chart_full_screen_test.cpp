// A chart shown full screen is the same chart (it keeps updating), and it goes back to its
// view when the window closes, or is deleted with the window when the view is gone first.
#include "chart_full_screen.h"
#include "histogram_chart.h"

#include <QAction>
#include <QApplication>
#include <QDir>
#include <QLineSeries>
#include <QPointer>
#include <QTest>
#include <QValueAxis>
#include <gtest/gtest.h>

namespace qs::ui {
namespace {

Histogram ramp(double lo, double hi)
{
    Histogram h;
    h.lo = lo;
    h.hi = hi;
    h.counts = {1, 4, 9, 16, 9, 4, 1};
    return h;
}

TEST(ChartFullScreen, MovesTheChartAndGivesItBack)
{
    HistogramChart view(QStringLiteral("weights"), QStringLiteral("value"));
    view.setData(ramp(-1, 1), CountScale::Linear);
    QChart* chart = view.chart();
    QPointer<QChartView> window = showChartFullScreen(&view);
    ASSERT_TRUE(window);
    EXPECT_TRUE(window->isFullScreen());
    EXPECT_EQ(window->chart(), chart);
    EXPECT_NE(view.chart(), chart);
    EXPECT_EQ(showChartFullScreen(&view), window.data()) << "one window per chart";

    // Still the view's series: new data shows in the window.
    view.setData(ramp(-2, 2), CountScale::Linear);
    EXPECT_TRUE(window->chart()->axes().contains(view.valueAxis()));
    EXPECT_EQ(view.valueAxis()->min(), -2);

    QDir().mkpath(QStringLiteral(QS_SCREENSHOT_DIR));
    EXPECT_TRUE(window->grab().save(QStringLiteral(QS_SCREENSHOT_DIR "/chart_full_screen.png")));
    QTest::keyClick(window.data(), Qt::Key_Escape);
    QTRY_VERIFY(window.isNull());
    EXPECT_EQ(view.chart(), chart);
    EXPECT_TRUE(view.chart()->axes().contains(view.valueAxis()));
}

TEST(ChartFullScreen, ContextMenuOffersItAndAClosedViewClosesTheWindow)
{
    auto* view = new HistogramChart(QStringLiteral("weights"), QStringLiteral("value"));
    view->setData(ramp(0, 1), CountScale::Linear);
    QAction* action = nullptr;
    for (QAction* a : view->actions())
        if (a->text().contains(QStringLiteral("Full Screen")))
            action = a;
    ASSERT_NE(action, nullptr);
    action->trigger();
    QPointer<QWidget> window;
    for (QWidget* w : QApplication::topLevelWidgets())
        if (w != view && w->isFullScreen())
            window = w;
    ASSERT_TRUE(window);
    delete view;
    QTRY_VERIFY(window.isNull());
}

} // namespace
} // namespace qs::ui
