#include "common/error.h"
#include "quant/quant_config.h"

#include <gtest/gtest.h>

namespace qs {
namespace {

TEST(QuantConfig, ParsesEveryDtypeAndPrintsItBack)
{
    for (const char* name : {"int2", "int8", "int16", "uint4", "uint16", "fp16", "bf16", "fp8-e4m3",
                             "fp8-e5m2", "fp4-e2m1"})
        EXPECT_EQ(toString(parseNumberFormat(name)), name);
    EXPECT_EQ(parseNumberFormat("int4").bits, 4);
    EXPECT_FALSE(parseNumberFormat("uint8").isSigned);
}

TEST(QuantConfig, RefusesBadValuesNamingTheOption)
{
    for (const char* bad : {"int1", "int17", "int", "float8", "int8x", ""})
        EXPECT_THROW(parseNumberFormat(bad), UsageError) << bad;
    EXPECT_THROW(parseGranularity("group:0"), UsageError);
    EXPECT_THROW(parseGranularity("channel:-1"), UsageError);
    EXPECT_THROW(parseCalibration("percentile:101"), UsageError);
    EXPECT_THROW(parseCalibration("percentile:abc"), UsageError);
    try {
        parseScheme("affine");
        FAIL();
    } catch (const UsageError& e) {
        EXPECT_STREQ(e.what(),
                     "--scheme: invalid value 'affine' (expected symmetric or asymmetric)");
    }
}

TEST(QuantConfig, GranularityAndCalibrationRoundTrip)
{
    for (const char* g : {"tensor", "channel:0", "channel:2", "group:128"})
        EXPECT_EQ(toString(parseGranularity(g)), g);
    EXPECT_EQ(toString(parseGranularity("channel")), "channel:0");
    for (const char* c : {"minmax", "mse", "kl", "percentile:99.99", "percentile:99.9"})
        EXPECT_EQ(toString(parseCalibration(c)), c);
}

TEST(QuantConfig, PresetFixesFormatSchemeAndGranularity)
{
    QuantConfig config;
    config.scheme = Scheme::Asymmetric;
    config = applyPreset(config, Preset::GgufQ4_0);
    EXPECT_EQ(toString(config.format), "int4");
    EXPECT_EQ(config.scheme, Scheme::Symmetric);
    EXPECT_EQ(toString(config.granularity), "group:32");
    EXPECT_EQ(toString(applyPreset({}, Preset::Mxfp4).format), "fp4-e2m1");
}

TEST(QuantConfig, DefaultFpModeDependsOnTheFormat)
{
    QuantConfig config;
    config.format = parseNumberFormat("bf16");
    EXPECT_EQ(config.effectiveFpMode(), FpMode::Unscaled);
    config.format = parseNumberFormat("fp8-e4m3");
    EXPECT_EQ(config.effectiveFpMode(), FpMode::Scaled);
}

TEST(QuantConfig, ValidateRefusesMeaninglessCombinations)
{
    QuantConfig kl;
    kl.calibration = parseCalibration("kl");
    kl.scheme = Scheme::Asymmetric;
    EXPECT_THROW(validate(kl), UsageError);
    QuantConfig narrowUnsigned;
    narrowUnsigned.format = parseNumberFormat("uint8");
    narrowUnsigned.narrowRange = true;
    EXPECT_THROW(validate(narrowUnsigned), UsageError);
    QuantConfig fpModeOnInt;
    fpModeOnInt.fpMode = FpMode::Scaled;
    EXPECT_THROW(validate(fpModeOnInt), UsageError);
    EXPECT_NO_THROW(validate(QuantConfig{}));
}

} // namespace
} // namespace qs
