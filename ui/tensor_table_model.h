#pragma once
// The tensors of an opened model, one row each in file order, with the quantization error
// of the latest analysis beside them once it is available.

#include "analysis/model_analyzer.h"
#include "tensor/tensor.h"

#include <QAbstractTableModel>
#include <memory>
#include <string>
#include <vector>

namespace qs::ui {

class TensorTableModel : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Column {
        NameColumn,
        ShapeColumn,
        DTypeColumn,
        ParametersColumn,
        SqnrColumn,
        MseColumn,
        MaxAbsErrColumn,
        CosineColumn,
        StatusColumn,
        ColumnCount
    };
    enum Role {
        // The raw value behind a cell (number, not formatted text) for sorting; invalid when
        // the cell is empty, which QSortFilterProxyModel puts last.
        SortRole = Qt::UserRole + 1,
    };

    explicit TensorTableModel(QObject* parent = nullptr);

    // Replaces the rows; drops any report, which belonged to the previous tensors.
    void setTensors(std::vector<TensorInfo> tensors);
    // Shows the numbers of `report` beside the tensors it names; nullptr clears them.
    void setReport(std::shared_ptr<const ModelReport> report);
    const std::shared_ptr<const ModelReport>& report() const { return report_; }
    // While an analysis runs, rows without numbers yet say so rather than "not analysed".
    void setAnalysing(bool analysing);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    QVariant displayData(int row, int column) const;
    QVariant sortData(int row, int column) const;
    QVariant toolTip(int row, int column) const;

    std::vector<TensorInfo> tensors_;
    std::shared_ptr<const ModelReport> report_;
    bool analysing_ = false;
    // Per row, looked up once per report: the layer measured (or null) and the reason the
    // analysis skipped the tensor (empty when it did not).
    std::vector<const LayerReport*> layers_;
    std::vector<std::string> skipReasons_;
};

} // namespace qs::ui
