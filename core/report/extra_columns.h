#pragma once
// Columns a caller adds to the per-layer CSV and text reports (analyze --vs adds the second
// configuration's SQNR and the difference), after the usual ones.

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace qs {

struct ExtraColumns {
    std::vector<std::string> header;
    // The cells of report layer `index`, one per header entry (already formatted: CSV text
    // for the CSV report, readable numbers for the text report).
    std::function<std::vector<std::string>(std::size_t index)> cells;
    // Lines printed after the text report's summary.
    std::vector<std::string> notes;
};

} // namespace qs
