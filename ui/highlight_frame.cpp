#include "highlight_frame.h"

#include <QEvent>
#include <QPainter>

namespace qs::ui {

namespace {
constexpr int kPen = 4;
const QColor kColour(255, 140, 0); // orange: visible on the charts' white and the docks' grey
} // namespace

HighlightFrame::HighlightFrame(QWidget* window)
    : QWidget(window)
{
    setAttribute(Qt::WA_TransparentForMouseEvents);
    setAttribute(Qt::WA_NoSystemBackground);
    window->installEventFilter(this); // docks move their contents when the window resizes
    hide();
}

void HighlightFrame::setTarget(QWidget* target)
{
    watch(false);
    target_ = target;
    watch(true);
    follow();
}

void HighlightFrame::watch(bool on)
{
    if (!on) {
        for (const QPointer<QWidget>& widget : watched_)
            if (widget)
                widget->removeEventFilter(this);
        watched_.clear();
        return;
    }
    for (QWidget* widget = target_; widget && widget != parentWidget();
         widget = widget->parentWidget()) {
        widget->installEventFilter(this);
        watched_.emplace_back(widget);
    }
}

bool HighlightFrame::eventFilter(QObject* watched, QEvent* event)
{
    switch (event->type()) {
    case QEvent::Move:
    case QEvent::Resize:
    case QEvent::Show:
    case QEvent::Hide:
        follow(); // only the window and the target's line of ancestors are watched
        break;
    default:
        break;
    }
    return QWidget::eventFilter(watched, event);
}

void HighlightFrame::follow()
{
    if (!target_ || !target_->isVisible()) {
        hide();
        return;
    }
    // A little outside the target, so that the frame does not cover its edge.
    const QPoint topLeft = target_->mapTo(parentWidget(), QPoint(0, 0));
    setGeometry(QRect(topLeft, target_->size()).adjusted(-kPen, -kPen, kPen, kPen));
    show();
    raise();
}

void HighlightFrame::paintEvent(QPaintEvent*)
{
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setPen(QPen(kColour, kPen));
    painter.drawRoundedRect(
        QRectF(rect()).adjusted(kPen / 2.0, kPen / 2.0, -kPen / 2.0, -kPen / 2.0), 6, 6);
}

} // namespace qs::ui
