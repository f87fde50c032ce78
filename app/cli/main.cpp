// quantscope-cli: batch analysis of a model file's quantization error.
#include "cli_options.h"
#include "commands.h"
#include "common/error.h"

#include <iostream>

int main(int argc, char** argv)
{
    try {
        const auto options = qs::cli::parseOptions({argv + 1, argv + argc});
        return qs::cli::runCommand(options);
    } catch (const qs::InputError& error) {
        std::cerr << "quantscope-cli: " << error.what() << '\n';
        return 2;
    } catch (const qs::UsageError& error) {
        std::cerr << "quantscope-cli: " << error.what() << '\n';
        return 2;
    } catch (const std::exception& error) {
        std::cerr << "quantscope-cli: internal error: " << error.what() << '\n';
        return 1;
    }
}
