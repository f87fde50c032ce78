#pragma once
// What the model browser shows of the tree: tensors whose full name matches the filter (a
// substring, or a regular expression), optionally only the weights a user quantizes, with
// every group that still holds a match. Sorting orders siblings within their group.

#include <QRegularExpression>
#include <QSortFilterProxyModel>

namespace qs::ui {

class TensorFilterProxy : public QSortFilterProxyModel {
    Q_OBJECT

public:
    explicit TensorFilterProxy(QObject* parent = nullptr);

    // Returns false (and keeps the previous filter) for an invalid regular expression.
    bool setNameFilter(const QString& text, bool regularExpression);
    // Hides tensors of rank below 2, normalisation parameters and non-float tensors.
    void setWeightsOnly(bool weightsOnly);
    bool weightsOnly() const { return weightsOnly_; }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;

private:
    QRegularExpression pattern_;
    bool weightsOnly_ = false;
};

} // namespace qs::ui
