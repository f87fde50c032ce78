#pragma once
// CSV fields as RFC 4180 wants them, and numbers that survive a round trip.

#include <string>

namespace qs {

std::string csvText(const std::string& text); // quoted when it holds , " or a line break
std::string csvNumber(double value);          // %.17g; "inf", "-inf", "nan"

} // namespace qs
