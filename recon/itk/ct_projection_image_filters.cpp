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
void CTProjectionImageFilter<TImage, Direction>::GenerateOutputInformation() {
  const auto& geometry = this->RequiredGeometry();
  if constexpr (Direction == CTProjection::Forward)
    itk_ct::lay_out_sinogram(*this->GetOutput(), *this->GetInput(), geometry.projection);
  else
    itk_ct::lay_out_image(*this->GetOutput(), *this->GetInput(), geometry.image);
}

template <typename TImage, CTProjection Direction> void CTProjectionImageFilter<TImage, Direction>::GenerateData() {
  try {
    const auto* input = this->GetInput();
    const auto& geometry = this->RequiredGeometry();
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
}

template class CTProjectionImageFilter<itk::Image<float, 2>, CTProjection::Forward>;
template class CTProjectionImageFilter<itk::Image<float, 2>, CTProjection::Back>;
template class CTProjectionImageFilter<itk::Image<float, 3>, CTProjection::Forward>;
template class CTProjectionImageFilter<itk::Image<float, 3>, CTProjection::Back>;

}  // namespace diffrecon
