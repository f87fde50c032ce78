#include "analysis/config_comparison.h"

#include "analysis/storage_size.h"

#include <cmath>
#include <limits>
#include <unordered_map>

namespace qs {

ConfigComparison pairWith(const ModelReport& first, ModelReport other)
{
    ConfigComparison comparison;
    std::unordered_map<std::string, std::size_t> indexOf;
    for (std::size_t i = 0; i < other.layers.size(); ++i)
        indexOf.emplace(other.layers[i].name, i);
    for (const LayerReport& layer : first.layers) {
        const auto found = indexOf.find(layer.name);
        comparison.otherLayer.push_back(
            found == indexOf.end() ? std::nullopt : std::optional<std::size_t>(found->second));
    }
    comparison.other = std::move(other);
    return comparison;
}

namespace {
double sqnrOf(double signal, double error)
{
    return error == 0 ? std::numeric_limits<double>::infinity() : 10.0 * std::log10(signal / error);
}
} // namespace

ComparedTotals comparedTotals(const ModelReport& first, const ConfigComparison& vs)
{
    ComparedTotals totals;
    double weights = 0, signal = 0, firstError = 0, secondError = 0, firstBits = 0, secondBits = 0;
    for (std::size_t i = 0; i < first.layers.size(); ++i) {
        const LayerReport& layer = first.layers[i];
        weights += double(layer.numel);
        signal += layer.sums.sumX2;
        firstError += layer.sums.sumE2;
        firstBits += layerStorage(layer, first.config).bitsAfter;
        if (const auto& j = vs.otherLayer[i]) {
            const LayerReport& other = vs.other.layers[*j];
            secondError += other.sums.sumE2;
            secondBits += layerStorage(other, vs.other.config).bitsAfter;
        } else {
            ++totals.keptAsStored;
            secondBits += layerStorage(layer, first.config).bytesBefore * 8.0;
        }
    }
    totals.firstBitsPerWeight = weights ? firstBits / weights : 0;
    totals.secondBitsPerWeight = weights ? secondBits / weights : 0;
    totals.firstSqnrDb = sqnrOf(signal, firstError);
    totals.secondSqnrDb = sqnrOf(signal, secondError);
    return totals;
}

double sqnrDeltaDb(const ErrorMetrics& first, const ErrorMetrics& second)
{
    if (std::isinf(first.sqnrDb) && std::isinf(second.sqnrDb) && first.sqnrDb == second.sqnrDb)
        return 0.0;
    return second.sqnrDb - first.sqnrDb;
}

} // namespace qs
