#include "analysis/config_comparison.h"

#include <cmath>
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

double sqnrDeltaDb(const ErrorMetrics& first, const ErrorMetrics& second)
{
    if (std::isinf(first.sqnrDb) && std::isinf(second.sqnrDb) && first.sqnrDb == second.sqnrDb)
        return 0.0;
    return second.sqnrDb - first.sqnrDb;
}

} // namespace qs
