#include "lessons.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>

namespace qs::ui {

namespace {
QString tr(const char* text)
{
    return QCoreApplication::translate("Lessons", text);
}

// Every option written out: a lesson must not inherit a setting from the one before.
QStringList options(const QString& dtype, const QString& scheme, const QString& granularity,
                    const QString& calibration)
{
    return {
        QStringLiteral("--dtype"),       dtype,       QStringLiteral("--scheme"),      scheme,
        QStringLiteral("--granularity"), granularity, QStringLiteral("--calibration"), calibration};
}

const QString kInt8 = QStringLiteral("int8");
const QString kSymmetric = QStringLiteral("symmetric");
const QString kTensor = QStringLiteral("tensor");
const QString kMinMax = QStringLiteral("minmax");

std::vector<Lesson> build()
{
    const QString outliers = QStringLiteral("outliers.weight");
    const QString channels = QStringLiteral("channels.weight");
    const QString relu = QStringLiteral("relu.activations");
    const QString uniform = QStringLiteral("uniform.weight");
    const QString laplace = QStringLiteral("laplace.weight");
    const QString heavy = QStringLiteral("heavy_tails.weight");
    return {
        {tr("Why outliers hurt per-tensor INT8"),
         tr("Eight large weights decide the grid for 65 536 others."),
         {{outliers, options(kInt8, kSymmetric, kTensor, kMinMax), LessonTarget::WeightHistogram,
           tr("Almost every weight sits in the narrow peak, but eight outliers set the range: "
              "the 255 steps are spread out to ±1, so the peak gets only some twenty of them.")},
          {outliers, options(kInt8, kSymmetric, kTensor, kMinMax), LessonTarget::ErrorHistogram,
           tr("Every weight in the peak is off by up to half of that wide step: the error is "
              "spread evenly over the whole step, and the SQNR is only about 20 dB.")},
          {outliers, options(kInt8, kSymmetric, QStringLiteral("group:64"), kMinMax),
           LessonTarget::Details,
           tr("With one scale per group of 64 weights, an outlier widens the grid of its own "
              "group only; the SQNR rises by about 20 dB."),
           SqnrChange::Up}}},
        {tr("Per-channel against per-tensor scales"),
         tr("Output channels whose ranges differ a hundredfold."),
         {{channels, options(kInt8, kSymmetric, kTensor, kMinMax), LessonTarget::ChannelRanges,
           tr("Each band is one output channel's range. One scale must cover the widest, so "
              "the narrow channels use only a few of the 255 codes.")},
          {channels, options(kInt8, kSymmetric, QStringLiteral("channel"), kMinMax),
           LessonTarget::Details,
           tr("One scale per channel fits each range on its own: every channel uses the whole "
              "grid, and the SQNR rises by about 10 dB for 64 extra scales."),
           SqnrChange::Up}}},
        {tr("Symmetric against asymmetric on ReLU outputs"),
         tr("Values that are never negative."),
         {{relu, options(kInt8, kSymmetric, kTensor, kMinMax), LessonTarget::WeightHistogram,
           tr("A symmetric grid is centred on zero, so its negative half lies where no value "
              "is: half of the 256 codes are never used.")},
          {relu, options(kInt8, QStringLiteral("asymmetric"), kTensor, kMinMax),
           LessonTarget::Details,
           tr("An asymmetric grid spans just [0, max] with a zero point at its lowest code: the "
              "step halves, and the SQNR rises by about 6 dB — one bit's worth."),
           SqnrChange::Up}}},
        {tr("Six decibels per bit"),
         tr("How SQNR grows with the bit width."),
         {{uniform, options(QStringLiteral("int4"), kSymmetric, kTensor, kMinMax),
           LessonTarget::BitsSweep,
           tr("Each extra bit halves the step, which quarters the squared error: about 6.02 dB "
              "more SQNR per bit, the dashed line. Uniform values follow it closely.")},
          {uniform, options(kInt8, kSymmetric, kTensor, kMinMax), LessonTarget::Details,
           tr("From 4 to 8 bits the SQNR rises by about 25 dB: four bits, four times 6 dB."),
           SqnrChange::Up}}},
        {tr("Clipping: percentile and MSE against minmax"),
         tr("Trading a few clipped weights for a finer grid, at 4 bits."),
         {{laplace, options(QStringLiteral("int4"), kSymmetric, kTensor, kMinMax),
           LessonTarget::WeightHistogram,
           tr("Minmax stretches 15 levels over the rare tail values, so the crowded middle "
              "gets coarse steps. The marks show where each calibration method would clip.")},
          {laplace,
           options(QStringLiteral("int4"), kSymmetric, kTensor, QStringLiteral("percentile:99")),
           LessonTarget::WeightHistogram,
           tr("Clipping at the 99th percentile sacrifices 1 % of the weights (shaded) but makes "
              "the step less than half as wide for the rest: the SQNR rises by about 6 dB."),
           SqnrChange::Up},
          {laplace, options(QStringLiteral("int4"), kSymmetric, kTensor, QStringLiteral("mse")),
           LessonTarget::Details,
           tr("MSE calibration searches for the clip with the least squared error, and lands at "
              "least as well as any percentile you would guess."),
           SqnrChange::NoWorse}}},
        {tr("FP8 against INT8 on heavy tails"),
         tr("Same 8 bits, differently spaced levels."),
         {{heavy, options(kInt8, kSymmetric, kTensor, kMinMax), LessonTarget::WeightHistogram,
           tr("Heavy tails force a wide range, and INT8's evenly spaced steps are then coarse "
              "where most weights are, near zero.")},
          {heavy, options(QStringLiteral("fp8-e4m3"), kSymmetric, kTensor, kMinMax),
           LessonTarget::WeightHistogram,
           tr("FP8's levels are dense near zero and sparse in the tails, the shape of the data: "
              "the SQNR rises by about 10 dB with the same 8 bits."),
           SqnrChange::Up}}},
    };
}
} // namespace

const std::vector<Lesson>& lessons()
{
    static const std::vector<Lesson> all = build();
    return all;
}

QString lessonsModelPath()
{
    // The source tree's copy in a build, else the installed one (share/quantscope).
    const QString built = QStringLiteral(QS_LESSONS_MODEL);
    if (QFileInfo::exists(built))
        return built;
    return QDir(QCoreApplication::applicationDirPath())
        .absoluteFilePath(QStringLiteral("../share/quantscope/lessons.safetensors"));
}

} // namespace qs::ui
