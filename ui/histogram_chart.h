#pragma once
// A histogram drawn as a filled step outline (hundreds of bins stay readable and fast,
// unlike one bar object per bin), with the clipping range as two vertical lines, the
// quantization grid as thin ticks, and the clipped tails shaded. The clip lines can be
// dragged with the mouse, and the ranges other calibration methods would pick can be
// marked beside them.

#include "analysis/histogram.h"

#include <QChartView>
#include <optional>

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

    // A range some method would choose, drawn as two thin lines in its colour and named in
    // the legend.
    struct Mark {
        QString label;
        double lo = 0;
        double hi = 0;
    };
    void setMarks(const QList<Mark>& marks);

    enum class ClipDrag { Off, Symmetric, Independent };
    // Off: the lines are only drawn. Symmetric: either line moves both, mirrored about 0.
    // Independent: each line moves alone (asymmetric ranges).
    void setClipDrag(ClipDrag mode);
    enum class Edge { Low, High };
    // Where a clip line crosses the middle of the plot, in viewport coordinates (tests
    // press the mouse there).
    QPoint clipLinePosition(Edge edge) const;

    // For tests: what is drawn.
    QLineSeries* outline() const { return outline_; }
    QLineSeries* clipLines() const { return clipLines_; }
    QLineSeries* gridLines() const { return gridLines_; }
    QValueAxis* valueAxis() const { return xAxis_; }
    QValueAxis* countAxis() const { return yAxis_; }
    const QList<QLineSeries*>& markSeries() const { return markSeries_; }

Q_SIGNALS:
    // While a line is dragged: the range it now shows (lo < hi).
    void clipDragged(double lo, double hi);
    // The mouse was released after a drag.
    void clipDragFinished(double lo, double hi);
    // A left click (not a drag) in the plot, at this value of the value axis.
    void valueClicked(double value);

protected:
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;

private:
    void drawOverlay(const QuantOverlay& overlay);
    void drawClipLines();
    void drawMarks();
    std::optional<Edge> edgeNear(const QPoint& position) const;
    double valueAt(const QPoint& position) const;

    QLineSeries* outline_ = nullptr;
    QLineSeries* baseline_ = nullptr;
    QAreaSeries* area_ = nullptr;
    QLineSeries* clipLines_ = nullptr;
    QLineSeries* gridLines_ = nullptr;
    QAreaSeries* clippedLow_ = nullptr;
    QAreaSeries* clippedHigh_ = nullptr;
    QValueAxis* xAxis_ = nullptr;
    QValueAxis* yAxis_ = nullptr;
    QList<QLineSeries*> markSeries_;
    QList<Mark> marks_;
    double top_ = 1;
    double clipLo_ = 0;
    double clipHi_ = 0;
    ClipDrag dragMode_ = ClipDrag::Off;
    std::optional<Edge> dragging_;
    std::optional<QPoint> pressedAt_; // a left press not on a clip line: maybe a click
};

} // namespace qs::ui
