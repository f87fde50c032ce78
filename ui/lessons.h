#pragma once
// The built-in lessons: a few guided steps each, on the generated tensors of
// resources/lessons/lessons.safetensors. A step sets the quantization controls, selects a
// tensor, points at the part of the window to look at and says in a sentence or two what
// to notice. Each step also states which way the selected tensor's SQNR moved from the
// step before, so that a test can hold every lesson to what it claims.

#include <QString>
#include <QStringList>
#include <vector>

namespace qs::ui {

// Where a step points.
enum class LessonTarget {
    WeightHistogram, // the Tensor dock's histogram with range and grid
    ErrorHistogram,
    ChannelRanges,
    BitsSweep,
    Details, // the scale, metrics and formula under the histogram
};

// Which way the tensor's SQNR moved since the previous step; checked by the tests.
enum class SqnrChange { None, Up, NoWorse };

struct LessonStep {
    QString tensor;
    QStringList arguments; // quantscope-cli analyze options, all of them spelled out
    LessonTarget target = LessonTarget::WeightHistogram;
    QString text; // one or two sentences
    SqnrChange change = SqnrChange::None;
};

struct Lesson {
    QString title;
    QString summary;
    std::vector<LessonStep> steps;
};

const std::vector<Lesson>& lessons();

// The tensors the lessons use (QS_LESSONS_MODEL, set by the build).
QString lessonsModelPath();

} // namespace qs::ui
