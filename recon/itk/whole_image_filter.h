// The bases of DiffRecon's ITK filters. A reconstruction or a projection couples every sample to
// every pixel (the Fourier transform, every ray through the image), so WholeImageFilter requests
// each input whole and produces each output whole. CTGeometryImageFilter adds the CT geometry
// (SetGeometry, as RTK's projectors take theirs): its changes count as the filter's, and the
// outputs live on the geometry's grid, not in the input's physical space.
#pragma once

#include "recon/itk/ct_scan_geometry.h"
#include "recon/itk/reconstruction_exception.h"

#include "itkImageToImageFilter.h"

#include <algorithm>
#include <ostream>
#include <string>

namespace diffrecon {

template <typename TInputImage, typename TOutputImage>
class WholeImageFilter : public itk::ImageToImageFilter<TInputImage, TOutputImage> {
 public:
  ITK_DISALLOW_COPY_AND_MOVE(WholeImageFilter);
  using Superclass = itk::ImageToImageFilter<TInputImage, TOutputImage>;
  itkTypeMacro(WholeImageFilter, ImageToImageFilter);

 protected:
  WholeImageFilter() = default;
  ~WholeImageFilter() override = default;

  void GenerateInputRequestedRegion() override {
    Superclass::GenerateInputRequestedRegion();
    for (auto& input : this->GetInputs())
      if (auto* image = dynamic_cast<itk::ImageBase<TInputImage::ImageDimension>*>(input.GetPointer()))
        image->SetRequestedRegionToLargestPossibleRegion();
  }
  void EnlargeOutputRequestedRegion(itk::DataObject* output) override {
    Superclass::EnlargeOutputRequestedRegion(output);
    output->SetRequestedRegionToLargestPossibleRegion();
  }
};

template <typename TImage>
class CTGeometryImageFilter : public WholeImageFilter<TImage, TImage> {
 public:
  ITK_DISALLOW_COPY_AND_MOVE(CTGeometryImageFilter);
  using Superclass = WholeImageFilter<TImage, TImage>;
  itkTypeMacro(CTGeometryImageFilter, WholeImageFilter);

  itkSetConstObjectMacro(Geometry, CTScanGeometry);
  itkGetConstObjectMacro(Geometry, CTScanGeometry);

  // The geometry's changes count as the filter's (an update after geometry->SetJSON re-runs).
  itk::ModifiedTimeType GetMTime() const override {
    auto time = Superclass::GetMTime();
    if (m_Geometry) time = std::max(time, m_Geometry->GetMTime());
    return time;
  }

 protected:
  CTGeometryImageFilter() = default;
  ~CTGeometryImageFilter() override = default;

  // The geometry; InvalidReconstructionInputException naming the filter when none is set.
  const ct::CtGeometry& RequiredGeometry() const {
    if (!m_Geometry || !m_Geometry->IsSet())
      throw InvalidReconstructionInputException(
          __FILE__, __LINE__, std::string(this->GetNameOfClass()) + ": no geometry (SetGeometry with a CTScanGeometry)",
          ITK_LOCATION);
    return m_Geometry->GetGeometry();
  }
  void VerifyInputInformation() ITKv5_CONST override {}  // outputs live on the geometry's grid
  void PrintSelf(std::ostream& os, itk::Indent indent) const override {
    Superclass::PrintSelf(os, indent);
    os << indent << "Geometry:";
    if (!m_Geometry) {
      os << " (none)\n";
      return;
    }
    os << "\n";
    m_Geometry->Print(os, indent.GetNextIndent());
  }

 private:
  CTScanGeometry::ConstPointer m_Geometry;
};

}  // namespace diffrecon
