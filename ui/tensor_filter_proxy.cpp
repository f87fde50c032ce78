#include "tensor_filter_proxy.h"

#include "tensor_tree_model.h"

namespace qs::ui {

namespace {
bool isQuantizableWeight(const TensorInfo& info)
{
    if (!isFloat(info.dtype) || !info.unsupported.empty() || info.shape.size() < 2)
        return false;
    if (info.use && !info.use->role.empty() && info.use->role != "weight")
        return false;
    const QString name = QString::fromStdString(info.name);
    return !name.contains(QLatin1String("norm"), Qt::CaseInsensitive);
}
} // namespace

TensorFilterProxy::TensorFilterProxy(QObject* parent)
    : QSortFilterProxyModel(parent)
{
    // A group stays while any tensor below it matches.
    setRecursiveFilteringEnabled(true);
    setSortRole(TensorTreeModel::SortRole);
}

bool TensorFilterProxy::setNameFilter(const QString& text, bool regularExpression)
{
    QRegularExpression pattern(regularExpression ? text : QRegularExpression::escape(text),
                               QRegularExpression::CaseInsensitiveOption);
    if (!pattern.isValid())
        return false;
    pattern_ = std::move(pattern);
    invalidateRowsFilter();
    return true;
}

void TensorFilterProxy::setWeightsOnly(bool weightsOnly)
{
    if (weightsOnly_ == weightsOnly)
        return;
    weightsOnly_ = weightsOnly;
    invalidateRowsFilter();
}

bool TensorFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const
{
    const auto* tree = static_cast<const TensorTreeModel*>(sourceModel());
    const QModelIndex index = tree->index(sourceRow, 0, sourceParent);
    const TensorInfo* info = tree->tensorAt(index);
    if (!info)
        return false; // groups show through their tensors (recursive filtering)
    if (weightsOnly_ && !isQuantizableWeight(*info))
        return false;
    return pattern_.pattern().isEmpty() ||
           pattern_.match(QString::fromStdString(info->name)).hasMatch();
}

} // namespace qs::ui
