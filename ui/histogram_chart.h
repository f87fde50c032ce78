#pragma once
// A histogram drawn as a filled step outline (hundreds of bins stay readable and fast,
// unlike one bar object per bin), with the clipping range as two vertical lines, the
// quantization grid as thin ticks, and the clipped tails shaded.

#include "analysis/histogram.h"

#include <QChartView>

class QAreaSeries;
class QLineSeries;
class QValueAxis;

namespace qs::ui {

class HistogramChart : public QChartView {
    Q_OBJECT

public:
    explicit HistogramChart(const QString& title, const QString& valueAxisTitle,
                            QWidget* parent = nullptr);

    // The histogram, and over it the overlay's clip lines (none when clipLo == clipHi), its
    // grid levels and the shaded mass outside the clip.
    void setData(const Histogram& histogram, CountScale scale, const QuantOverlay& overlay = {});
    void clear();

    // For tests: what is drawn.
    QLineSeries* outline() const { return outline_; }
    QLineSeries* clipLines() const { return clipLines_; }
    QLineSeries* gridLines() const { return gridLines_; }
    QValueAxis* valueAxis() const { return xAxis_; }
    QValueAxis* countAxis() const { return yAxis_; }

private:
    void drawOverlay(const QuantOverlay& overlay);

    QLineSeries* outline_ = nullptr;
    QLineSeries* baseline_ = nullptr;
    QAreaSeries* area_ = nullptr;
    QLineSeries* clipLines_ = nullptr;
    QLineSeries* gridLines_ = nullptr;
    QAreaSeries* clippedLow_ = nullptr;
    QAreaSeries* clippedHigh_ = nullptr;
    QValueAxis* xAxis_ = nullptr;
    QValueAxis* yAxis_ = nullptr;
    double top_ = 1;
};

} // namespace qs::ui
