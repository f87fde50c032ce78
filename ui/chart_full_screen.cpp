#include "chart_full_screen.h"

#include "chart_style.h"

#include <QChart>
#include <QChartView>
#include <QKeyEvent>
#include <QPointer>

namespace qs::ui {

namespace {
class FullScreenChart : public QChartView {
public:
    explicit FullScreenChart(QChartView* home)
        : home_(home)
    {
        setAttribute(Qt::WA_DeleteOnClose);
        setWindowTitle(home->chart()->title());
        // QChartView::setChart releases (does not delete) the chart it replaces: the home
        // view shows an empty stand-in while its chart is here.
        QChart* chart = home->chart();
        home->setChart(new QChart);
        setRenderHint(QPainter::Antialiasing);
        setChart(chart);
        // The window's text follows the home's palette and font (presentation mode too).
        setPalette(home->palette());
        setFont(home->font());
        followPalette(this);
        styleChart(chart, *this);
        home->setProperty(kProperty, QVariant::fromValue<QObject*>(this));
        connect(home, &QObject::destroyed, this, [this] {
            home_ = nullptr;
            close();
        });
    }
    ~FullScreenChart() override
    {
        QChart* chart = this->chart();
        setChart(new QChart); // releases the moved chart
        if (home_) {
            QChart* standIn = home_->chart();
            home_->setChart(chart);
            delete standIn;
            styleChart(chart, *home_);
            home_->setProperty(kProperty, QVariant());
        } else {
            delete chart;
        }
    }

    static constexpr const char* kProperty = "qs_fullScreenChart";

protected:
    void keyPressEvent(QKeyEvent* event) override
    {
        if (event->key() == Qt::Key_Escape || event->key() == Qt::Key_F11) {
            close();
            return;
        }
        QChartView::keyPressEvent(event);
    }
    void mouseDoubleClickEvent(QMouseEvent*) override { close(); }

private:
    QPointer<QChartView> home_;
};
} // namespace

QChartView* showChartFullScreen(QChartView* view)
{
    if (auto* open = dynamic_cast<FullScreenChart*>(
            view->property(FullScreenChart::kProperty).value<QObject*>()))
        return open;
    auto* window = new FullScreenChart(view);
    window->showFullScreen();
    window->setFocus();
    return window;
}

} // namespace qs::ui
