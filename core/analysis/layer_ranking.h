#pragma once
// Which layers suffer most under a configuration: the report's worst layers, and the ones a
// user keeps in higher precision.

#include "analysis/model_analyzer.h"

#include <cstddef>
#include <optional>
#include <vector>

namespace qs {

// Indices into report.layers, lowest SQNR first (ties in file order); at most `count`.
std::vector<std::size_t> worstLayers(const ModelReport& report, std::size_t count);

// The layers to leave unquantized: the `worst` lowest-SQNR ones and every layer below
// `belowSqnrDb`, whichever rules are given; in file order.
struct KeepRule {
    std::optional<std::size_t> worst;
    std::optional<double> belowSqnrDb;
};
std::vector<std::size_t> layersToKeep(const ModelReport& report, const KeepRule& rule);

} // namespace qs
