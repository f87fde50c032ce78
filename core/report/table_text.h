#pragma once
// Plain-text tables for a terminal, shared by the CLI's readable outputs.

#include <ostream>
#include <string>
#include <vector>

namespace qs {

// `value` through printf's `pattern`, with infinities spelled "inf" / "-inf".
std::string formatNumber(const char* pattern, double value);

// Left-aligned first column, right-aligned other columns, widths from the content.
void printTable(std::ostream& out, const std::vector<std::vector<std::string>>& rows);

} // namespace qs
