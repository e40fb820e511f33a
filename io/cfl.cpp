#include "io/cfl.h"

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, ".cfl data are little-endian; big-endian hosts need a byte swap");

namespace diffrecon {
namespace fs = std::filesystem;
namespace {

constexpr int64_t kBytesPerElement = 8;  // complex float32
// BART's read_cfl_header reads at most 4096 bytes; a larger "header" is almost surely the wrong file.
constexpr std::uintmax_t kMaximumHeaderBytes = 4096;

std::string dims_text(const std::array<int64_t, kCflDimensions>& dims) {
  std::string text;
  for (size_t i = 0; i < dims.size(); ++i) text += (i ? "x" : "") + std::to_string(dims[i]);
  return text;
}

std::string trim(const std::string& s) {
  const auto begin = s.find_first_not_of(" \t\r");
  if (begin == std::string::npos) return "";
  return s.substr(begin, s.find_last_not_of(" \t\r") - begin + 1);
}

// The file's whole text; CflError naming it if it cannot be opened.
std::string read_text(const fs::path& path, std::uintmax_t maximum_bytes, const char* what) {
  std::error_code error;
  const auto size = fs::file_size(path, error);
  if (error) throw CflError("cannot read " + std::string(what) + " '" + path.string() + "': " + error.message());
  if (size > maximum_bytes)
    throw CflError(std::string(what) + " '" + path.string() + "' has " + std::to_string(size) +
                   " bytes; a BART header has at most " + std::to_string(maximum_bytes));
  std::ifstream in(path, std::ios::binary);
  if (!in) throw CflError("cannot open " + std::string(what) + " '" + path.string() + "'");
  return {std::istreambuf_iterator<char>(in), {}};
}

}  // namespace

int64_t CflHeader::element_count() const {
  int64_t count = 1;
  for (auto d : dims) count *= d;
  return count;
}

CflPaths cfl_paths(const fs::path& name) {
  auto base = name;
  if (base.extension() == ".cfl" || base.extension() == ".hdr") base.replace_extension();
  if (base.filename().empty()) throw CflError("'" + name.string() + "' does not name a .cfl/.hdr array");
  return {fs::path(base.string() + ".hdr"), fs::path(base.string() + ".cfl")};
}

CflHeader parse_cfl_header(const std::string& text, const std::string& source) {
  CflHeader header;
  header.dims.fill(1);
  bool have_dims = false;
  std::istringstream lines(text);
  std::string line;
  CflHeaderSection* section = nullptr;
  bool in_dims = false;
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty() && line[0] == '#') {
      const auto keyword = trim(line.substr(1));
      in_dims = keyword == "Dimensions";
      section = nullptr;
      if (in_dims) {
        if (have_dims) throw CflError("header '" + source + "' has two '# Dimensions' sections");
      } else {
        header.sections.push_back({keyword, {}});
        section = &header.sections.back();
      }
      continue;
    }
    if (section) {
      section->lines.push_back(line);
      continue;
    }
    if (!in_dims || trim(line).empty()) continue;
    if (have_dims) throw CflError("header '" + source + "' has more than one line of dimensions");
    std::istringstream numbers(line);
    std::string token;
    int index = 0;
    while (numbers >> token) {
      char* end = nullptr;
      errno = 0;
      const long long value = std::strtoll(token.c_str(), &end, 10);
      if (*end != '\0' || errno || value < 1)
        throw CflError("header '" + source + "': dimension " + std::to_string(index) + " is '" + token +
                       "', expected a positive integer");
      if (index < kCflDimensions) {
        header.dims[index] = value;
      } else if (value != 1) {
        throw CflError("header '" + source + "' has dimension " + std::to_string(index) + " = " + token +
                       "; only " + std::to_string(kCflDimensions) + " dimensions are supported (extra ones must be 1)");
      }
      ++index;
    }
    if (index == 0) throw CflError("header '" + source + "': the '# Dimensions' line is empty");
    have_dims = true;
  }
  if (!have_dims) throw CflError("header '" + source + "' has no '# Dimensions' section");
  // The data's byte count must be a number: dims whose product overflows are refused here, before
  // anything (the file size check, element_count()) multiplies them.
  int64_t elements = 1;
  for (const auto d : header.dims)
    if (__builtin_mul_overflow(elements, d, &elements) || elements > INT64_MAX / kBytesPerElement)
      throw CflError("header '" + source + "': dims " + dims_text(header.dims) +
                     " describe more than 2^60 elements (expected the dims of an array that fits a file)");
  return header;
}

std::string format_cfl_header(const CflHeader& header) {
  // As BART writes it: each dimension followed by a space, including the last.
  std::string text = "# Dimensions\n";
  for (auto d : header.dims) text += std::to_string(d) + " ";
  text += "\n";
  for (const auto& section : header.sections) {
    if (section.keyword == "Dimensions") continue;
    text += "# " + section.keyword + "\n";
    for (const auto& line : section.lines) text += line + "\n";
  }
  return text;
}

CflHeader read_cfl_header(const fs::path& name) {
  const auto paths = cfl_paths(name);
  std::error_code error;
  if (!fs::exists(paths.header, error) && !fs::exists(paths.data, error))
    throw CflError("'" + name.string() + "' does not exist (expected a BART array: " + paths.header.filename().string() +
                   " and " + paths.data.filename().string() + ")");
  return parse_cfl_header(read_text(paths.header, kMaximumHeaderBytes, "header"), paths.header.string());
}

CflArray read_cfl(const fs::path& name) {
  const auto paths = cfl_paths(name);
  CflArray array;
  array.header = read_cfl_header(name);
  const int64_t expected_bytes = array.header.element_count() * kBytesPerElement;

  const int fd = ::open(paths.data.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw CflError("cannot open data file '" + paths.data.string() + "': " + std::strerror(errno));
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    const int saved = errno;
    ::close(fd);
    throw CflError("cannot stat data file '" + paths.data.string() + "': " + std::strerror(saved));
  }
  if (info.st_size != expected_bytes) {
    ::close(fd);
    throw CflError("data file '" + paths.data.string() + "' has " + std::to_string(info.st_size) + " bytes, but its header '" +
                   paths.header.string() + "' (dims " + dims_text(array.header.dims) + ") needs " +
                   std::to_string(expected_bytes) + (info.st_size < expected_bytes ? " (truncated file?)" : ""));
  }
  // Private, writable mapping: pages are read on demand and a write into the tensor is copy-on-write,
  // never reaching the file.
  void* mapped = ::mmap(nullptr, static_cast<size_t>(expected_bytes), PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  const int saved = errno;
  ::close(fd);  // the mapping keeps the file alive
  if (mapped == MAP_FAILED)
    throw CflError("cannot memory-map data file '" + paths.data.string() + "': " + std::strerror(saved));

  std::vector<int64_t> sizes(array.header.dims.begin(), array.header.dims.end());
  std::vector<int64_t> strides(kCflDimensions);
  int64_t stride = 1;
  for (int i = 0; i < kCflDimensions; ++i) {
    strides[i] = stride;
    stride *= sizes[i];
  }
  const auto length = static_cast<size_t>(expected_bytes);
  array.data = torch::from_blob(
      mapped, sizes, strides, [length](void* pointer) { ::munmap(pointer, length); },
      torch::TensorOptions().dtype(torch::kComplexFloat));
  return array;
}

void write_cfl(const fs::path& name, const torch::Tensor& data, const std::vector<CflHeaderSection>& sections,
               Overwrite overwrite) {
  const auto paths = cfl_paths(name);
  if (!data.defined()) throw CflError("cannot write '" + paths.data.string() + "': no data");
  if (data.dim() > kCflDimensions)
    throw CflError("cannot write '" + paths.data.string() + "': the array has " + std::to_string(data.dim()) +
                   " dimensions, the .cfl format at most " + std::to_string(kCflDimensions));
  if (!data.is_floating_point() && !data.is_complex())
    throw CflError("cannot write '" + paths.data.string() + "': expected a floating or complex tensor, got " +
                   std::string(c10::toString(data.scalar_type())));

  CflHeader header;
  header.dims.fill(1);
  for (int64_t i = 0; i < data.dim(); ++i) header.dims[i] = data.size(i);
  header.sections = sections;

  // Column-major: reversing the dims of a row-major contiguous copy puts dim 0 fastest.
  std::vector<int64_t> reversed(data.dim());
  for (int64_t i = 0; i < data.dim(); ++i) reversed[i] = data.dim() - 1 - i;
  const auto column_major = data.detach().to(torch::kCPU, torch::kComplexFloat).permute(reversed).contiguous();

  // Both targets are checked before anything is written.
  AtomicOutput data_output(paths.data, overwrite);
  AtomicOutput header_output(paths.header, overwrite);
  {
    std::ofstream out(data_output.temporary_path(), std::ios::binary);
    out.write(static_cast<const char*>(column_major.data_ptr()),
              static_cast<std::streamsize>(column_major.numel() * kBytesPerElement));
    if (!out.flush()) throw CflError("cannot write data file '" + paths.data.string() + "'");
  }
  {
    std::ofstream out(header_output.temporary_path(), std::ios::binary);
    out << format_cfl_header(header);
    if (!out.flush()) throw CflError("cannot write header '" + paths.header.string() + "'");
  }
  // Data first: a reader that finds the header finds its data.
  data_output.commit();
  header_output.commit();
}

}  // namespace diffrecon
