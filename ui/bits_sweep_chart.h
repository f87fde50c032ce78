#pragma once
// SQNR against bits per weight: the current settings at 2…8 bits as a line, the float
// formats and block presets as labelled points, a 6.02 dB-a-bit reference through the
// 8-bit point, and optionally the whole model's line beside the tensor's.

#include "analysis/bits_sweep.h"

#include <QChartView>

class QGraphicsSimpleTextItem;
class QLineSeries;
class QScatterSeries;
class QValueAxis;

namespace qs::ui {

class BitsSweepChart : public QChartView {
    Q_OBJECT

public:
    explicit BitsSweepChart(QWidget* parent = nullptr);

    void setTensorPoints(const std::vector<SweepPoint>& points);
    void setModelPoints(const std::vector<SweepPoint>& points); // empty: no model line
    void clear();

    QLineSeries* tensorLine() const { return tensorLine_; }
    QLineSeries* modelLine() const { return modelLine_; }
    QLineSeries* referenceLine() const { return reference_; }
    QScatterSeries* formatPoints() const { return formats_; }
    QStringList pointLabels() const; // the texts beside the float and preset points

protected:
    void resizeEvent(QResizeEvent* event) override;

private:
    void updateAxes();
    void placeLabels();

    QLineSeries* tensorLine_ = nullptr;
    QLineSeries* modelLine_ = nullptr;
    QLineSeries* reference_ = nullptr;
    QScatterSeries* formats_ = nullptr;
    QValueAxis* bitsAxis_ = nullptr;
    QValueAxis* sqnrAxis_ = nullptr;
    std::vector<SweepPoint> tensorPoints_;
    std::vector<SweepPoint> modelPoints_;
    QList<QGraphicsSimpleTextItem*> labels_;
};

} // namespace qs::ui
