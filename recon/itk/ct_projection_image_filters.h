// The CT projector pair as ITK filters, so ITK users can simulate sinograms and back-project: the
// Joseph forward projector A (image -> sinogram) and its exact transpose A^T (sinogram -> image),
// the operators every CT reconstruction of DiffRecon uses (ct/joseph_projector.h). Both take the
// geometry with SetGeometry; images and sinograms are laid out as in CTReconstructionImageFilter
// (image x: column, y: row; sinogram x: detector, y: view; z: a stack). Instantiated for
// itk::Image<float, 2> and itk::Image<float, 3>.
#pragma once

#include "recon/itk/ct_scan_geometry.h"
#include "recon/itk/reconstruction_exception.h"
#include "recon/itk/whole_image_filter.h"

#include "itkImage.h"
#include "itkImageToImageFilter.h"

namespace diffrecon {

enum class CTProjection { Forward, Back };

// One class for both directions (they share every check and layout); the two aliases below are
// the names to use.
template <typename TImage, CTProjection Direction>
class CTProjectionImageFilter : public CTGeometryImageFilter<TImage> {
 public:
  ITK_DISALLOW_COPY_AND_MOVE(CTProjectionImageFilter);

  static constexpr unsigned int ImageDimension = TImage::ImageDimension;
  using Self = CTProjectionImageFilter;
  using Superclass = CTGeometryImageFilter<TImage>;
  using Pointer = itk::SmartPointer<Self>;
  using ConstPointer = itk::SmartPointer<const Self>;
  itkNewMacro(Self);
  // The alias's name, so messages and PrintSelf say which direction ran.
  const char* GetNameOfClass() const override {
    return Direction == CTProjection::Forward ? "CTForwardProjectionImageFilter" : "CTBackProjectionImageFilter";
  }

 protected:
  CTProjectionImageFilter();
  ~CTProjectionImageFilter() override = default;

  void GenerateOutputInformation() override;
  void GenerateData() override;
  void PrintSelf(std::ostream& os, itk::Indent indent) const override;
};

template <typename TImage>
using CTForwardProjectionImageFilter = CTProjectionImageFilter<TImage, CTProjection::Forward>;
template <typename TImage>
using CTBackProjectionImageFilter = CTProjectionImageFilter<TImage, CTProjection::Back>;

}  // namespace diffrecon
