#include "model_browser.h"

#include "tensor_filter_proxy.h"
#include "tensor_tree_model.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLineEdit>
#include <QTreeView>
#include <QVBoxLayout>

namespace qs::ui {

ModelBrowser::ModelBrowser(QWidget* parent)
    : QWidget(parent)
    , model_(new TensorTreeModel(this))
    , proxy_(new TensorFilterProxy(this))
{
    proxy_->setSourceModel(model_);

    filter_ = new QLineEdit;
    filter_->setPlaceholderText(tr("Filter tensors by name"));
    filter_->setClearButtonEnabled(true);
    regex_ = new QCheckBox(tr("Regex"));
    regex_->setToolTip(tr("Read the filter as a regular expression"));
    weightsOnly_ = new QCheckBox(tr("Weights only"));
    weightsOnly_->setToolTip(
        tr("Hide biases, normalisation parameters, other vectors and integer tensors"));

    tree_ = new QTreeView;
    tree_->setModel(proxy_);
    tree_->setUniformRowHeights(true); // thousands of rows in LLM files
    tree_->setAlternatingRowColors(true);
    tree_->setSelectionBehavior(QAbstractItemView::SelectRows);
    tree_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    tree_->header()->setSortIndicator(-1, Qt::AscendingOrder);
    tree_->header()->setSortIndicatorClearable(true);
    tree_->setSortingEnabled(true);

    auto* options = new QHBoxLayout;
    options->addWidget(regex_);
    options->addWidget(weightsOnly_);
    options->addStretch(1);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(filter_);
    layout->addLayout(options);
    layout->addWidget(tree_);

    connect(filter_, &QLineEdit::textChanged, this, &ModelBrowser::applyFilter);
    connect(regex_, &QCheckBox::toggled, this, &ModelBrowser::applyFilter);
    connect(weightsOnly_, &QCheckBox::toggled, proxy_, &TensorFilterProxy::setWeightsOnly);
    connect(tree_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) {
                const int tensor =
                    current.data(TensorTreeModel::TensorIndexRole).toInt(); // -1: a group
                if (current.isValid() && tensor >= 0)
                    Q_EMIT tensorSelected(static_cast<std::size_t>(tensor));
            });
}

void ModelBrowser::applyFilter()
{
    const bool valid = proxy_->setNameFilter(filter_->text(), regex_->isChecked());
    // An expression still being typed is often invalid: say so, keep the last good one.
    filter_->setToolTip(valid ? QString() : tr("Not a valid regular expression"));
    QPalette palette = filter_->palette();
    palette.setColor(QPalette::Text,
                     valid ? QWidget::palette().color(QPalette::Text) : QColor(Qt::red));
    filter_->setPalette(palette);
    if (!filter_->text().isEmpty())
        tree_->expandAll(); // matches are what the user is looking for
}

void ModelBrowser::setTensors(std::vector<TensorInfo> tensors)
{
    model_->setTensors(std::move(tensors));
    // Small models open fully; large ones show their top level.
    if (model_->tensors().size() <= 200)
        tree_->expandAll();
    fitColumns();
}

void ModelBrowser::fitColumns()
{
    for (int column = 0; column < TensorTreeModel::ColumnCount; ++column)
        tree_->resizeColumnToContents(column);
}

void ModelBrowser::setReport(std::shared_ptr<const ModelReport> report)
{
    const bool hasNumbers = report != nullptr;
    model_->setReport(std::move(report));
    if (hasNumbers)
        fitColumns();
}

void ModelBrowser::selectTensor(std::size_t index)
{
    const QModelIndex proxyIndex = proxy_->mapFromSource(model_->indexOfTensor(index));
    if (!proxyIndex.isValid())
        return;
    for (QModelIndex up = proxyIndex.parent(); up.isValid(); up = up.parent())
        tree_->expand(up);
    tree_->selectionModel()->setCurrentIndex(proxyIndex, QItemSelectionModel::ClearAndSelect |
                                                             QItemSelectionModel::Rows);
    tree_->scrollTo(proxyIndex);
}

} // namespace qs::ui
