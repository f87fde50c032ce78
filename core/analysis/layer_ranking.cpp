#include "analysis/layer_ranking.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace qs {

std::vector<std::size_t> worstLayers(const ModelReport& report, std::size_t count)
{
    std::vector<std::size_t> order(report.layers.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    // NaN SQNR (a layer of no finite values) ranks after every number.
    auto key = [&](std::size_t i) {
        const double sqnr = report.layers[i].metrics.sqnrDb;
        return std::isnan(sqnr) ? std::numeric_limits<double>::infinity() : sqnr;
    };
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return key(a) < key(b); });
    order.resize(std::min(count, order.size()));
    return order;
}

std::vector<std::size_t> layersToKeep(const ModelReport& report, const KeepRule& rule)
{
    std::vector<bool> keep(report.layers.size(), false);
    if (rule.worst)
        for (std::size_t i : worstLayers(report, *rule.worst))
            keep[i] = true;
    if (rule.belowSqnrDb)
        for (std::size_t i = 0; i < report.layers.size(); ++i)
            if (report.layers[i].metrics.sqnrDb < *rule.belowSqnrDb)
                keep[i] = true;
    std::vector<std::size_t> kept;
    for (std::size_t i = 0; i < keep.size(); ++i)
        if (keep[i])
            kept.push_back(i);
    return kept;
}

} // namespace qs
