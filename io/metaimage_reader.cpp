#include "io/metaimage_reader.h"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace diffrecon {
namespace fs = std::filesystem;
namespace {

// Inflates the zlib stream at the stream's position into `out` (no further than its size, so a
// compression bomb is never inflated whole). Returns the bytes written, or -1 for a damaged stream.
int64_t inflate_into(std::ifstream& in, std::vector<char>& out) {
  z_stream stream{};
  if (inflateInit(&stream) != Z_OK) return -1;
  std::vector<char> input(1 << 16);
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  int status = Z_OK;
  size_t written = 0;
  while (status != Z_STREAM_END && written < out.size()) {
    if (stream.avail_in == 0) {
      in.read(input.data(), static_cast<std::streamsize>(input.size()));
      if (in.gcount() == 0) break;
      stream.next_in = reinterpret_cast<Bytef*>(input.data());
      stream.avail_in = static_cast<uInt>(in.gcount());
    }
    stream.avail_out = static_cast<uInt>(std::min<size_t>(out.size() - written, 1u << 30));
    const auto before = stream.avail_out;
    status = inflate(&stream, Z_NO_FLUSH);
    if (status != Z_OK && status != Z_STREAM_END) {
      inflateEnd(&stream);
      return -1;
    }
    written += before - stream.avail_out;
  }
  inflateEnd(&stream);
  return static_cast<int64_t>(written);
}

struct Header {
  std::map<std::string, std::string> fields;
  size_t dimension = 0;
  std::vector<int64_t> sizes;  // x fastest
  int channels = 1;
  std::string element_type;
  bool big_endian = false, compressed = false;
  std::map<std::string, std::vector<double>> geometry;  // the geometry keys present, parsed and counted
};

const std::map<std::string, size_t>& element_bytes() {
  static const std::map<std::string, size_t> bytes{
      {"MET_UCHAR", 1}, {"MET_CHAR", 1}, {"MET_USHORT", 2}, {"MET_SHORT", 2},     {"MET_UINT", 4},        {"MET_INT", 4},
      {"MET_ULONG", 4}, {"MET_LONG", 4}, {"MET_FLOAT", 4},  {"MET_ULONG_LONG", 8}, {"MET_LONG_LONG", 8}, {"MET_DOUBLE", 8}};
  return bytes;
}

// Reads the header up to ElementDataFile (leaving `in` at the first data byte) and checks it.
Header read_header(const fs::path& path, std::ifstream& in) {
  const auto refuse = [&](const std::string& why) {
    throw ImageFileError("MetaImage '" + path.string() + "': " + why + " (expected a plain MetaImage header)");
  };
  static const std::set<std::string> known{
      "ObjectType", "ObjectSubType", "NDims", "Comment", "Name", "ID", "ParentID", "TransformType", "CompressedData",
      "CompressedDataSize", "BinaryData", "BinaryDataByteOrderMSB", "ElementByteOrderMSB", "Color", "Position",
      "Origin", "Offset", "TransformMatrix", "Rotation", "Orientation", "CenterOfRotation", "AnatomicalOrientation",
      "ElementSpacing", "ElementSize", "DimSize", "HeaderSize", "Modality", "ElementMin", "ElementMax",
      "ElementNumberOfChannels", "ElementType", "ElementDataFile", "AcquisitionDate", "DistanceUnits"};
  Header header;
  auto& fields = header.fields;
  std::string line;
  while (fields.count("ElementDataFile") == 0) {
    if (!std::getline(in, line)) refuse("the header ends before ElementDataFile");
    if (line.size() > 4096) refuse("a header line is longer than 4096 characters");
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto equals = line.find('=');
    if (equals == std::string::npos) refuse("header line '" + line.substr(0, 80) + "' is not 'Key = Value'");
    const auto trim = [](const std::string& text) {
      const auto first = text.find_first_not_of(" \t"), last = text.find_last_not_of(" \t");
      return first == std::string::npos ? std::string() : text.substr(first, last - first + 1);
    };
    const auto key = trim(line.substr(0, equals)), value = trim(line.substr(equals + 1));
    if (!known.count(key)) refuse("unknown header key '" + key.substr(0, 80) + "'");
    if (!fields.emplace(key, value).second) refuse("header key '" + key + "' appears twice");
  }
  const auto numbers = [&](const std::string& key) {
    std::vector<double> values;
    std::istringstream text(fields[key]);
    for (std::string token; text >> token;) {
      char* end = nullptr;
      values.push_back(std::strtod(token.c_str(), &end));
      if (*end != '\0' || !std::isfinite(values.back())) refuse(key + " value '" + token.substr(0, 40) + "' is not a number");
    }
    return values;
  };
  const auto flag = [&](const std::string& key) {
    if (!fields.count(key)) return false;
    const auto& value = fields[key];
    if (value != "True" && value != "False") refuse(key + " must be True or False");
    return value == "True";
  };
  const auto dims = numbers("NDims");
  if (dims.size() != 1 || (dims[0] != 2 && dims[0] != 3)) refuse("NDims must be 2 or 3");
  header.dimension = static_cast<size_t>(dims[0]);
  const auto n = header.dimension;
  for (const double size : numbers("DimSize")) {
    if (size < 1 || size != std::floor(size) || size > 1e9) refuse("DimSize values must be whole numbers from 1 to 1e9");
    header.sizes.push_back(static_cast<int64_t>(size));
  }
  if (header.sizes.size() != n) refuse("DimSize must hold NDims = " + std::to_string(n) + " sizes");
  for (const auto* key : {"ElementSpacing", "ElementSize", "Offset", "Origin", "Position", "CenterOfRotation"}) {
    if (!fields.count(key)) continue;
    header.geometry[key] = numbers(key);
    if (header.geometry[key].size() != n) refuse(std::string(key) + " must hold NDims values");
  }
  for (const auto* key : {"TransformMatrix", "Rotation", "Orientation"}) {
    if (!fields.count(key)) continue;
    header.geometry[key] = numbers(key);
    if (header.geometry[key].size() != n * n) refuse(std::string(key) + " must hold NDims x NDims values");
  }
  if (fields.count("ElementNumberOfChannels")) {
    const auto channels = numbers("ElementNumberOfChannels");
    if (channels.size() != 1 || (channels[0] != 1 && channels[0] != 2))
      refuse("ElementNumberOfChannels must be 1 (scalar) or 2 (complex)");
    header.channels = static_cast<int>(channels[0]);
  }
  header.element_type = fields["ElementType"];
  if (!element_bytes().count(header.element_type)) refuse("ElementType '" + header.element_type.substr(0, 40) + "' is unknown");
  if (fields.count("BinaryData") && !flag("BinaryData")) refuse("ASCII pixel data (BinaryData = False) is not supported");
  header.big_endian = flag("BinaryDataByteOrderMSB") || flag("ElementByteOrderMSB");
  header.compressed = flag("CompressedData");
  if (fields.count("HeaderSize") && fields["HeaderSize"] != "0") refuse("HeaderSize other than 0 is not supported");
  const auto& data_file = fields["ElementDataFile"];
  if (data_file != "LOCAL" && (data_file.empty() || data_file.find_first_of("/\\%") != std::string::npos ||
                               data_file == "LIST" || data_file.find(' ') != std::string::npos))
    refuse("ElementDataFile '" + data_file.substr(0, 80) + "' must be LOCAL or one file beside the header");
  return header;
}

// The geometry ITK's MetaImageIO gives the same file: spacing from ElementSpacing (else ElementSize,
// else 1), origin from Offset (or Origin, Position), direction cosines as the columns of
// TransformMatrix (or Rotation, Orientation), whose rows MetaIO stores one after the other.
ImageGeometry geometry_of(const Header& header) {
  const auto n = header.dimension;
  auto values = [&](std::initializer_list<const char*> keys, std::vector<double> fallback) {
    for (const auto* key : keys)
      if (header.geometry.count(key)) return header.geometry.at(key);
    return fallback;
  };
  ImageGeometry geometry = ImageGeometry::identity(static_cast<int>(n));
  geometry.spacing = values({"ElementSpacing", "ElementSize"}, geometry.spacing);
  geometry.origin = values({"Offset", "Origin", "Position"}, geometry.origin);
  const auto matrix = values({"TransformMatrix", "Rotation", "Orientation"}, geometry.direction);
  for (size_t row = 0; row < n; ++row)
    for (size_t column = 0; column < n; ++column) geometry.direction[row * n + column] = matrix[column * n + row];
  return geometry;
}

template <typename Stored>
void convert(const std::vector<char>& bytes, bool swap, float* out, size_t count) {
  for (size_t k = 0; k < count; ++k) {
    char element[sizeof(Stored)];
    std::memcpy(element, bytes.data() + k * sizeof(Stored), sizeof(Stored));
    if (swap) std::reverse(element, element + sizeof(Stored));
    Stored value;
    std::memcpy(&value, element, sizeof(Stored));
    out[k] = static_cast<float>(value);
  }
}

}  // namespace

bool is_metaimage(const fs::path& path) {
  auto extension = path.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(), ::tolower);
  return extension == ".mha" || extension == ".mhd";
}

Image read_metaimage(const fs::path& path, const MemoryBudget& budget) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ImageFileError("cannot open image '" + path.string() + "'");
  auto header = read_header(path, in);
  int64_t count = header.channels;
  for (const auto size : header.sizes) count *= size;  // at most 2 x 1e9^3: fits
  const size_t element = element_bytes().at(header.element_type);
  budget.require(static_cast<double>(count) * static_cast<double>(element + sizeof(float)), "image '" + path.string() + "'");

  std::ifstream separate;
  const auto& data_file = header.fields["ElementDataFile"];
  if (data_file != "LOCAL") {
    separate.open(path.parent_path() / data_file, std::ios::binary);
    if (!separate)
      throw ImageFileError("MetaImage '" + path.string() + "': its data file '" + (path.parent_path() / data_file).string() +
                           "' cannot be opened");
  }
  auto& data = data_file == "LOCAL" ? in : separate;
  std::vector<char> bytes(static_cast<size_t>(count) * element);
  const int64_t held = header.compressed ? inflate_into(data, bytes)
                                         : (data.read(bytes.data(), static_cast<std::streamsize>(bytes.size())), data.gcount());
  if (held < static_cast<int64_t>(bytes.size()))
    throw ImageFileError("MetaImage '" + path.string() + "' holds " + std::to_string(std::max<int64_t>(held, 0)) +
                         " bytes of pixel data, but DimSize and ElementType need " + std::to_string(bytes.size()) +
                         (held < 0 ? " (its compressed data are damaged)" : " (truncated?)"));

  std::vector<int64_t> shape(header.sizes.rbegin(), header.sizes.rend());  // torch order: slowest first
  if (header.channels == 2) shape.push_back(2);
  auto pixels = torch::empty(shape, torch::kFloat32);
  const bool swap = header.big_endian != (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__);
  auto* out = pixels.data_ptr<float>();
  const auto n = static_cast<size_t>(count);
  const auto& type = header.element_type;
  if (type == "MET_UCHAR") convert<uint8_t>(bytes, swap, out, n);
  else if (type == "MET_CHAR") convert<int8_t>(bytes, swap, out, n);
  else if (type == "MET_USHORT") convert<uint16_t>(bytes, swap, out, n);
  else if (type == "MET_SHORT") convert<int16_t>(bytes, swap, out, n);
  else if (type == "MET_UINT" || type == "MET_ULONG") convert<uint32_t>(bytes, swap, out, n);
  else if (type == "MET_INT" || type == "MET_LONG") convert<int32_t>(bytes, swap, out, n);
  else if (type == "MET_FLOAT") convert<float>(bytes, swap, out, n);
  else if (type == "MET_ULONG_LONG") convert<uint64_t>(bytes, swap, out, n);
  else if (type == "MET_LONG_LONG") convert<int64_t>(bytes, swap, out, n);
  else convert<double>(bytes, swap, out, n);
  Image image;
  image.data = header.channels == 2 ? torch::view_as_complex(pixels).clone() : pixels;
  image.geometry = geometry_of(header);
  return image;
}

}  // namespace diffrecon
