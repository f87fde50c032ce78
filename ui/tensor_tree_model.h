#pragma once
// The model browser's tree: tensors grouped by their name's prefix ("blk.0.attn_q.weight" →
// blk › 0 › attn_q.weight), with shape, type, parameters, the reading operator and the
// latest analysis' error. A group shows its tensors' total parameters and their error
// taken together (from the summed errors, not an average of decibels).

#include "analysis/model_analyzer.h"
#include "tensor/tensor.h"

#include <QAbstractItemModel>
#include <memory>
#include <string>
#include <vector>

namespace qs::ui {

class TensorTreeModel : public QAbstractItemModel {
    Q_OBJECT

public:
    enum Column {
        NameColumn,
        ShapeColumn,
        DTypeColumn,
        ParametersColumn,
        SqnrColumn,
        MseColumn,
        OperatorColumn,
        ColumnCount
    };
    enum Role {
        SortRole = Qt::UserRole + 1, // numbers for numeric columns; empty cells sort last
        TensorIndexRole,             // the tensor's index in the file, or -1 for a group
        FullNameRole,                // the tensor's whole name, or the group's prefix
    };

    explicit TensorTreeModel(QObject* parent = nullptr);
    ~TensorTreeModel() override;

    // Rebuilds the tree; drops any report, which belonged to the previous tensors.
    void setTensors(std::vector<TensorInfo> tensors);
    // Shows the numbers of `report` beside the tensors it names (and sums them up the
    // groups); nullptr clears them.
    void setReport(std::shared_ptr<const ModelReport> report);

    const std::vector<TensorInfo>& tensors() const { return tensors_; }
    // The index of the tensor with this position in the file, in column `column`.
    QModelIndex indexOfTensor(std::size_t tensor, int column = NameColumn) const;
    // The tensor a row stands for, or nullptr for a group.
    const TensorInfo* tensorAt(const QModelIndex& index) const;

    QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
    QModelIndex parent(const QModelIndex& child) const override;
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    struct Node;
    Node* nodeOf(const QModelIndex& index) const;
    QVariant displayData(const Node& node, int column) const;
    QVariant sortData(const Node& node, int column) const;
    QVariant toolTip(const Node& node, int column) const;
    void sumErrors(Node& node);

    std::vector<TensorInfo> tensors_;
    std::unique_ptr<Node> root_;
    std::vector<Node*> leafOf_; // by tensor index
    std::shared_ptr<const ModelReport> report_;
};

// Splits a tensor name into the groups it belongs to and its own label: on '.' and '/',
// keeping the last two pieces together ("attn_q.weight") so that a parameter stays with
// its module. Names of one or two pieces are a label alone.
std::vector<std::string> nameGroups(const std::string& name, std::string& label);

} // namespace qs::ui
