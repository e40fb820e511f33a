// CTScanGeometry: the CT scan and reconstruction grid as an ITK object, set on the CT filters with
// SetGeometry as RTK sets its projection geometry. It holds what `diffrecon ct --geometry FILE`
// reads (ct/geometry_json.h: parallel or fan beam, angles, detector, image grid), so a geometry file
// serves the command line and an ITK pipeline alike.
#pragma once

#include "itkObject.h"
#include "itkObjectFactory.h"

#include <memory>
#include <string>

namespace diffrecon {
namespace ct {
struct CtGeometry;
}

class CTScanGeometry : public itk::Object {
 public:
  ITK_DISALLOW_COPY_AND_MOVE(CTScanGeometry);
  using Self = CTScanGeometry;
  using Superclass = itk::Object;
  using Pointer = itk::SmartPointer<Self>;
  using ConstPointer = itk::SmartPointer<const Self>;
  itkNewMacro(Self);
  itkTypeMacro(CTScanGeometry, Object);

  // A geometry file / its text (InvalidReconstructionInputException naming the file and the key).
  void ReadFile(const std::string& path);
  void SetJSON(const std::string& text);
  // The geometry as a file's text (explicit angles, so it round-trips exactly).
  std::string GetJSON() const;

  // The common set-up without a file: `views` parallel-beam views evenly over 180 degrees,
  // `detectors` elements of `detector_spacing_mm`, and a square image of `image_size` pixels of
  // `pixel_size_mm` centred on the rotation axis.
  void SetParallelBeam(unsigned views, unsigned detectors, double detector_spacing_mm, unsigned image_size,
                       double pixel_size_mm);

  bool IsSet() const { return static_cast<bool>(geometry_); }
  // The geometry itself (ct/geometry_json.h); InvalidReconstructionInputException when none was set.
  const ct::CtGeometry& GetGeometry() const;

 protected:
  CTScanGeometry();
  ~CTScanGeometry() override;
  void PrintSelf(std::ostream& os, itk::Indent indent) const override;

 private:
  std::unique_ptr<ct::CtGeometry> geometry_;
};

}  // namespace diffrecon
