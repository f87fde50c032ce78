#pragma once
// A coloured frame drawn over a widget of the window to say "look here" (the lessons). It
// is a child of the window, above everything, transparent to the mouse, and follows the
// target as it moves, resizes, shows or hides.

#include <QPointer>
#include <QWidget>
#include <vector>

namespace qs::ui {

class HighlightFrame : public QWidget {
    Q_OBJECT

public:
    explicit HighlightFrame(QWidget* window);

    // Frames `target` (a descendant of the window), or hides when null.
    void setTarget(QWidget* target);
    QWidget* target() const { return target_; }

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;
    void paintEvent(QPaintEvent* event) override;

private:
    void follow();
    void watch(bool on);

    QPointer<QWidget> target_;
    // The target and its ancestors below the window: a dock or splitter that moves them
    // moves the target without telling it.
    std::vector<QPointer<QWidget>> watched_;
};

} // namespace qs::ui
