#pragma once
// The shared PP-OCRv4 SVTR neck (safetensors) opened once per test, with one of its
// tensors picked by name: the real weights most analysis tests measure.

#include "formats/model_file.h"
#include "support/test_files.h"

#include <gtest/gtest.h>
#include <memory>
#include <string>

namespace qs::test {

class SvtrTensorTest : public ::testing::Test {
protected:
    explicit SvtrTensorTest(std::string tensorName)
        : tensorName_(std::move(tensorName))
    {
    }

    void SetUp() override
    {
        model_ = openModel((sharedModelsDir() / "ppocrv4_rec_svtr_neck.safetensors").string());
        index_ = indexOf(tensorName_);
    }

    // The file index of the tensor called `name` (fails the test when there is none).
    std::size_t indexOf(const std::string& name) const
    {
        for (std::size_t i = 0; i < model_->tensors().size(); ++i)
            if (model_->tensors()[i].name == name)
                return i;
        ADD_FAILURE() << name << " is not in the SVTR neck";
        return 0;
    }

    std::unique_ptr<ModelFile> model_;
    std::size_t index_ = 0;

private:
    std::string tensorName_;
};

} // namespace qs::test
