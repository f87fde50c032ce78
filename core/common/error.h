#pragma once
// The one error hierarchy of the core. Every failure leaves the core as one of these
// exceptions; front ends map InputError and UsageError to "bad input" (CLI exit 2,
// GUI dialog) and anything else to an internal error.

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

namespace qs {

class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// A model file (or a file the user named) is malformed, truncated or unsupported.
// The message is one line: "<file>: at byte <offset>: <problem>".
class InputError : public Error {
public:
    InputError(std::string file, std::optional<std::uint64_t> offset, std::string problem);

    const std::string& file() const { return file_; }
    std::optional<std::uint64_t> offset() const { return offset_; }
    const std::string& problem() const { return problem_; }

private:
    std::string file_;
    std::optional<std::uint64_t> offset_;
    std::string problem_;
};

// An option or setting that cannot be honoured ("--granularity group:0").
class UsageError : public Error {
public:
    using Error::Error;
};

// The user cancelled a long analysis through its Progress object.
class CancelledError : public Error {
public:
    CancelledError()
        : Error("cancelled")
    {
    }
};

} // namespace qs
