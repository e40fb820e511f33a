#include "recon/itk/ct_scan_geometry.h"

#include "ct/geometry_json.h"
#include "recon/itk/reconstruction_exception.h"

namespace diffrecon {

CTScanGeometry::CTScanGeometry() = default;
CTScanGeometry::~CTScanGeometry() = default;

void CTScanGeometry::ReadFile(const std::string& path) {
  try {
    geometry_ = std::make_unique<ct::CtGeometry>(ct::read_geometry_json(path));
  } catch (const std::exception& error) {
    throw InvalidReconstructionInputException(__FILE__, __LINE__, std::string("CTScanGeometry: ") + error.what(),
                                              "CTScanGeometry::ReadFile");
  }
  this->Modified();
}

void CTScanGeometry::SetJSON(const std::string& text) {
  try {
    geometry_ = std::make_unique<ct::CtGeometry>(ct::parse_geometry_json(text, "<geometry text>"));
  } catch (const std::exception& error) {
    throw InvalidReconstructionInputException(__FILE__, __LINE__, std::string("CTScanGeometry: ") + error.what(),
                                              "CTScanGeometry::SetJSON");
  }
  this->Modified();
}

std::string CTScanGeometry::GetJSON() const { return ct::geometry_to_json(GetGeometry()); }

void CTScanGeometry::SetParallelBeam(unsigned views, unsigned detectors, double detector_spacing_mm, unsigned image_size,
                                     double pixel_size_mm) {
  try {
    ct::CtGeometry geometry{ct::ParallelBeamGeometry::uniform(views, detectors, detector_spacing_mm),
                            ct::ImageGrid::square(image_size, pixel_size_mm)};
    ct::validate(geometry.projection, "CTScanGeometry::SetParallelBeam");
    geometry.image.validate("CTScanGeometry::SetParallelBeam");
    geometry_ = std::make_unique<ct::CtGeometry>(std::move(geometry));
  } catch (const std::exception& error) {
    throw InvalidReconstructionInputException(__FILE__, __LINE__, error.what(), "CTScanGeometry::SetParallelBeam");
  }
  this->Modified();
}

const ct::CtGeometry& CTScanGeometry::GetGeometry() const {
  if (!geometry_)
    throw InvalidReconstructionInputException(__FILE__, __LINE__,
                                              "CTScanGeometry: no geometry set (ReadFile, SetJSON or SetParallelBeam)",
                                              "CTScanGeometry::GetGeometry");
  return *geometry_;
}

void CTScanGeometry::PrintSelf(std::ostream& os, itk::Indent indent) const {
  Superclass::PrintSelf(os, indent);
  if (!geometry_) {
    os << indent << "Geometry: (none)\n";
    return;
  }
  const auto& grid = geometry_->image;
  os << indent << "Projection: " << ct::describe(geometry_->projection) << "\n"
     << indent << "Image grid: " << grid.rows << " x " << grid.columns << ", " << grid.pixel_size_mm << " mm pixels\n";
}

}  // namespace diffrecon
