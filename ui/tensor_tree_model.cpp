#include "tensor_tree_model.h"

#include "display_text.h"

#include <QLocale>
#include <cmath>
#include <optional>
#include <unordered_map>

namespace qs::ui {

struct TensorTreeModel::Node {
    Node* parent = nullptr;
    int row = 0; // among the parent's children
    QString label;
    std::string prefix; // a group's name prefix, e.g. "blk.0"
    int tensor = -1;    // a leaf's tensor index
    std::vector<std::unique_ptr<Node>> children;
    std::unordered_map<std::string, Node*> groups; // children that are groups, by label
    std::uint64_t parameters = 0;
    ErrorSums sums; // the analysed tensors below, merged
    std::optional<ErrorMetrics> metrics;
    const LayerReport* layer = nullptr; // leaves
    std::string skipReason;             // leaves

    bool isGroup() const { return tensor < 0; }
};

namespace {
bool isNumeric(int column)
{
    return column == TensorTreeModel::ParametersColumn || column == TensorTreeModel::SqnrColumn ||
           column == TensorTreeModel::MseColumn;
}
} // namespace

std::vector<std::string> nameGroups(const std::string& name, std::string& label)
{
    std::vector<std::string> pieces;
    std::string piece;
    for (char c : name) {
        if (c == '.' || c == '/') {
            pieces.push_back(piece);
            piece.clear();
        } else {
            piece += c;
        }
    }
    pieces.push_back(piece);
    if (pieces.size() <= 2) {
        label = name;
        return {};
    }
    label =
        pieces[pieces.size() - 2] + name[name.size() - pieces.back().size() - 1] + pieces.back();
    pieces.resize(pieces.size() - 2);
    return pieces;
}

TensorTreeModel::TensorTreeModel(QObject* parent)
    : QAbstractItemModel(parent)
    , root_(std::make_unique<Node>())
{
}

TensorTreeModel::~TensorTreeModel() = default;

void TensorTreeModel::setTensors(std::vector<TensorInfo> tensors)
{
    beginResetModel();
    tensors_ = std::move(tensors);
    report_.reset();
    root_ = std::make_unique<Node>();
    leafOf_.assign(tensors_.size(), nullptr);
    for (std::size_t t = 0; t < tensors_.size(); ++t) {
        std::string label;
        const auto groups = nameGroups(tensors_[t].name, label);
        Node* node = root_.get();
        std::string prefix;
        for (const std::string& group : groups) {
            if (group.empty()) // "/conv/weight", "a..b": no unnamed levels
                continue;
            prefix += prefix.empty() ? group : "." + group;
            auto found = node->groups.find(group);
            if (found == node->groups.end()) {
                auto child = std::make_unique<Node>();
                child->parent = node;
                child->row = static_cast<int>(node->children.size());
                child->label = QString::fromStdString(group);
                child->prefix = prefix;
                found = node->groups.emplace(group, child.get()).first;
                node->children.push_back(std::move(child));
            }
            node = found->second;
        }
        auto leaf = std::make_unique<Node>();
        leaf->parent = node;
        leaf->row = static_cast<int>(node->children.size());
        leaf->label = QString::fromStdString(label);
        leaf->tensor = static_cast<int>(t);
        leaf->parameters = tensors_[t].numel;
        leafOf_[t] = leaf.get();
        node->children.push_back(std::move(leaf));
        for (Node* up = node; up; up = up->parent)
            up->parameters += tensors_[t].numel;
    }
    endResetModel();
}

void TensorTreeModel::setReport(std::shared_ptr<const ModelReport> report)
{
    report_ = std::move(report);
    std::unordered_map<std::string, std::size_t> tensorOf;
    for (std::size_t t = 0; t < tensors_.size(); ++t)
        tensorOf.emplace(tensors_[t].name, t);
    for (Node* leaf : leafOf_) {
        leaf->layer = nullptr;
        leaf->skipReason.clear();
    }
    if (report_) {
        for (const LayerReport& layer : report_->layers)
            if (auto it = tensorOf.find(layer.name); it != tensorOf.end())
                leafOf_[it->second]->layer = &layer;
        for (const SkippedTensor& skipped : report_->skipped)
            if (auto it = tensorOf.find(skipped.name); it != tensorOf.end())
                leafOf_[it->second]->skipReason = skipped.reason;
    }
    sumErrors(*root_);
}

// Recomputes a subtree's error from its leaves and tells the views, group by group.
void TensorTreeModel::sumErrors(Node& node)
{
    node.sums = {};
    node.metrics.reset();
    if (!node.isGroup()) {
        if (node.layer) {
            node.sums = node.layer->sums;
            node.metrics = node.layer->metrics;
        }
        return;
    }
    bool any = false;
    for (const auto& child : node.children) {
        sumErrors(*child);
        if (child->metrics) {
            node.sums.merge(child->sums);
            any = true;
        }
    }
    if (any)
        node.metrics = computeMetrics(node.sums);
    if (!node.children.empty()) {
        const QModelIndex parentIndex =
            &node == root_.get() ? QModelIndex() : createIndex(node.row, 0, &node);
        Q_EMIT dataChanged(
            index(0, 0, parentIndex),
            index(static_cast<int>(node.children.size()) - 1, ColumnCount - 1, parentIndex));
    }
}

TensorTreeModel::Node* TensorTreeModel::nodeOf(const QModelIndex& index) const
{
    return index.isValid() ? static_cast<Node*>(index.internalPointer()) : root_.get();
}

QModelIndex TensorTreeModel::indexOfTensor(std::size_t tensor, int column) const
{
    if (tensor >= leafOf_.size())
        return {};
    Node* leaf = leafOf_[tensor];
    return createIndex(leaf->row, column, leaf);
}

const TensorInfo* TensorTreeModel::tensorAt(const QModelIndex& index) const
{
    const Node* node = index.isValid() ? nodeOf(index) : nullptr;
    return node && !node->isGroup() ? &tensors_[static_cast<std::size_t>(node->tensor)] : nullptr;
}

QModelIndex TensorTreeModel::index(int row, int column, const QModelIndex& parent) const
{
    if (!hasIndex(row, column, parent))
        return {};
    Node* node = nodeOf(parent);
    return createIndex(row, column, node->children[static_cast<std::size_t>(row)].get());
}

QModelIndex TensorTreeModel::parent(const QModelIndex& child) const
{
    if (!child.isValid())
        return {};
    Node* parentNode = nodeOf(child)->parent;
    if (!parentNode || parentNode == root_.get())
        return {};
    return createIndex(parentNode->row, 0, parentNode);
}

int TensorTreeModel::rowCount(const QModelIndex& parent) const
{
    if (parent.column() > 0)
        return 0;
    return static_cast<int>(nodeOf(parent)->children.size());
}

int TensorTreeModel::columnCount(const QModelIndex&) const
{
    return ColumnCount;
}

QVariant TensorTreeModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    const Node& node = *nodeOf(index);
    switch (role) {
    case Qt::DisplayRole:
        return displayData(node, index.column());
    case SortRole:
        return sortData(node, index.column());
    case Qt::ToolTipRole:
        return toolTip(node, index.column());
    case Qt::TextAlignmentRole:
        return static_cast<int>((isNumeric(index.column()) ? Qt::AlignRight : Qt::AlignLeft) |
                                Qt::AlignVCenter);
    case TensorIndexRole:
        return node.tensor;
    case FullNameRole:
        return QString::fromStdString(
            node.isGroup() ? node.prefix : tensors_[static_cast<std::size_t>(node.tensor)].name);
    default:
        return {};
    }
}

QVariant TensorTreeModel::displayData(const Node& node, int column) const
{
    const TensorInfo* info =
        node.isGroup() ? nullptr : &tensors_[static_cast<std::size_t>(node.tensor)];
    switch (column) {
    case NameColumn:
        return node.label;
    case ShapeColumn:
        return info ? QVariant(shapeText(info->shape)) : QVariant();
    case DTypeColumn:
        return info ? QVariant(QString::fromStdString(storedTypeName(*info))) : QVariant();
    case ParametersColumn:
        return QLocale().toString(static_cast<qulonglong>(node.parameters));
    case OperatorColumn:
        if (!info || !info->use)
            return {};
        return QString::fromStdString(info->use->op +
                                      (info->use->role.empty() ? "" : " " + info->use->role));
    case SqnrColumn:
        return node.metrics ? QVariant(decibelText(node.metrics->sqnrDb)) : QVariant();
    case MseColumn:
        return node.metrics ? QVariant(QString::number(node.metrics->mse, 'e', 3)) : QVariant();
    default:
        return {};
    }
}

QVariant TensorTreeModel::sortData(const Node& node, int column) const
{
    switch (column) {
    case ShapeColumn: // by size: what one looks for when sorting shapes
    case ParametersColumn:
        return static_cast<qulonglong>(node.parameters);
    case SqnrColumn:
        return node.metrics ? QVariant(node.metrics->sqnrDb) : QVariant();
    case MseColumn:
        return node.metrics ? QVariant(node.metrics->mse) : QVariant();
    default:
        return displayData(node, column);
    }
}

QVariant TensorTreeModel::toolTip(const Node& node, int column) const
{
    if (node.isGroup()) {
        if (column != NameColumn)
            return {};
        return tr("%1: %n tensor(s) directly inside", nullptr,
                  static_cast<int>(node.children.size()))
            .arg(QString::fromStdString(node.prefix));
    }
    const TensorInfo& info = tensors_[static_cast<std::size_t>(node.tensor)];
    if (column == NameColumn) {
        QString text = QString::fromStdString(info.name);
        if (!node.skipReason.empty())
            text += QLatin1Char('\n') +
                    tr("not analysed: %1").arg(QString::fromStdString(node.skipReason));
        if (node.layer && node.layer->nonfinite)
            text += QLatin1Char('\n') + tr("%1 NaN/Inf values left out of the error")
                                            .arg(static_cast<qulonglong>(node.layer->nonfinite));
        return text;
    }
    if (column == OperatorColumn && info.use && info.use->outputChannelAxis >= 0)
        return tr("input %1 of %2; output channels on axis %3")
            .arg(info.use->input)
            .arg(QString::fromStdString(info.use->node.empty() ? info.use->op : info.use->node))
            .arg(info.use->outputChannelAxis);
    if (column == DTypeColumn)
        return tr("%1 bits per element").arg(bitsPerElement(info.dtype));
    return {};
}

QVariant TensorTreeModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::TextAlignmentRole)
        return static_cast<int>((isNumeric(section) ? Qt::AlignRight : Qt::AlignLeft) |
                                Qt::AlignVCenter);
    if (role != Qt::DisplayRole)
        return {};
    switch (section) {
    case NameColumn:
        return tr("Tensor");
    case ShapeColumn:
        return tr("Shape");
    case DTypeColumn:
        return tr("Type");
    case ParametersColumn:
        return tr("Parameters");
    case OperatorColumn:
        return tr("Used by");
    case SqnrColumn:
        return tr("SQNR (dB)");
    case MseColumn:
        return tr("MSE");
    default:
        return {};
    }
}

} // namespace qs::ui
