#pragma once
// The per-channel view of one tensor: each output channel's [min, max] as a band (outlier
// channels stand out as spikes) and its SQNR under the current settings as a line on a
// second axis. A click on a channel reports it, for the inspector to draw it alone.

#include "analysis/tensor_inspection.h"

#include <QChartView>

class QAreaSeries;
class QLineSeries;
class QValueAxis;

namespace qs::ui {

class ChannelRangeChart : public QChartView {
    Q_OBJECT

public:
    explicit ChannelRangeChart(QWidget* parent = nullptr);

    void setChannels(const std::vector<ChannelSummary>& blocks);
    void clear();

    QLineSeries* maxSeries() const { return max_; }
    QLineSeries* minSeries() const { return min_; }
    QLineSeries* sqnrSeries() const { return sqnr_; }
    QValueAxis* blockAxis() const { return blockAxis_; }

Q_SIGNALS:
    void channelClicked(std::uint64_t channel);

protected:
    void mousePressEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;

private:
    QLineSeries* max_ = nullptr;
    QLineSeries* min_ = nullptr;
    QAreaSeries* band_ = nullptr;
    QLineSeries* sqnr_ = nullptr;
    QValueAxis* blockAxis_ = nullptr;
    QValueAxis* valueAxis_ = nullptr;
    QValueAxis* sqnrAxis_ = nullptr;
    std::size_t count_ = 0;
};

} // namespace qs::ui
