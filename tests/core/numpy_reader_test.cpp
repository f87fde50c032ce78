// NumPy .npy/.npz reading: the fixtures in tests/data/numpy/ and the broken files in
// tests/data/corrupt/numpy/ come from tests/data/make_numpy_fixtures.py.

#include "common/error.h"
#include "common/mapped_file.h"
#include "formats/model_file.h"
#include "formats/numpy_reader.h"
#include "formats/zip_archive.h"
#include "support/test_files.h"

#include <algorithm>
#include <cstring>
#include <gtest/gtest.h>
#include <limits>
#include <map>
#include <optional>
#include <thread>

namespace qs {
namespace {

using test::valuesOf;

std::string fixture(const std::string& name)
{
    return (test::testDataDir() / "numpy" / name).string();
}

std::string corruptFile(const std::string& name)
{
    return (test::testDataDir() / "corrupt" / "numpy" / name).string();
}

template <typename T> std::vector<std::uint8_t> bytesOf(const std::vector<T>& values)
{
    std::vector<std::uint8_t> bytes(values.size() * sizeof(T));
    if (!bytes.empty())
        std::memcpy(bytes.data(), values.data(), bytes.size());
    return bytes;
}

std::vector<std::uint8_t> toVector(std::span<const std::uint8_t> bytes)
{
    return {bytes.begin(), bytes.end()};
}

// The values of make_numpy_fixtures.py's small_matrix(): arange(12) * 0.25 - 1, shape 3x4.
std::vector<float> smallMatrix()
{
    std::vector<float> values;
    for (int i = 0; i < 12; ++i)
        values.push_back(static_cast<float>(i) * 0.25f - 1.0f);
    return values;
}

template <typename T> std::vector<T> iota(std::size_t count)
{
    std::vector<T> values;
    for (std::size_t i = 0; i < count; ++i)
        values.push_back(static_cast<T>(i));
    return values;
}

// A .npy built by hand, padded the way numpy pads, for header spellings numpy never writes.
std::vector<std::uint8_t> handmadeNpy(const std::string& header,
                                      const std::vector<std::uint8_t>& data, int major = 1)
{
    const std::size_t prelude = major == 1 ? 10 : 12;
    std::string padded = header;
    while ((prelude + padded.size() + 1) % 64 != 0)
        padded += ' ';
    padded += '\n';
    std::vector<std::uint8_t> bytes = {
        0x93, 'N', 'U', 'M', 'P', 'Y', static_cast<std::uint8_t>(major), 0};
    const auto length = static_cast<std::uint32_t>(padded.size());
    for (std::size_t i = 0; i < (major == 1 ? 2u : 4u); ++i)
        bytes.push_back(static_cast<std::uint8_t>(length >> (8 * i)));
    bytes.insert(bytes.end(), padded.begin(), padded.end());
    bytes.insert(bytes.end(), data.begin(), data.end());
    return bytes;
}

// Where `needle` first occurs in a file, for checking the byte offsets errors report.
std::uint64_t offsetIn(const std::string& path, const std::string& needle, int occurrence = 1)
{
    const auto bytes = test::readFile(path);
    const std::string text(bytes.begin(), bytes.end());
    std::size_t at = std::string::npos;
    for (int i = 0; i < occurrence; ++i)
        at = text.find(needle, at == std::string::npos ? 0 : at + 1);
    EXPECT_NE(at, std::string::npos) << needle << " not in " << path;
    return at;
}

std::string repeated(const std::string& text, int count)
{
    std::string out;
    for (int i = 0; i < count; ++i)
        out += text;
    return out;
}

std::uint64_t fileSize(const std::string& path)
{
    return test::readFile(path).size();
}

enum class FailsOn { Open, Read };

// Opens a broken file (and reads every tensor when opening succeeds) and checks the one-line
// InputError: it names the file, the problem and, when given, the byte offset.
void expectBroken(const std::string& name, FailsOn stage, const std::string& phrase,
                  std::optional<std::uint64_t> offset)
{
    const std::string path = corruptFile(name);
    std::unique_ptr<ModelFile> model;
    try {
        model = openModel(path);
        for (std::size_t i = 0; i < model->tensors().size(); ++i)
            model->read(i);
        ADD_FAILURE() << name << " was accepted";
    } catch (const InputError& error) {
        const std::string message = error.what();
        EXPECT_EQ(stage == FailsOn::Open, model == nullptr)
            << "failed on " << (model ? "read" : "open") << ": " << message;
        EXPECT_EQ(error.file(), path);
        EXPECT_NE(message.find(name), std::string::npos) << message;
        EXPECT_NE(message.find(phrase), std::string::npos) << message;
        EXPECT_EQ(message.find('\n'), std::string::npos) << message;
        ASSERT_TRUE(error.offset().has_value()) << message;
        if (offset) {
            EXPECT_EQ(*error.offset(), *offset) << message;
            EXPECT_NE(message.find("at byte " + std::to_string(*offset) + ": "), std::string::npos)
                << message;
        }
    }
}

// An InputError message from opening (and reading) an npy made of these bytes.
std::string errorFor(const std::vector<std::uint8_t>& bytes)
{
    test::TempDir dir;
    const auto path = dir.file("case.npy");
    test::writeFile(path, bytes);
    try {
        auto model = openModel(path.string());
        model->read(0);
    } catch (const InputError& error) {
        return error.what();
    }
    return "(accepted)";
}

void expectSmallMatrix(const std::string& name, const std::string& stem)
{
    const auto model = openModel(fixture(name));
    EXPECT_EQ(model->format(), "npy");
    EXPECT_TRUE(model->metadata().is_object() && model->metadata().empty());
    ASSERT_EQ(model->tensors().size(), 1u);
    const TensorInfo& info = model->tensors()[0];
    EXPECT_EQ(info.name, stem);
    EXPECT_EQ(info.shape, (Shape{3, 4}));
    EXPECT_EQ(info.dtype, DType::F32);
    EXPECT_EQ(info.numel, 12u);
    EXPECT_EQ(info.nbytes, 48u);
    EXPECT_EQ(info.offset, 128u); // numpy pads prelude + header to 64 bytes
    EXPECT_EQ(info.file, fixture(name));
    EXPECT_EQ(valuesOf<float>(model->read(0)), smallMatrix());
}

TEST(NumpyReader, ReadsVersion1Header)
{
    expectSmallMatrix("v1_f32.npy", "v1_f32");
}
TEST(NumpyReader, ReadsVersion2Header)
{
    expectSmallMatrix("v2_f32.npy", "v2_f32");
}
TEST(NumpyReader, ReadsVersion3Header)
{
    expectSmallMatrix("v3_f32.npy", "v3_f32");
}

struct DtypeCase {
    std::string code;
    DType dtype;
    std::vector<std::uint8_t> expected; // little-endian, as DTYPE_VALUES in the script
};

std::vector<DtypeCase> dtypeCases()
{
    using L64 = std::numeric_limits<std::int64_t>;
    return {
        {"f2", DType::F16,
         bytesOf<std::uint16_t>({0xbe00, 0x0000, 0x3c00, 0x4280, 0x7bff, 0xc000})},
        {"f4", DType::F32, bytesOf<float>({-1.5f, 0.0f, 1.0f, 3.25f, 1.0e30f, -2.0f})},
        {"f8", DType::F64, bytesOf<double>({-1.5, 0.0, 1.0, 3.25, 1.0e300, -2.0})},
        {"i1", DType::I8, bytesOf<std::int8_t>({-128, -1, 0, 1, 18, 127})},
        {"i2", DType::I16, bytesOf<std::int16_t>({-32768, -1, 0, 1, 0x0102, 32767})},
        {"i4", DType::I32,
         bytesOf<std::int32_t>({std::numeric_limits<std::int32_t>::min(), -1, 0, 1, 0x01020304,
                                std::numeric_limits<std::int32_t>::max()})},
        {"i8", DType::I64,
         bytesOf<std::int64_t>({L64::min(), -1, 0, 1, 0x0102030405060708, L64::max()})},
        {"u1", DType::U8, bytesOf<std::uint8_t>({0, 1, 2, 18, 254, 255})},
        {"u2", DType::U16, bytesOf<std::uint16_t>({0, 1, 2, 0x0102, 65534, 65535})},
        {"u4", DType::U32, bytesOf<std::uint32_t>({0, 1, 2, 0x01020304, 0xfffffffe, 0xffffffff})},
        {"u8", DType::U64,
         bytesOf<std::uint64_t>(
             {0, 1, 2, 0x0102030405060708, ~std::uint64_t{1}, ~std::uint64_t{0}})},
        {"b1", DType::Bool, bytesOf<std::uint8_t>({1, 0, 0, 1, 1, 0})},
    };
}

TEST(NumpyReader, ReadsEveryLittleEndianDtype)
{
    for (const DtypeCase& c : dtypeCases()) {
        SCOPED_TRACE(c.code);
        const auto model = openModel(fixture("dtype_" + c.code + ".npy"));
        const TensorInfo& info = model->tensors().at(0);
        EXPECT_EQ(info.dtype, c.dtype);
        EXPECT_EQ(info.shape, (Shape{2, 3}));
        EXPECT_EQ(info.nbytes, c.expected.size());
        EXPECT_EQ(toVector(model->read(0).bytes()), c.expected);
    }
}

TEST(NumpyReader, ByteSwapsEveryBigEndianDtype)
{
    int checked = 0;
    for (const DtypeCase& c : dtypeCases()) {
        if (dtypeSize(c.dtype) == 1)
            continue; // one-byte types have no byte order ('|')
        SCOPED_TRACE(c.code);
        const auto model = openModel(fixture("dtype_" + c.code + "_be.npy"));
        EXPECT_EQ(model->tensors().at(0).dtype, c.dtype);
        EXPECT_EQ(toVector(model->read(0).bytes()), c.expected);
        ++checked;
    }
    EXPECT_EQ(checked, 9);
}

TEST(NumpyReader, NativeAndNoByteOrderMarksMeanLittleEndian)
{
    const auto values = bytesOf<std::int32_t>({1, -2, 0x01020304});
    test::TempDir dir;
    test::writeFile(
        dir.file("native.npy"),
        handmadeNpy("{'descr': '=i4', 'fortran_order': False, 'shape': (3,), }", values));
    test::writeFile(
        dir.file("byte.npy"),
        handmadeNpy("{'descr': '<u1', 'fortran_order': False, 'shape': (3,), }", {7, 8, 9}));
    EXPECT_EQ(toVector(openModel(dir.file("native.npy").string())->read(0).bytes()), values);
    EXPECT_EQ(toVector(openModel(dir.file("byte.npy").string())->read(0).bytes()),
              (std::vector<std::uint8_t>{7, 8, 9}));
}

TEST(NumpyReader, LittleEndianCOrderArrayIsAViewIntoTheMapping)
{
    const auto file = MappedFile::open(fixture("v1_f32.npy"));
    const auto model = openNpy(file);
    const TensorBytes tensor = model->read(0);
    EXPECT_EQ(tensor.bytes().data(), file->bytes().data() + 128);
}

TEST(NumpyReader, TransposesFortranOrder2d)
{
    // np.asfortranarray(np.arange(12).reshape(3, 4)): element [i][j] holds 4 * i + j.
    const auto model = openModel(fixture("fortran_2d.npy"));
    EXPECT_EQ(model->tensors().at(0).shape, (Shape{3, 4}));
    EXPECT_EQ(model->tensors().at(0).dtype, DType::I32);
    const auto values = valuesOf<std::int32_t>(model->read(0));
    EXPECT_EQ(values, iota<std::int32_t>(12));
    EXPECT_EQ(values[1 * 4 + 2], 6); // [1][2]
}

TEST(NumpyReader, TransposesFortranOrder3d)
{
    const auto model = openModel(fixture("fortran_3d.npy"));
    EXPECT_EQ(model->tensors().at(0).shape, (Shape{2, 3, 4}));
    const auto values = valuesOf<float>(model->read(0));
    EXPECT_EQ(values, iota<float>(24));
    EXPECT_EQ(values[1 * 12 + 2 * 4 + 3], 23.0f); // [1][2][3]
}

TEST(NumpyReader, TransposesAndByteSwapsBigEndianFortranOrder)
{
    const auto model = openModel(fixture("fortran_3d_be.npy"));
    EXPECT_EQ(model->tensors().at(0).dtype, DType::F64);
    EXPECT_EQ(valuesOf<double>(model->read(0)), iota<double>(24));
}

TEST(NumpyReader, TransposesFortranOrderOfRank4WithAUnitDimension)
{
    // Stored in Fortran order: linear position i0 + 2 * (i1 + 3 * (i2 + 1 * i3)) holds the
    // element's C-order index, so the array read back must count 0..23.
    const Shape shape{2, 3, 1, 4};
    std::vector<std::uint16_t> stored(24);
    for (int i0 = 0; i0 < 2; ++i0)
        for (int i1 = 0; i1 < 3; ++i1)
            for (int i3 = 0; i3 < 4; ++i3)
                stored[i0 + 2 * (i1 + 3 * i3)] = static_cast<std::uint16_t>((i0 * 3 + i1) * 4 + i3);
    test::TempDir dir;
    test::writeFile(dir.file("f4d.npy"),
                    handmadeNpy("{'descr': '<u2', 'fortran_order': True, 'shape': (2, 3, 1, 4), }",
                                bytesOf(stored)));
    const auto model = openModel(dir.file("f4d.npy").string());
    EXPECT_EQ(model->tensors().at(0).shape, shape);
    EXPECT_EQ(valuesOf<std::uint16_t>(model->read(0)), iota<std::uint16_t>(24));
}

TEST(NumpyReader, ReadsZeroDimensionalScalar)
{
    const auto model = openModel(fixture("scalar.npy"));
    const TensorInfo& info = model->tensors().at(0);
    EXPECT_TRUE(info.shape.empty());
    EXPECT_EQ(info.numel, 1u);
    EXPECT_EQ(info.nbytes, 8u);
    EXPECT_EQ(valuesOf<double>(model->read(0)), std::vector<double>{3.5});
}

TEST(NumpyReader, ReadsZeroSizeArray)
{
    const auto model = openModel(fixture("empty.npy"));
    const TensorInfo& info = model->tensors().at(0);
    EXPECT_EQ(info.shape, (Shape{0, 5}));
    EXPECT_EQ(info.numel, 0u);
    EXPECT_EQ(info.nbytes, 0u);
    EXPECT_EQ(info.offset, 128u);
    EXPECT_TRUE(model->read(0).bytes().empty());
}

TEST(NumpyReader, AcceptsThePythonLiteralSpellingsOfAHeader)
{
    const std::vector<std::pair<std::string, Shape>> cases = {
        {"{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (2, 3)}", {2, 3}},
        {"{'shape': (6,), 'fortran_order': False, 'descr': '<f4'}", {6}},
        {"{ 'descr' : '<f4' ,\n 'fortran_order' : False , 'shape' : ( 2 , 3 , ) , }", {2, 3}},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (1, 6), }", {1, 6}},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (6L,), }", {6}}, // Python 2
    };
    const auto data = bytesOf<float>({1, 2, 3, 4, 5, 6});
    for (const auto& [header, shape] : cases) {
        SCOPED_TRACE(header);
        test::TempDir dir;
        test::writeFile(dir.file("a.npy"), handmadeNpy(header, data));
        const auto model = openModel(dir.file("a.npy").string());
        EXPECT_EQ(model->tensors().at(0).shape, shape);
        EXPECT_EQ(toVector(model->read(0).bytes()), data);
    }
    test::TempDir dir;
    test::writeFile(dir.file("s.npy"),
                    handmadeNpy("{'descr': '<f4', 'fortran_order': True, 'shape': ()}",
                                bytesOf<float>({2.5f})));
    EXPECT_EQ(valuesOf<float>(openModel(dir.file("s.npy").string())->read(0)),
              std::vector<float>{2.5f});
}

TEST(NumpyReader, RefusesHeadersOutsideTheLiteralSubset)
{
    const std::string tail = "'fortran_order': False, 'shape': (2,), }";
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"{'descr': '<f4', 'fortran_order': None, 'shape': (2,), }", "unsupported value 'None'"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2.0,), }", "unsupported number 2.0"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (0x2,), }", "unsupported number 0x2"},
        {"{'descr': '<\\x66\\x34', " + tail, "escape sequences"},
        {"{'descr': '<f4', 'extra': 1, " + tail, "unexpected key 'extra'"},
        {"{'descr': '<f4', 'descr': '<f4', " + tail, "duplicate key 'descr'"},
        {"{'descr': '<f4', 'fortran_order': 1, 'shape': (2,), }",
         "'fortran_order' must be True or False, found 1"},
        {"{'descr': '<f4', 'fortran_order': false, 'shape': (2,), }", "unsupported value 'false'"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': [2], }",
         "'shape' must be a tuple of integers, found [2]"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': ('2',), }",
         "shape entry '2' is not an integer"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }",
         "does not fit in 64 bits"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (9223372036854775808,), }",
         "does not fit in 64 bits"},
        {"{'descr': '<f4', " + tail + " extra", "unexpected 'e' after the header dict"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,), ", "ends before its dict"},
        {"{'descr': '<f4 , " + tail, "expected ',' or '}' in the header dict, found 'f'"},
        {"{'descr' = '<f4', " + tail, "expected ':' after key 'descr', found '='"},
        {"['descr', '<f4']", "expected '{' to open the header dict"},
        {"{'descr': " + std::string(40, '(') + "1" + std::string(40, ')') + ", " + tail,
         "nest more than 32 levels"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (" + std::string(2000, '1') + ",), }",
         "does not fit in 64 bits"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (" + repeated("1, ", 1100) + "), }",
         "a tuple of more than 1024 items"},
        {"{'descr': '|f4', " + tail, "unsupported npy dtype '|f4'"},
        {"{'descr': '<U5', " + tail, "unsupported npy dtype '<U5'"},
        {"{'descr': '<f16', " + tail, "unsupported npy dtype '<f16'"},
        {"{'descr': '<V8', " + tail, "unsupported npy dtype '<V8'"},
        {"{'descr': '<c16', " + tail, "unsupported npy dtype '<c16'"},
        {"{'descr': 4, " + tail, "'descr' must be a string"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", "(accepted)"},
    };
    for (const auto& [header, phrase] : cases) {
        SCOPED_TRACE(header);
        const std::string message = errorFor(handmadeNpy(header, bytesOf<float>({1, 2})));
        EXPECT_NE(message.find(phrase), std::string::npos) << message;
        EXPECT_LT(message.size(), 400u) << "quoted header text must be shortened";
        if (phrase != "(accepted)") {
            EXPECT_NE(message.find("case.npy: at byte "), std::string::npos) << message;
        }
    }
}

TEST(NumpyReader, RefusesTrailingBytesAfterTheArray)
{
    const std::string message =
        errorFor(handmadeNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }",
                             std::vector<std::uint8_t>(12)));
    EXPECT_NE(message.find("at byte 128: trailing data: shape (2,) of '<f4' needs 8 bytes but 12 "
                           "follow the header"),
              std::string::npos)
        << message;
}

TEST(NumpyReader, AcceptsUtf8AndRefusesMalformedUtf8InVersion3Headers)
{
    const auto data = bytesOf<float>({1, 2});
    const std::string good = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
    EXPECT_EQ(errorFor(handmadeNpy(good, data, 3)), "(accepted)");
    std::string bad = good;
    bad.insert(bad.size() - 1, "\xc3\x28"); // a lead byte without its continuation
    const std::string message = errorFor(handmadeNpy(bad, data, 3));
    EXPECT_NE(message.find("at byte " + std::to_string(12 + bad.size() - 3) +
                           ": npy header is not valid UTF-8"),
              std::string::npos)
        << message;
}

// The arrays make_numpy_fixtures.py writes into stored.npz and deflated.npz.
void expectFixtureArchive(const ModelFile& model)
{
    EXPECT_EQ(model.format(), "npz");
    EXPECT_TRUE(model.metadata().is_object() && model.metadata().empty());
    const auto& tensors = model.tensors();
    ASSERT_EQ(tensors.size(), 5u); // notes.txt is not an array
    std::vector<std::string> names;
    for (const auto& info : tensors)
        names.push_back(info.name);
    EXPECT_EQ(names, (std::vector<std::string>{"weights", "bias", "ids", "fortran_be", "empty"}));
    EXPECT_EQ(tensors[0].shape, (Shape{3, 4}));
    EXPECT_EQ(valuesOf<float>(model.read(0)), smallMatrix());
    EXPECT_EQ(valuesOf<float>(model.read(1)), (std::vector<float>{0.5f, -0.5f, 1.5f, -1.5f}));
    EXPECT_EQ(tensors[2].dtype, DType::I64);
    EXPECT_EQ(valuesOf<std::int64_t>(model.read(2)),
              (std::vector<std::int64_t>{7, -7, std::int64_t{1} << 40}));
    EXPECT_EQ(tensors[3].shape, (Shape{2, 3, 4}));
    EXPECT_EQ(tensors[3].dtype, DType::F64);
    EXPECT_EQ(valuesOf<double>(model.read(3)), iota<double>(24));
    EXPECT_EQ(tensors[4].shape, (Shape{0, 5}));
    EXPECT_TRUE(model.read(4).bytes().empty());
    for (const auto& info : tensors) {
        EXPECT_EQ(info.file, model.path());
        EXPECT_EQ(info.nbytes, info.numel * dtypeSize(info.dtype));
    }
}

TEST(NumpyReader, ReadsStoredNpz)
{
    const auto file = MappedFile::open(fixture("stored.npz"));
    const auto model = openNpz(file);
    expectFixtureArchive(*model);
    // A stored little-endian array is a view at its offset in the file.
    const TensorInfo& weights = model->tensors()[0];
    const TensorBytes tensor = model->read(0);
    EXPECT_EQ(tensor.bytes().data(), file->bytes().data() + weights.offset);
    const auto entries = readZipDirectory(file->bytes(), file->path());
    EXPECT_EQ(weights.offset, entries[0].dataOffset + 128);
}

TEST(NumpyReader, ReadsDeflatedNpz)
{
    const auto file = MappedFile::open(fixture("deflated.npz"));
    const auto model = openNpz(file);
    expectFixtureArchive(*model);
    // A deflated array's offset is that of its compressed stream.
    const auto entries = readZipDirectory(file->bytes(), file->path());
    ASSERT_EQ(entries.size(), 6u);
    EXPECT_EQ(entries[0].method, 8);
    EXPECT_EQ(model->tensors()[0].offset, entries[0].dataOffset);
    EXPECT_EQ(model->tensors()[1].offset, entries[1].dataOffset);
}

TEST(NumpyReader, ReadsZip64Npz)
{
    const auto model = openModel(fixture("zip64.npz"));
    ASSERT_EQ(model->tensors().size(), 2u);
    EXPECT_EQ(model->tensors()[0].name, "weights");
    EXPECT_EQ(valuesOf<float>(model->read(0)), smallMatrix());
    EXPECT_EQ(model->tensors()[1].name, "bias");
    EXPECT_EQ(valuesOf<float>(model->read(1)), (std::vector<float>{0.5f, -0.5f, 1.5f, -1.5f}));
}

TEST(ZipArchive, ListsEntriesWithTheirDataOffsets)
{
    const auto file = MappedFile::open(fixture("stored.npz"));
    const auto entries = readZipDirectory(file->bytes(), file->path());
    ASSERT_EQ(entries.size(), 6u);
    EXPECT_EQ(entries[3].name, "notes.txt");
    EXPECT_EQ(entries[3].method, 0);
    EXPECT_EQ(entries[3].uncompressedSize, 59u);
    // numpy writes ZIP64 extra fields into local headers: 11 name bytes, 20 extra bytes.
    EXPECT_EQ(entries[0].localHeaderOffset, 0u);
    EXPECT_EQ(entries[0].dataOffset, 30u + 11 + 20);
    std::vector<std::uint8_t> buffer;
    const auto notes = extractZipEntry(file->bytes(), entries[3], file->path(), buffer);
    EXPECT_EQ(std::string(notes.begin(), notes.end()).substr(0, 14), "not an array: ");
}

TEST(ZipArchive, ExtractRefusesEntriesThatLie)
{
    const auto file = MappedFile::open(fixture("deflated.npz"));
    const auto entries = readZipDirectory(file->bytes(), file->path());
    std::vector<std::uint8_t> buffer;
    auto expectError = [&](ZipEntry entry, const std::string& phrase) {
        try {
            extractZipEntry(file->bytes(), entry, file->path(), buffer);
            ADD_FAILURE() << "accepted: " << phrase;
        } catch (const InputError& error) {
            EXPECT_NE(std::string(error.what()).find(phrase), std::string::npos) << error.what();
        }
    };
    ZipEntry bomb = entries[0];
    bomb.uncompressedSize = bomb.compressedSize * 1032 + 1025;
    expectError(bomb, "deflated bytes can expand to (zip bomb?)");
    ZipEntry bigger = entries[0];
    bigger.uncompressedSize -= 1;
    expectError(bigger, "inflates to more than its 175 declared bytes");
    ZipEntry method = entries[0];
    method.method = 14;
    expectError(method, "unsupported zip compression method 14");
    ZipEntry pastEnd = entries[0];
    pastEnd.compressedSize = file->size();
    expectError(pastEnd, "lies past the end of the");
    ZipEntry truncated = entries[0];
    truncated.compressedSize -= 10;
    expectError(truncated, "deflate stream is truncated");
    ZipEntry crc = entries[0];
    crc.crc32 ^= 1;
    expectError(crc, "CRC-32 mismatch");
}

TEST(NumpyReader, ReadsFromSeveralThreadsAtOnce)
{
    const auto model = openModel(fixture("deflated.npz"));
    std::vector<std::vector<std::uint8_t>> expected;
    for (std::size_t i = 0; i < model->tensors().size(); ++i)
        expected.push_back(toVector(model->read(i).bytes()));
    std::vector<std::thread> threads;
    std::vector<int> mismatches(8, 0);
    for (int t = 0; t < 8; ++t)
        threads.emplace_back([&, t] {
            for (int round = 0; round < 20; ++round)
                for (std::size_t i = 0; i < expected.size(); ++i)
                    if (toVector(model->read((i + t) % expected.size()).bytes()) !=
                        expected[(i + t) % expected.size()])
                        ++mismatches[t];
        });
    for (auto& thread : threads)
        thread.join();
    EXPECT_EQ(mismatches, std::vector<int>(8, 0));
}

TEST(NumpyReader, RealModelNpzMatchesItsSafetensorsConversion)
{
    const auto npz = openModel((test::sharedModelsDir() / "ppocrv4_rec_svtr_neck.npz").string());
    const auto safetensors =
        openModel((test::sharedModelsDir() / "ppocrv4_rec_svtr_neck.safetensors").string());
    EXPECT_EQ(npz->format(), "npz");
    ASSERT_EQ(npz->tensors().size(), 26u);
    std::map<std::string, std::size_t> byName;
    for (std::size_t i = 0; i < safetensors->tensors().size(); ++i)
        byName[safetensors->tensors()[i].name] = i;
    int compared = 0;
    for (std::size_t i = 0; i < npz->tensors().size(); ++i) {
        const TensorInfo& info = npz->tensors()[i];
        SCOPED_TRACE(info.name);
        const auto other = byName.find(info.name);
        ASSERT_NE(other, byName.end());
        const TensorInfo& reference = safetensors->tensors()[other->second];
        EXPECT_EQ(info.shape, reference.shape);
        EXPECT_EQ(info.dtype, reference.dtype);
        EXPECT_EQ(toVector(npz->read(i).bytes()),
                  toVector(safetensors->read(other->second).bytes()));
        ++compared;
    }
    EXPECT_EQ(compared, 26);
    const auto qkv = std::find_if(npz->tensors().begin(), npz->tensors().end(),
                                  [](const TensorInfo& t) { return t.name == "linear_77.w_0"; });
    ASSERT_NE(qkv, npz->tensors().end());
    EXPECT_EQ(qkv->shape, (Shape{120, 360}));
}

// One test per file of tests/data/corrupt/numpy/.

TEST(CorruptNumpy, NpyTruncatedHeader)
{
    expectBroken("npy_truncated_header.npy", FailsOn::Open,
                 "truncated: the format version needs 2 bytes, 1 remain", 6);
}

TEST(CorruptNumpy, NpyHeaderLengthPastEnd)
{
    expectBroken("npy_header_length_past_end.npy", FailsOn::Open,
                 "header length 1024 runs past the end of the file: only 166 bytes follow it", 8);
}

TEST(CorruptNumpy, NpyHeaderTooLarge)
{
    expectBroken("npy_header_too_large.npy", FailsOn::Open,
                 "header length 2097152 exceeds the 1 MB limit", 8);
}

TEST(CorruptNumpy, NpyDataTruncated)
{
    expectBroken("npy_data_truncated.npy", FailsOn::Open,
                 "data truncated: shape (10, 10) of '<f4' needs 400 bytes but only 100 follow "
                 "the header",
                 128);
}

TEST(CorruptNumpy, NpyShapeOverflow)
{
    const std::string name = "npy_shape_overflow.npy";
    expectBroken(name, FailsOn::Open,
                 "shape (4294967296, 4294967296) has more elements than 64 bits can count",
                 offsetIn(corruptFile(name), "(4294967296"));
}

TEST(CorruptNumpy, NpyNegativeDim)
{
    const std::string name = "npy_negative_dim.npy";
    expectBroken(name, FailsOn::Open, "negative dimension -1 in shape (-1, 3)",
                 offsetIn(corruptFile(name), "-1"));
}

TEST(CorruptNumpy, NpyObjectDtype)
{
    const std::string name = "npy_object_dtype.npy";
    expectBroken(name, FailsOn::Open,
                 "unsupported npy dtype '|O' (object arrays are pickled Python objects",
                 offsetIn(corruptFile(name), "'|O'"));
}

TEST(CorruptNumpy, NpyUnknownDtype)
{
    const std::string name = "npy_unknown_dtype.npy";
    expectBroken(name, FailsOn::Open, "unsupported npy dtype '<c8'",
                 offsetIn(corruptFile(name), "'<c8'"));
}

TEST(CorruptNumpy, NpyStructuredDtype)
{
    const std::string name = "npy_structured_dtype.npy";
    expectBroken(name, FailsOn::Open,
                 "unsupported npy dtype [('a', '<f4'), ('b', '<i4')] (structured arrays are not "
                 "supported)",
                 offsetIn(corruptFile(name), "[("));
}

TEST(CorruptNumpy, NpyBadLiteral)
{
    const std::string name = "npy_bad_literal.npy";
    expectBroken(name, FailsOn::Open, "npy header: expected ',' or ')' in a tuple, found '}'",
                 offsetIn(corruptFile(name), "4}") + 1);
}

TEST(CorruptNumpy, NpyBadVersion)
{
    expectBroken("npy_bad_version.npy", FailsOn::Open,
                 "unsupported npy format version 4.0 (expected 1.0, 2.0 or 3.0)", 6);
}

TEST(CorruptNumpy, NpyShapeNotTuple)
{
    const std::string name = "npy_shape_not_tuple.npy";
    expectBroken(name, FailsOn::Open,
                 "'shape' must be a tuple of integers, found (12) (a one-element tuple needs a "
                 "trailing comma)",
                 offsetIn(corruptFile(name), "(12)"));
}

TEST(CorruptNumpy, NpyMissingKey)
{
    expectBroken("npy_missing_key.npy", FailsOn::Open, "npy header lacks the 'fortran_order' key",
                 10);
}

TEST(CorruptNumpy, NpzEocdMissing)
{
    const std::string name = "npz_eocd_missing.npz";
    expectBroken(name, FailsOn::Open,
                 "no zip end-of-central-directory record in the last " +
                     std::to_string(fileSize(corruptFile(name))) + " bytes",
                 0);
}

TEST(CorruptNumpy, NpzCentralDirPastEnd)
{
    const std::string name = "npz_central_dir_past_end.npz";
    const auto size = fileSize(corruptFile(name));
    expectBroken(name, FailsOn::Open,
                 "central directory (offset 2147483632, 57 bytes) lies past the end of the " +
                     std::to_string(size) + "-byte archive",
                 size - 22);
}

TEST(CorruptNumpy, NpzLocalHeaderPastEnd)
{
    const std::string name = "npz_local_header_past_end.npz";
    expectBroken(name, FailsOn::Open,
                 "local header of entry \"weights.npy\" at offset 100000 lies past the end",
                 offsetIn(corruptFile(name), "PK\x01\x02"));
}

TEST(CorruptNumpy, NpzBadDeflate)
{
    // Listing inflates only the .npy header, which is intact; the array data is not.
    expectBroken("npz_bad_deflate.npz", FailsOn::Read,
                 "entry \"values.npy\": corrupt deflate data (invalid block type)", std::nullopt);
}

TEST(CorruptNumpy, NpzCrcMismatch)
{
    expectBroken("npz_crc_mismatch.npz", FailsOn::Read, "entry \"weights.npy\": CRC-32 mismatch",
                 30 + 11);
}

TEST(CorruptNumpy, NpzZipBombSize)
{
    const std::string name = "npz_zip_bomb_size.npz";
    expectBroken(name, FailsOn::Open,
                 "entry \"weights.npy\" declares 1099511627776 uncompressed bytes, more than its",
                 offsetIn(corruptFile(name), "PK\x01\x02"));
}

TEST(CorruptNumpy, NpzDuplicateNames)
{
    const std::string name = "npz_duplicate_names.npz";
    expectBroken(name, FailsOn::Open, "duplicate zip entry name \"weights.npy\"",
                 offsetIn(corruptFile(name), "PK\x01\x02", 2));
}

TEST(CorruptNumpy, NpzUnsupportedMethod)
{
    expectBroken("npz_unsupported_method.npz", FailsOn::Open,
                 "entry \"weights.npy\": unsupported zip compression method 12", 0);
}

TEST(CorruptNumpy, NpzEncrypted)
{
    const std::string name = "npz_encrypted.npz";
    expectBroken(name, FailsOn::Open, "entry \"weights.npy\" is encrypted",
                 offsetIn(corruptFile(name), "PK\x01\x02"));
}

TEST(CorruptNumpy, NpzInflateSizeMismatch)
{
    expectBroken("npz_inflate_size_mismatch.npz", FailsOn::Read,
                 "entry \"weights.npy\": deflate stream ends after 168 bytes, short of the "
                 "declared 176",
                 30 + 11);
}

TEST(CorruptNumpy, NpzZip64ExtraMissing)
{
    const std::string name = "npz_zip64_extra_missing.npz";
    expectBroken(name, FailsOn::Open,
                 "entry \"weights.npy\" has 0xFFFFFFFF sizes or offset but no ZIP64 extra field",
                 offsetIn(corruptFile(name), "PK\x01\x02"));
}

TEST(CorruptNumpy, NpzNameMismatch)
{
    expectBroken("npz_name_mismatch.npz", FailsOn::Open,
                 "entry \"weights.npy\" is named \"other.npy\" in its local header", 0);
}

} // namespace
} // namespace qs
