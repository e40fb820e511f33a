#include "ct/geometry_json.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <optional>
#include <set>
#include <sstream>

namespace diffrecon::ct {
namespace {

using nlohmann::json;

class Reader {
 public:
  explicit Reader(std::string source) : source_(std::move(source)) {}

  [[noreturn]] void fail(const std::string& message) const { throw GeometryFileError(source_ + ": " + message); }

  void only_keys(const json& object, const std::string& where, std::set<std::string> allowed) const {
    if (!object.is_object()) fail(where + " must be a JSON object");
    for (const auto& item : object.items()) {
      if (!allowed.count(item.key())) {
        std::string list;
        for (const auto& key : allowed) list += (list.empty() ? "" : ", ") + key;
        fail("unknown key '" + item.key() + "' in " + where + " (expected one of: " + list + ")");
      }
    }
  }

  double number(const json& object, const std::string& key, std::optional<double> fallback = std::nullopt) const {
    if (!object.contains(key)) {
      if (fallback) return *fallback;
      fail("missing '" + key + "' (a number)");
    }
    if (!object[key].is_number()) fail("'" + key + "' must be a number");
    return object[key].get<double>();
  }

  int64_t integer(const json& object, const std::string& key) const {
    if (!object.contains(key)) fail("missing '" + key + "' (an integer)");
    if (!object[key].is_number_integer()) fail("'" + key + "' must be an integer");
    return object[key].get<int64_t>();
  }

  std::string text(const json& object, const std::string& key, const std::string& fallback) const {
    if (!object.contains(key)) return fallback;
    if (!object[key].is_string()) fail("'" + key + "' must be a string");
    return object[key].get<std::string>();
  }

 private:
  std::string source_;
};

}  // namespace

CtGeometry parse_geometry_json(const std::string& text, const std::string& source) {
  Reader reader(source);
  json root;
  try {
    root = json::parse(text);
  } catch (const json::exception& error) {  // parse_error, and out_of_range for a number past double
    reader.fail(std::string("not valid JSON: ") + error.what());
  }
  reader.only_keys(root, "the geometry",
                   {"beam", "angles_deg", "views", "angular_range_deg", "start_angle_deg", "scan", "detector",
                    "source_to_isocentre_mm", "source_to_detector_mm", "image"});
  const std::string beam = reader.text(root, "beam", "");
  if (beam != "parallel" && beam != "fan") reader.fail("'beam' must be \"parallel\" or \"fan\"");
  const bool fan = beam == "fan";

  if (!root.contains("detector")) reader.fail("missing 'detector' object");
  const json& detector = root["detector"];
  reader.only_keys(detector, "'detector'", {"count", "spacing_mm", "offset_mm", "shape"});
  const std::string shape = reader.text(detector, "shape", "flat");
  if (shape != "flat" && shape != "curved") reader.fail("'detector.shape' must be \"flat\" or \"curved\"");
  if (!fan && detector.contains("shape") && shape != "flat") reader.fail("a parallel-beam detector is flat");

  // Angles: an explicit list, or views + range (+ start), or (fan) views + scan.
  std::vector<double> angles;
  const bool explicit_angles = root.contains("angles_deg");
  std::string scan = reader.text(root, "scan", "");
  if (explicit_angles) {
    for (const char* key : {"views", "angular_range_deg", "start_angle_deg", "scan"}) {
      if (root.contains(key)) reader.fail(std::string("give either 'angles_deg' or '") + key + "', not both");
    }
    if (!root["angles_deg"].is_array() || root["angles_deg"].empty()) reader.fail("'angles_deg' must be a non-empty array");
    for (const auto& angle : root["angles_deg"]) {
      if (!angle.is_number()) reader.fail("'angles_deg' must hold numbers only");
      angles.push_back(angle.get<double>());
    }
  } else if (!root.contains("views")) {
    reader.fail("give the angles: 'angles_deg' (a list) or 'views' (evenly spaced)");
  }
  if (!scan.empty() && !fan) reader.fail("'scan' applies to fan beam only");
  if (!scan.empty() && scan != "short" && scan != "full") reader.fail("'scan' must be \"short\" or \"full\"");
  if (scan == "short" && (root.contains("angular_range_deg") || root.contains("start_angle_deg"))) {
    reader.fail("a short scan sets its own range; drop 'angular_range_deg' and 'start_angle_deg'");
  }
  const int64_t views = explicit_angles ? int64_t(angles.size()) : reader.integer(root, "views");
  if (views < 1) reader.fail("'views' must be >= 1");

  CtGeometry result;
  try {
    if (fan) {
      for (const char* key : {"source_to_isocentre_mm", "source_to_detector_mm"}) {
        if (!root.contains(key)) reader.fail(std::string("a fan-beam geometry needs '") + key + "'");
      }
      FanBeamGeometry g;
      g.detector_count = reader.integer(detector, "count");
      g.detector_spacing_mm = reader.number(detector, "spacing_mm");
      g.detector_offset_mm = reader.number(detector, "offset_mm", 0.0);
      g.detector_shape = shape == "curved" ? DetectorShape::Curved : DetectorShape::Flat;
      g.source_to_isocentre_mm = reader.number(root, "source_to_isocentre_mm");
      g.source_to_detector_mm = reader.number(root, "source_to_detector_mm");
      if (explicit_angles) {
        g.angles_deg = angles;
      } else if (scan == "short") {
        if (views < 2) reader.fail("a short scan needs 'views' >= 2");
        g.angles_deg = {0.0};
        g.validate(source.c_str());  // distances and detector first: the range depends on them
        g.angles_deg = g.short_scan_angles_deg(views);
      } else {
        const double range = reader.number(root, "angular_range_deg", 360.0);
        const double start = reader.number(root, "start_angle_deg", 0.0);
        for (int64_t v = 0; v < views; ++v) g.angles_deg.push_back(start + range * double(v) / double(views));
      }
      g.validate(source.c_str());
      result.projection = g;
    } else {
      if (root.contains("source_to_isocentre_mm") || root.contains("source_to_detector_mm")) {
        reader.fail("source distances apply to fan beam only");
      }
      ParallelBeamGeometry g;
      g.detector_count = reader.integer(detector, "count");
      g.detector_spacing_mm = reader.number(detector, "spacing_mm");
      g.detector_offset_mm = reader.number(detector, "offset_mm", 0.0);
      if (explicit_angles) {
        g.angles_deg = angles;
      } else {
        const double range = reader.number(root, "angular_range_deg", 180.0);
        const double start = reader.number(root, "start_angle_deg", 0.0);
        for (int64_t v = 0; v < views; ++v) g.angles_deg.push_back(start + range * double(v) / double(views));
      }
      g.validate(source.c_str());
      result.projection = g;
    }
  } catch (const GeometryFileError&) {
    throw;
  } catch (const std::invalid_argument& error) {
    throw GeometryFileError(error.what());
  }

  if (!root.contains("image")) reader.fail("missing 'image' object (rows, columns, pixel_size_mm)");
  const json& image = root["image"];
  reader.only_keys(image, "'image'", {"rows", "columns", "pixel_size_mm", "centre_x_mm", "centre_y_mm"});
  result.image.rows = reader.integer(image, "rows");
  result.image.columns = reader.integer(image, "columns");
  result.image.pixel_size_mm = reader.number(image, "pixel_size_mm");
  result.image.centre_x_mm = reader.number(image, "centre_x_mm", 0.0);
  result.image.centre_y_mm = reader.number(image, "centre_y_mm", 0.0);
  try {
    result.image.validate(source.c_str());
  } catch (const std::invalid_argument& error) {
    throw GeometryFileError(error.what());
  }
  return result;
}

CtGeometry read_geometry_json(const std::filesystem::path& path) {
  std::ifstream file(path);
  if (!file) throw GeometryFileError(path.string() + ": cannot open the geometry file");
  std::stringstream buffer;
  buffer << file.rdbuf();
  return parse_geometry_json(buffer.str(), path.string());
}

std::string geometry_to_json(const CtGeometry& geometry) {
  json root;
  json detector;
  std::visit(
      [&](const auto& g) {
        using G = std::decay_t<decltype(g)>;
        root["angles_deg"] = g.angles_deg;
        detector["count"] = g.detector_count;
        detector["spacing_mm"] = g.detector_spacing_mm;
        detector["offset_mm"] = g.detector_offset_mm;
        if constexpr (std::is_same_v<G, FanBeamGeometry>) {
          root["beam"] = "fan";
          detector["shape"] = detector_shape_name(g.detector_shape);
          root["source_to_isocentre_mm"] = g.source_to_isocentre_mm;
          root["source_to_detector_mm"] = g.source_to_detector_mm;
        } else {
          root["beam"] = "parallel";
        }
      },
      geometry.projection);
  root["detector"] = detector;
  root["image"] = {{"rows", geometry.image.rows},
                   {"columns", geometry.image.columns},
                   {"pixel_size_mm", geometry.image.pixel_size_mm},
                   {"centre_x_mm", geometry.image.centre_x_mm},
                   {"centre_y_mm", geometry.image.centre_y_mm}};
  return root.dump(2) + "\n";
}

}  // namespace diffrecon::ct
