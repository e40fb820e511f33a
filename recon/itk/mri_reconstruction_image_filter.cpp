#include "recon/itk/mri_reconstruction_image_filter.h"

#include "recon/itk/filter_support.h"
#include "recon/itk/image_tensors.h"
#include "recon/pipeline/mri_job.h"

#include <sstream>

namespace diffrecon {

std::ostream& operator<<(std::ostream& out, MRIReconstructionMethod method) {
  switch (method) {
    case MRIReconstructionMethod::ZeroFilled: return out << "ZeroFilled";
    case MRIReconstructionMethod::RootSumOfSquares: return out << "RootSumOfSquares";
    case MRIReconstructionMethod::CGSense: return out << "CGSense";
    case MRIReconstructionMethod::L1Wavelet: return out << "L1Wavelet";
    case MRIReconstructionMethod::TotalVariation: return out << "TotalVariation";
    case MRIReconstructionMethod::Posterior: return out << "Posterior";
  }
  return out << "unknown";
}

template <typename TOutputImage>
MRIReconstructionImageFilter<TOutputImage>::MRIReconstructionImageFilter() {
  this->SetNumberOfRequiredInputs(1);
  this->AddOptionalInputName("Mask");
  this->AddOptionalInputName("CoilMaps");
  this->SetNumberOfRequiredOutputs(2);
  this->SetNthOutput(0, this->MakeOutput(0));
  this->SetNthOutput(1, this->MakeOutput(1));
}

template <typename TOutputImage>
void MRIReconstructionImageFilter<TOutputImage>::SetMask(const MaskImageType* mask) {
  this->itk::ProcessObject::SetInput("Mask", const_cast<MaskImageType*>(mask));
}

template <typename TOutputImage>
auto MRIReconstructionImageFilter<TOutputImage>::GetMask() const -> const MaskImageType* {
  return itkDynamicCastInDebugMode<const MaskImageType*>(this->ProcessObject::GetInput("Mask"));
}

template <typename TOutputImage>
void MRIReconstructionImageFilter<TOutputImage>::SetCoilMaps(const CoilMapImageType* maps) {
  this->itk::ProcessObject::SetInput("CoilMaps", const_cast<CoilMapImageType*>(maps));
}

template <typename TOutputImage>
auto MRIReconstructionImageFilter<TOutputImage>::GetCoilMaps() const -> const CoilMapImageType* {
  return itkDynamicCastInDebugMode<const CoilMapImageType*>(this->ProcessObject::GetInput("CoilMaps"));
}

template <typename TOutputImage>
auto MRIReconstructionImageFilter<TOutputImage>::GetStandardDeviationOutput() -> StandardDeviationImageType* {
  return dynamic_cast<StandardDeviationImageType*>(this->ProcessObject::GetOutput(1));
}

template <typename TOutputImage>
itk::DataObject::Pointer MRIReconstructionImageFilter<TOutputImage>::MakeOutput(DataObjectPointerArraySizeType index) {
  if (index == 1) return StandardDeviationImageType::New().GetPointer();
  return Superclass::MakeOutput(index);
}

template <typename TOutputImage>
void MRIReconstructionImageFilter<TOutputImage>::GenerateData() {
  using namespace itk_tensors;
  auto* output = this->GetOutput();
  auto* std_output = GetStandardDeviationOutput();
  try {
    const auto* kspace = this->GetInput();
    itk_support::TorchThreadScope threads(*this);

    MriJob job;
    job.acquisition.kspace = to_channel_tensor<ImageDimension>(*kspace);
    const int64_t coils = job.acquisition.coils();
    for (unsigned d = 0; d < std::min(2u, ImageDimension); ++d) job.acquisition.spacing[d] = kspace->GetSpacing()[d];
    if (const auto* mask = GetMask()) {
      if (mask->GetLargestPossibleRegion().GetSize() != kspace->GetLargestPossibleRegion().GetSize())
        throw InputError("input Mask: expected the k-space's size " + size_text(*kspace) + ", got " + size_text(*mask));
      job.acquisition.mask = to_stack(*mask);
    }
    job.model.whiten = false;  // an ITK image carries no noise samples
    job.model.virtual_coils = m_VirtualCoils;
    if (const auto* maps = GetCoilMaps()) {
      if (maps->GetLargestPossibleRegion().GetSize() != kspace->GetLargestPossibleRegion().GetSize() ||
          int64_t(maps->GetNumberOfComponentsPerPixel()) != coils)
        throw InputError("input CoilMaps: expected " + std::to_string(coils) + " coils of " + size_text(*kspace) +
                         " (the k-space's), got " + std::to_string(maps->GetNumberOfComponentsPerPixel()) + " of " +
                         size_text(*maps));
      job.model.maps = mri::CoilMapMethod::Given;
      job.model.given_maps = to_channel_tensor<ImageDimension>(*maps);
      job.coil_maps_source = "CoilMaps input";
    } else {
      job.model.maps = mri::CoilMapMethod::Espirit;
      job.coil_maps_source = "espirit";
    }

    itk_support::FilterProgress progress(*this, job.acquisition.slices());
    switch (m_Method) {
      case MRIReconstructionMethod::RootSumOfSquares: job.kind = MriMethodKind::RootSumOfSquares; break;
      case MRIReconstructionMethod::Posterior:
        job.kind = MriMethodKind::Posterior;
        job.posterior = itk_support::posterior_settings(m_Posterior, "mri-brain");
        job.noise_sigma = m_NoiseSigma;
        break;
      default: {
        job.kind = MriMethodKind::Classical;
        job.classical.method = m_Method == MRIReconstructionMethod::ZeroFilled  ? mri::ReconstructionMethod::ZeroFilled
                               : m_Method == MRIReconstructionMethod::CGSense   ? mri::ReconstructionMethod::ConjugateGradientSense
                               : m_Method == MRIReconstructionMethod::L1Wavelet ? mri::ReconstructionMethod::L1Wavelet
                                                                                : mri::ReconstructionMethod::TotalVariation;
        job.classical.lambda = m_Lambda;
        job.classical.iterations = m_Iterations;
        job.classical.callback = progress.iteration_callback(m_Iterations);
      }
    }
    if (m_Iterations < 1 && job.kind == MriMethodKind::Classical)
      throw InputError("Iterations: expected at least 1, got " + std::to_string(m_Iterations));
    job.inputs = {"itk::VectorImage k-space"};

    auto result = run_mri_job(job, progress.observer());
    itk_support::write_outputs(*output, *std_output, slice_or_stack<TOutputImage>(result.image),
                               slice_or_stack<TOutputImage>(result.std), result.record);
  } catch (...) {
    itk_support::rethrow_as_itk(*this, __FILE__, __LINE__);
  }
}

template <typename TOutputImage>
void MRIReconstructionImageFilter<TOutputImage>::PrintSelf(std::ostream& os, itk::Indent indent) const {
  Superclass::PrintSelf(os, indent);
  os << indent << "Method: " << m_Method << "\n"
     << indent << "Lambda: " << m_Lambda << "\n"
     << indent << "Iterations: " << m_Iterations << "\n"
     << indent << "VirtualCoils: " << m_VirtualCoils << "\n"
     << indent << "NoiseSigma: " << m_NoiseSigma << "\n"
     << indent << "Posterior: " << m_Posterior << "\n";
}

template class MRIReconstructionImageFilter<itk::Image<std::complex<float>, 2>>;
template class MRIReconstructionImageFilter<itk::Image<std::complex<float>, 3>>;
template class MRIReconstructionImageFilter<itk::Image<float, 2>>;
template class MRIReconstructionImageFilter<itk::Image<float, 3>>;

}  // namespace diffrecon
