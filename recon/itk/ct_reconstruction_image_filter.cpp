#include "recon/itk/ct_reconstruction_image_filter.h"

#include "ct/hounsfield.h"
#include "recon/itk/ct_layout.h"
#include "recon/itk/filter_support.h"
#include "recon/pipeline/ct_job.h"

namespace diffrecon {

std::ostream& operator<<(std::ostream& out, CTReconstructionMethod method) {
  switch (method) {
    case CTReconstructionMethod::FilteredBackProjection: return out << "FilteredBackProjection";
    case CTReconstructionMethod::SIRT: return out << "SIRT";
    case CTReconstructionMethod::CGLS: return out << "CGLS";
    case CTReconstructionMethod::TotalVariation: return out << "TotalVariation";
    case CTReconstructionMethod::Posterior: return out << "Posterior";
  }
  return out << "unknown";
}

std::ostream& operator<<(std::ostream& out, CTImageUnits units) {
  return out << (units == CTImageUnits::Hounsfield ? "Hounsfield" : "Attenuation");
}

template <typename TImage> CTReconstructionImageFilter<TImage>::CTReconstructionImageFilter() {
  this->SetNumberOfRequiredInputs(1);
  this->SetNumberOfRequiredOutputs(2);
  this->SetNthOutput(0, this->MakeOutput(0));
  this->SetNthOutput(1, this->MakeOutput(1));
}

template <typename TImage> TImage* CTReconstructionImageFilter<TImage>::GetStandardDeviationOutput() {
  return this->GetOutput(1);
}

template <typename TImage> void CTReconstructionImageFilter<TImage>::GenerateOutputInformation() {
  const auto& grid = this->RequiredGeometry().image;
  for (unsigned k = 0; k < 2; ++k) itk_ct::lay_out_image(*this->GetOutput(k), *this->GetInput(), grid);
}

template <typename TImage> void CTReconstructionImageFilter<TImage>::GenerateData() {
  auto* output = this->GetOutput(0);
  auto* std_output = this->GetOutput(1);
  try {
    const auto* sinogram = this->GetInput();
    const auto& geometry = this->RequiredGeometry();
    itk_ct::require_sinogram(*sinogram, geometry.projection);
    itk_support::TorchThreadScope threads(*this);

    CtJob job;
    job.sinogram = itk_tensors::to_tensor(*sinogram);  // [views, detectors] or [slices, views, detectors]
    job.geometry = geometry;
    job.iterations = m_Iterations;
    job.lambda = m_Lambda;
    if (m_Photons < 0) throw InputError("Photons: expected 0 (unweighted) or a positive count, got " + std::to_string(m_Photons));
    if (m_Photons > 0) job.photons = m_Photons;
    switch (m_Method) {
      case CTReconstructionMethod::FilteredBackProjection: job.kind = CtMethodKind::FilteredBackProjection; break;
      case CTReconstructionMethod::SIRT: job.kind = CtMethodKind::Sirt; break;
      case CTReconstructionMethod::CGLS: job.kind = CtMethodKind::Cgls; break;
      case CTReconstructionMethod::TotalVariation: job.kind = CtMethodKind::TotalVariation; break;
      case CTReconstructionMethod::Posterior:
        job.kind = CtMethodKind::Posterior;
        job.posterior = itk_support::posterior_settings(m_Posterior, "ct-body");
        break;
    }
    job.inputs = {"itk::Image sinogram"};

    itk_support::FilterProgress progress(*this, itk_ct::slices_of(*sinogram));
    auto result = run_ct_job(job, progress.observer());
    auto image = result.image;
    auto std_map = result.std;
    if (m_OutputUnits == CTImageUnits::Hounsfield) {
      image = ct::attenuation_to_hounsfield(image, m_MuWater);
      if (std_map.defined()) std_map = std_map * (1000.0 / m_MuWater);  // HU per 1/mm (ct/hounsfield.h, mu_air 0)
    }
    itk_support::write_outputs(*output, *std_output, itk_tensors::slice_or_stack<TImage>(image),
                               itk_tensors::slice_or_stack<TImage>(std_map), result.record);
  } catch (...) {
    itk_support::rethrow_as_itk(*this, __FILE__, __LINE__);
  }
}

template <typename TImage>
void CTReconstructionImageFilter<TImage>::PrintSelf(std::ostream& os, itk::Indent indent) const {
  Superclass::PrintSelf(os, indent);
  os << indent << "Method: " << m_Method << "\n"
     << indent << "Iterations: " << m_Iterations << "\n"
     << indent << "Lambda: " << m_Lambda << "\n"
     << indent << "Photons: " << m_Photons << "\n"
     << indent << "OutputUnits: " << m_OutputUnits << "\n"
     << indent << "MuWater: " << m_MuWater << "\n"
     << indent << "Posterior: " << m_Posterior << "\n";
}

template class CTReconstructionImageFilter<itk::Image<float, 2>>;
template class CTReconstructionImageFilter<itk::Image<float, 3>>;

}  // namespace diffrecon
