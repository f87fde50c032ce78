#include "lesson_panel.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QStackedWidget>
#include <QVBoxLayout>

namespace qs::ui {

LessonPanel::LessonPanel(QWidget* parent)
    : QWidget(parent)
{
    // The list of lessons.
    auto* listPage = new QWidget;
    auto* intro = new QLabel(tr("Each lesson sets the controls for you, points at what to look "
                                "at, and says what to notice. Double-click one to start."));
    intro->setWordWrap(true);
    list_ = new QListWidget;
    for (const Lesson& lesson : lessons()) {
        auto* item = new QListWidgetItem(lesson.title, list_);
        item->setToolTip(lesson.summary);
    }
    auto* start = new QPushButton(tr("&Start"));
    auto* listLayout = new QVBoxLayout(listPage);
    listLayout->setContentsMargins(0, 0, 0, 0);
    listLayout->addWidget(intro);
    listLayout->addWidget(list_, 1);
    listLayout->addWidget(start, 0, Qt::AlignRight);
    const auto startSelected = [this] {
        const int row = list_->currentRow();
        if (row >= 0)
            Q_EMIT stepRequested(static_cast<std::size_t>(row), 0);
    };
    connect(list_, &QListWidget::itemActivated, this, startSelected);
    connect(start, &QPushButton::clicked, this, startSelected);

    // One step.
    auto* stepPage = new QWidget;
    title_ = new QLabel;
    title_->setWordWrap(true);
    QFont titleFont = title_->font();
    titleFont.setBold(true);
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.2);
    title_->setFont(titleFont);
    position_ = new QLabel;
    text_ = new QLabel;
    text_->setWordWrap(true);
    text_->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    QFont textFont = text_->font();
    textFont.setPointSizeF(textFont.pointSizeF() * 1.15);
    text_->setFont(textFont);
    back_ = new QPushButton(tr("&Back"));
    next_ = new QPushButton(tr("&Next"));
    end_ = new QPushButton(tr("&End Lesson"));
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(end_);
    buttons->addStretch(1);
    buttons->addWidget(back_);
    buttons->addWidget(next_);
    auto* stepLayout = new QVBoxLayout(stepPage);
    stepLayout->setContentsMargins(0, 0, 0, 0);
    stepLayout->addWidget(title_);
    stepLayout->addWidget(position_);
    stepLayout->addWidget(text_, 1);
    stepLayout->addLayout(buttons);
    connect(back_, &QPushButton::clicked, this, [this] {
        if (lesson_ && step_ > 0)
            Q_EMIT stepRequested(*lesson_, step_ - 1);
    });
    connect(next_, &QPushButton::clicked, this, [this] {
        if (!lesson_)
            return;
        if (step_ + 1 < lessons()[*lesson_].steps.size())
            Q_EMIT stepRequested(*lesson_, step_ + 1);
        else
            Q_EMIT lessonEnded(); // Next on the last step finishes
    });
    connect(end_, &QPushButton::clicked, this, &LessonPanel::lessonEnded);

    pages_ = new QStackedWidget;
    pages_->addWidget(listPage);
    pages_->addWidget(stepPage);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(pages_);
}

void LessonPanel::showStep(std::size_t lesson, std::size_t step)
{
    const Lesson& shown = lessons().at(lesson);
    lesson_ = lesson;
    step_ = step;
    title_->setText(shown.title);
    position_->setText(tr("Step %1 of %2").arg(step + 1).arg(shown.steps.size()));
    text_->setText(shown.steps.at(step).text);
    back_->setEnabled(step > 0);
    next_->setText(step + 1 < shown.steps.size() ? tr("&Next") : tr("&Finish"));
    list_->setCurrentRow(static_cast<int>(lesson));
    pages_->setCurrentIndex(1);
}

void LessonPanel::showList()
{
    lesson_.reset();
    pages_->setCurrentIndex(0);
}

} // namespace qs::ui
