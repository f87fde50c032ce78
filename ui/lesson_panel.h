#pragma once
// The Lessons dock: the list of built-in lessons, and while one runs, its title, the step
// it is at and what to notice, with Back, Next and End. The window does what a step asks
// (settings, tensor, where to look); this panel only says which step is wanted.

#include "lessons.h"

#include <QWidget>
#include <optional>

class QLabel;
class QListWidget;
class QPushButton;
class QStackedWidget;

namespace qs::ui {

class LessonPanel : public QWidget {
    Q_OBJECT

public:
    explicit LessonPanel(QWidget* parent = nullptr);

    // Shows step `step` of lesson `lesson` (indices into lessons()).
    void showStep(std::size_t lesson, std::size_t step);
    // Back to the list.
    void showList();

    std::optional<std::size_t> lesson() const { return lesson_; }
    std::size_t step() const { return step_; }
    QListWidget* list() const { return list_; }
    QLabel* text() const { return text_; }
    QPushButton* nextButton() const { return next_; }
    QPushButton* backButton() const { return back_; }
    QPushButton* endButton() const { return end_; }

Q_SIGNALS:
    void stepRequested(std::size_t lesson, std::size_t step);
    void lessonEnded();

private:
    QStackedWidget* pages_ = nullptr;
    QListWidget* list_ = nullptr;
    QLabel* title_ = nullptr;
    QLabel* position_ = nullptr;
    QLabel* text_ = nullptr;
    QPushButton* back_ = nullptr;
    QPushButton* next_ = nullptr;
    QPushButton* end_ = nullptr;
    std::optional<std::size_t> lesson_;
    std::size_t step_ = 0;
};

} // namespace qs::ui
