#pragma once
// Bits per weight against SQNR: one point per option (scales counted in the bits), the
// options no other beats on both joined as the Pareto front, and the mixed-precision plan
// as a star. Hovering a point names its option.

#include <QChartView>
#include <QStringList>
#include <optional>
#include <vector>

class QLogValueAxis;
class QLineSeries;
class QScatterSeries;
class QValueAxis;

namespace qs::ui {

class ParetoChart : public QChartView {
    Q_OBJECT

public:
    explicit ParetoChart(QWidget* parent = nullptr);

    struct Point {
        QString label;
        double bitsPerWeight = 0;
        double sqnrDb = 0; // +Inf drawn at the top of the axis
        bool onFront = false;
    };
    void setPoints(const QString& title, const std::vector<Point>& points,
                   std::optional<Point> plan = std::nullopt);
    void clear();

    QScatterSeries* optionSeries() const { return options_; }
    QLineSeries* frontSeries() const { return front_; }
    QScatterSeries* planSeries() const { return plan_; }
    // The option under the mouse, for tests of the hover text.
    QString labelAt(int index) const { return labels_.value(index); }

private:
    QScatterSeries* options_ = nullptr;
    QLineSeries* front_ = nullptr;
    QScatterSeries* plan_ = nullptr;
    QLogValueAxis* bitsAxis_ = nullptr;
    QValueAxis* sqnrAxis_ = nullptr;
    QStringList labels_;
};

} // namespace qs::ui
