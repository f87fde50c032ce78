#include "tensor_table_model.h"

#include "display_text.h"

#include <QLocale>
#include <cmath>
#include <unordered_map>

namespace qs::ui {

namespace {
QString fromStd(const std::string& text)
{
    return QString::fromStdString(text);
}

bool isNumeric(int column)
{
    return column == TensorTableModel::ParametersColumn || column == TensorTableModel::SqnrColumn ||
           column == TensorTableModel::MseColumn || column == TensorTableModel::MaxAbsErrColumn ||
           column == TensorTableModel::CosineColumn;
}
// As an int: the form every Qt 6 view and delegate reads.
QVariant alignment(int column)
{
    const Qt::Alignment horizontal = isNumeric(column) ? Qt::AlignRight : Qt::AlignLeft;
    return static_cast<int>(horizontal | Qt::AlignVCenter);
}
} // namespace

TensorTableModel::TensorTableModel(QObject* parent)
    : QAbstractTableModel(parent)
{
}

void TensorTableModel::setTensors(std::vector<TensorInfo> tensors)
{
    beginResetModel();
    tensors_ = std::move(tensors);
    report_.reset();
    layers_.assign(tensors_.size(), nullptr);
    skipReasons_.assign(tensors_.size(), {});
    endResetModel();
}

void TensorTableModel::setReport(std::shared_ptr<const ModelReport> report)
{
    report_ = std::move(report);
    layers_.assign(tensors_.size(), nullptr);
    skipReasons_.assign(tensors_.size(), {});
    if (report_) {
        // Reports name tensors rather than index them (a filtered analysis leaves gaps).
        std::unordered_map<std::string, std::size_t> rowOf;
        for (std::size_t row = 0; row < tensors_.size(); ++row)
            rowOf.emplace(tensors_[row].name, row);
        for (const LayerReport& layer : report_->layers)
            if (auto it = rowOf.find(layer.name); it != rowOf.end())
                layers_[it->second] = &layer;
        for (const SkippedTensor& skipped : report_->skipped)
            if (auto it = rowOf.find(skipped.name); it != rowOf.end())
                skipReasons_[it->second] = skipped.reason;
    }
    // Only the analysis columns change; the rows stay, so views keep selection and scroll.
    if (!tensors_.empty())
        Q_EMIT dataChanged(index(0, SqnrColumn), index(rowCount() - 1, StatusColumn));
}

void TensorTableModel::setAnalysing(bool analysing)
{
    if (analysing == analysing_)
        return;
    analysing_ = analysing;
    if (!tensors_.empty())
        Q_EMIT dataChanged(index(0, StatusColumn), index(rowCount() - 1, StatusColumn));
}

int TensorTableModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(tensors_.size());
}

int TensorTableModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant TensorTableModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    switch (role) {
    case Qt::DisplayRole:
        return displayData(index.row(), index.column());
    case SortRole:
        return sortData(index.row(), index.column());
    case Qt::ToolTipRole:
        return toolTip(index.row(), index.column());
    case Qt::TextAlignmentRole:
        return alignment(index.column());
    default:
        return {};
    }
}

QVariant TensorTableModel::displayData(int row, int column) const
{
    const TensorInfo& info = tensors_[static_cast<std::size_t>(row)];
    const LayerReport* layer = layers_[static_cast<std::size_t>(row)];
    switch (column) {
    case NameColumn:
        return fromStd(info.name);
    case ShapeColumn:
        return shapeText(info.shape);
    case DTypeColumn:
        return QString::fromStdString(storedTypeName(info));
    case ParametersColumn:
        return QLocale().toString(static_cast<qulonglong>(info.numel));
    case SqnrColumn:
        return layer ? QVariant(decibelText(layer->metrics.sqnrDb)) : QVariant();
    case MseColumn:
        return layer ? QVariant(QString::number(layer->metrics.mse, 'e', 3)) : QVariant();
    case MaxAbsErrColumn:
        return layer ? QVariant(QString::number(layer->metrics.maxAbsErr, 'e', 3)) : QVariant();
    case CosineColumn:
        return layer ? QVariant(QString::number(layer->metrics.cosine, 'f', 6)) : QVariant();
    case StatusColumn: {
        const std::string& reason = skipReasons_[static_cast<std::size_t>(row)];
        if (!reason.empty())
            return QString(QStringLiteral("skipped: ") + fromStd(reason));
        if (layer && layer->nonfinite > 0)
            return QStringLiteral("analysed (%1 non-finite values ignored)")
                .arg(static_cast<qulonglong>(layer->nonfinite));
        if (layer)
            return QStringLiteral("analysed");
        if (analysing_)
            return QStringLiteral("analysing\u2026");
        return report_ ? QVariant(QStringLiteral("not analysed")) : QVariant();
    }
    default:
        return {};
    }
}

// The name's tooltip says what reads the weight (from ONNX and TFLite graphs), the type's
// how many bits a stored element takes.
QVariant TensorTableModel::toolTip(int row, int column) const
{
    const TensorInfo& info = tensors_[static_cast<std::size_t>(row)];
    if (column == NameColumn && info.use) {
        QString text = displayData(row, column).toString() + QLatin1Char('\n') +
                       tr("read by %1 (input %2)")
                           .arg(QString::fromStdString(info.use->op))
                           .arg(info.use->input);
        if (!info.use->role.empty())
            text += tr(" as its %1").arg(QString::fromStdString(info.use->role));
        if (info.use->outputChannelAxis >= 0)
            text += tr("; output channels on axis %1").arg(info.use->outputChannelAxis);
        return text;
    }
    if (column == DTypeColumn && info.storedType.empty())
        return tr("%1 bits per element").arg(bitsPerElement(info.dtype));
    if (column == NameColumn || column == StatusColumn)
        return displayData(row, column);
    return {};
}

QVariant TensorTableModel::sortData(int row, int column) const
{
    const TensorInfo& info = tensors_[static_cast<std::size_t>(row)];
    const LayerReport* layer = layers_[static_cast<std::size_t>(row)];
    switch (column) {
    case NameColumn:
        return fromStd(info.name);
    case ShapeColumn: // by size: what one looks for when sorting shapes
    case ParametersColumn:
        return static_cast<qulonglong>(info.numel);
    case DTypeColumn:
        return QString::fromStdString(storedTypeName(info));
    case SqnrColumn:
        return layer ? QVariant(layer->metrics.sqnrDb) : QVariant();
    case MseColumn:
        return layer ? QVariant(layer->metrics.mse) : QVariant();
    case MaxAbsErrColumn:
        return layer ? QVariant(layer->metrics.maxAbsErr) : QVariant();
    case CosineColumn:
        return layer ? QVariant(layer->metrics.cosine) : QVariant();
    case StatusColumn:
        return displayData(row, column);
    default:
        return {};
    }
}

QVariant TensorTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || section < 0 || section >= ColumnCount)
        return {};
    if (role == Qt::TextAlignmentRole)
        return alignment(section);
    if (role == Qt::ToolTipRole) {
        switch (section) {
        case SqnrColumn:
            return tr("Signal-to-quantization-noise ratio: 10 log10(sum x\u00B2 / sum e\u00B2)");
        case MseColumn:
            return tr("Mean squared error of the dequantized values");
        case MaxAbsErrColumn:
            return tr("Largest absolute error of one element");
        case CosineColumn:
            return tr("Cosine similarity between original and dequantized tensor");
        default:
            return {};
        }
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (section) {
    case NameColumn:
        return tr("Tensor");
    case ShapeColumn:
        return tr("Shape");
    case DTypeColumn:
        return tr("DType");
    case ParametersColumn:
        return tr("Parameters");
    case SqnrColumn:
        return tr("SQNR dB");
    case MseColumn:
        return tr("MSE");
    case MaxAbsErrColumn:
        return tr("Max |e|");
    case CosineColumn:
        return tr("Cosine");
    case StatusColumn:
        return tr("Status");
    default:
        return {};
    }
}

} // namespace qs::ui
