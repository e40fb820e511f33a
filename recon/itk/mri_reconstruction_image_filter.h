// MRIReconstructionImageFilter: a DiffRecon MRI reconstruction as an ITK filter, for pipelines that
// read, reconstruct, register and write without leaving ITK's types.
//
//   input 0    k-space: itk::VectorImage<std::complex<float>, D>, one component per coil, in the
//              layout of a BART .cfl or an ISMRMRD acquisition (DC at index N/2; x readout, y phase
//              encoding; a 3-D image is a stack of 2-D slices along z), zero where not acquired
//   "Mask"     optional itk::Image<float, D>, 1 where acquired (else: the non-zero samples)
//   "CoilMaps" optional coil sensitivities, the k-space's type and size (else: ESPIRiT)
//   output 0   the image: TOutputImage = itk::Image<std::complex<float>, D> (complex) or
//              itk::Image<float, D> (magnitude), in the input's physical space
//   output 1   the posterior standard deviation (float), when Posterior.samples > 1; otherwise an
//              image with an empty buffer
//
// The method is a typed parameter (classical, or any registered sampler with a prior card); the
// work is recon/pipeline/mri_job.h's run_mri_job, so the pixels are the library's and the command
// line's. The output's MetaDataDictionary carries the provenance (DiffRecon_* keys, docs/itk.md).
// Instantiated for D = 2, 3 and both output pixel types (the definitions include LibTorch and stay
// in the .cpp).
#pragma once

#include "recon/itk/posterior_options.h"
#include "recon/itk/reconstruction_exception.h"
#include "recon/itk/whole_image_filter.h"

#include "itkImage.h"
#include "itkImageToImageFilter.h"
#include "itkVectorImage.h"

#include <complex>
#include <ostream>

namespace diffrecon {

enum class MRIReconstructionMethod { ZeroFilled, RootSumOfSquares, CGSense, L1Wavelet, TotalVariation, Posterior };

std::ostream& operator<<(std::ostream& out, MRIReconstructionMethod method);

template <typename TOutputImage>
class MRIReconstructionImageFilter
    : public WholeImageFilter<itk::VectorImage<std::complex<float>, TOutputImage::ImageDimension>, TOutputImage> {
 public:
  ITK_DISALLOW_COPY_AND_MOVE(MRIReconstructionImageFilter);

  static constexpr unsigned int ImageDimension = TOutputImage::ImageDimension;
  using KSpaceImageType = itk::VectorImage<std::complex<float>, ImageDimension>;
  using CoilMapImageType = KSpaceImageType;
  using MaskImageType = itk::Image<float, ImageDimension>;
  using OutputImageType = TOutputImage;
  using StandardDeviationImageType = itk::Image<float, ImageDimension>;

  using Self = MRIReconstructionImageFilter;
  using Superclass = WholeImageFilter<KSpaceImageType, TOutputImage>;
  using Pointer = itk::SmartPointer<Self>;
  using ConstPointer = itk::SmartPointer<const Self>;

  itkNewMacro(Self);
  itkTypeMacro(MRIReconstructionImageFilter, WholeImageFilter);

  void SetKSpace(const KSpaceImageType* kspace) { this->SetInput(kspace); }
  void SetMask(const MaskImageType* mask);
  const MaskImageType* GetMask() const;
  void SetCoilMaps(const CoilMapImageType* maps);
  const CoilMapImageType* GetCoilMaps() const;

  itkSetEnumMacro(Method, MRIReconstructionMethod);
  itkGetEnumMacro(Method, MRIReconstructionMethod);
  // Classical methods: the weight (Tikhonov for CG-SENSE, L1 for L1-wavelet, TV), on BART-scaled
  // data, and the iterations (BART pics' defaults).
  itkSetMacro(Lambda, double);
  itkGetConstMacro(Lambda, double);
  itkSetMacro(Iterations, int);
  itkGetConstMacro(Iterations, int);
  // Compress to this many virtual coils first (0: keep all).
  itkSetMacro(VirtualCoils, int);
  itkGetConstMacro(VirtualCoils, int);
  // Posterior methods: the k-space noise std per complex sample (0: unknown).
  itkSetMacro(NoiseSigma, double);
  itkGetConstMacro(NoiseSigma, double);
  itkSetMacro(Posterior, PosteriorOptions);
  itkGetConstReferenceMacro(Posterior, PosteriorOptions);

  StandardDeviationImageType* GetStandardDeviationOutput();

 protected:
  MRIReconstructionImageFilter();
  ~MRIReconstructionImageFilter() override = default;

  using DataObjectPointerArraySizeType = itk::ProcessObject::DataObjectPointerArraySizeType;
  itk::DataObject::Pointer MakeOutput(DataObjectPointerArraySizeType index) override;
  void GenerateData() override;
  void PrintSelf(std::ostream& os, itk::Indent indent) const override;

 private:
  MRIReconstructionMethod m_Method = MRIReconstructionMethod::CGSense;
  double m_Lambda = 0.01;
  int m_Iterations = 30;
  int m_VirtualCoils = 0;
  double m_NoiseSigma = 0.0;
  PosteriorOptions m_Posterior;
};

}  // namespace diffrecon
