#include "recon/itk/ct_projection_image_filters.h"

#include "ct/joseph_projector.h"
#include "recon/itk/ct_layout.h"
#include "recon/itk/filter_support.h"

namespace diffrecon {

template <typename TImage, CTProjection Direction>
CTProjectionImageFilter<TImage, Direction>::CTProjectionImageFilter() {
  this->SetNumberOfRequiredInputs(1);
}

template <typename TImage, CTProjection Direction>
itk::ModifiedTimeType CTProjectionImageFilter<TImage, Direction>::GetMTime() const {
  auto time = Superclass::GetMTime();
  if (m_Geometry) time = std::max(time, m_Geometry->GetMTime());
  return time;
}

template <typename TImage, CTProjection Direction>
void CTProjectionImageFilter<TImage, Direction>::GenerateOutputInformation() {
  if (!m_Geometry || !m_Geometry->IsSet())
    throw InvalidReconstructionInputException(
        __FILE__, __LINE__, std::string(this->GetNameOfClass()) + ": no geometry (SetGeometry with a CTScanGeometry)",
        ITK_LOCATION);
  const auto& geometry = m_Geometry->GetGeometry();
  if constexpr (Direction == CTProjection::Forward)
    itk_ct::lay_out_sinogram(*this->GetOutput(), *this->GetInput(), geometry.projection);
  else
    itk_ct::lay_out_image(*this->GetOutput(), *this->GetInput(), geometry.image);
}

template <typename TImage, CTProjection Direction>
void CTProjectionImageFilter<TImage, Direction>::GenerateInputRequestedRegion() {
  Superclass::GenerateInputRequestedRegion();
  if (auto* input = const_cast<TImage*>(this->GetInput())) input->SetRequestedRegionToLargestPossibleRegion();
}

template <typename TImage, CTProjection Direction>
void CTProjectionImageFilter<TImage, Direction>::EnlargeOutputRequestedRegion(itk::DataObject* output) {
  Superclass::EnlargeOutputRequestedRegion(output);
  output->SetRequestedRegionToLargestPossibleRegion();
}

template <typename TImage, CTProjection Direction> void CTProjectionImageFilter<TImage, Direction>::GenerateData() {
  try {
    const auto* input = this->GetInput();
    const auto& geometry = m_Geometry->GetGeometry();
    if constexpr (Direction == CTProjection::Forward)
      itk_ct::require_image(*input, geometry.image);
    else
      itk_ct::require_sinogram(*input, geometry.projection);
    itk_support::TorchThreadScope threads(*this);
    const auto projector = ct::make_projector(geometry.projection, geometry.image);
    const auto values = itk_tensors::to_stack(*input);
    const auto result = Direction == CTProjection::Forward ? projector->forward(values) : projector->adjoint(values);
    itk_tensors::fill_from(*this->GetOutput(), itk_tensors::slice_or_stack<TImage>(result));
  } catch (...) {
    itk_support::rethrow_as_itk(*this, __FILE__, __LINE__);
  }
}

template <typename TImage, CTProjection Direction>
void CTProjectionImageFilter<TImage, Direction>::PrintSelf(std::ostream& os, itk::Indent indent) const {
  Superclass::PrintSelf(os, indent);
  os << indent << "Direction: " << (Direction == CTProjection::Forward ? "forward (A)" : "back (A^T)") << "\n";
  itk_ct::print_geometry(os, indent, m_Geometry);
}

template class CTProjectionImageFilter<itk::Image<float, 2>, CTProjection::Forward>;
template class CTProjectionImageFilter<itk::Image<float, 2>, CTProjection::Back>;
template class CTProjectionImageFilter<itk::Image<float, 3>, CTProjection::Forward>;
template class CTProjectionImageFilter<itk::Image<float, 3>, CTProjection::Back>;

}  // namespace diffrecon
