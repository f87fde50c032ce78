#pragma once
// The model browser dock's contents: the tensor tree with a name filter (substring or
// regular expression) and a "weights only" switch. Tells the window which tensor the user
// picked; the window tells it which tensor to show as current.

#include "analysis/model_analyzer.h"

#include <QWidget>
#include <memory>

class QCheckBox;
class QLineEdit;
class QTreeView;

namespace qs::ui {

class TensorFilterProxy;
class TensorTreeModel;

class ModelBrowser : public QWidget {
    Q_OBJECT

public:
    explicit ModelBrowser(QWidget* parent = nullptr);

    void setTensors(std::vector<TensorInfo> tensors);
    void setReport(std::shared_ptr<const ModelReport> report);
    // Makes tensor `index` (its position in the file) current, expanding its groups; does
    // nothing when the filter hides it.
    void selectTensor(std::size_t index);

    TensorTreeModel* treeModel() const { return model_; }
    TensorFilterProxy* filterProxy() const { return proxy_; }
    QTreeView* treeView() const { return tree_; }
    QLineEdit* filterEdit() const { return filter_; }
    QCheckBox* regexCheck() const { return regex_; }
    QCheckBox* weightsOnlyCheck() const { return weightsOnly_; }

Q_SIGNALS:
    void tensorSelected(std::size_t index);

private:
    void applyFilter();
    void fitColumns();

    TensorTreeModel* model_ = nullptr;
    TensorFilterProxy* proxy_ = nullptr;
    QTreeView* tree_ = nullptr;
    QLineEdit* filter_ = nullptr;
    QCheckBox* regex_ = nullptr;
    QCheckBox* weightsOnly_ = nullptr;
};

} // namespace qs::ui
