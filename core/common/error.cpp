#include "common/error.h"

namespace qs {

namespace {
std::string formatInputError(const std::string& file, std::optional<std::uint64_t> offset,
                             const std::string& problem)
{
    std::string text = file + ": ";
    if (offset)
        text += "at byte " + std::to_string(*offset) + ": ";
    return text + problem;
}
} // namespace

InputError::InputError(std::string file, std::optional<std::uint64_t> offset, std::string problem)
    : Error(formatInputError(file, offset, problem))
    , file_(std::move(file))
    , offset_(offset)
    , problem_(std::move(problem))
{
}

} // namespace qs
