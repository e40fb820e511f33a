// CTReconstructionImageFilter: a DiffRecon CT reconstruction as an ITK filter.
//
//   input 0   the sinogram, line integrals: itk::Image<float, 2> (x: detector, y: view) or a stack of
//             them, itk::Image<float, 3> (z: slice)
//   geometry  SetGeometry(CTScanGeometry): the scan and the image grid (required)
//   output 0  the image on the geometry's grid, placed in patient space as `diffrecon ct` places it
//             (ct/patient_placement.h; a stack keeps the sinogram's z spacing and origin), in
//             attenuation (1/mm) or Hounsfield units as OutputUnits says
//   output 1  the posterior standard deviation, same units, when Posterior.samples > 1; otherwise an
//             image with an empty buffer
//
// The work is recon/pipeline/ct_job.h's run_ct_job, so the pixels are the library's and the command
// line's. Instantiated for itk::Image<float, 2> and itk::Image<float, 3>.
#pragma once

#include "recon/itk/ct_scan_geometry.h"
#include "recon/itk/posterior_options.h"
#include "recon/itk/reconstruction_exception.h"
#include "recon/itk/whole_image_filter.h"

#include "itkImage.h"
#include "itkImageToImageFilter.h"

#include <ostream>

namespace diffrecon {

enum class CTReconstructionMethod { FilteredBackProjection, SIRT, CGLS, TotalVariation, Posterior };
enum class CTImageUnits { Attenuation, Hounsfield };

std::ostream& operator<<(std::ostream& out, CTReconstructionMethod method);
std::ostream& operator<<(std::ostream& out, CTImageUnits units);

template <typename TImage>
class CTReconstructionImageFilter : public CTGeometryImageFilter<TImage> {
 public:
  ITK_DISALLOW_COPY_AND_MOVE(CTReconstructionImageFilter);

  static constexpr unsigned int ImageDimension = TImage::ImageDimension;
  using Self = CTReconstructionImageFilter;
  using Superclass = CTGeometryImageFilter<TImage>;
  using Pointer = itk::SmartPointer<Self>;
  using ConstPointer = itk::SmartPointer<const Self>;
  itkNewMacro(Self);
  itkTypeMacro(CTReconstructionImageFilter, CTGeometryImageFilter);

  itkSetEnumMacro(Method, CTReconstructionMethod);
  itkGetEnumMacro(Method, CTReconstructionMethod);
  // SIRT, CGLS, TV: iterations (0: 100, 30, 300); TV: the weight of TV(x) against 1/2 ||A x - y||^2.
  itkSetMacro(Iterations, int);
  itkGetConstMacro(Iterations, int);
  itkSetMacro(Lambda, double);
  itkGetConstMacro(Lambda, double);
  // TV and posterior: the incident photon count per ray, to weight the rays by their statistics (0: unweighted).
  itkSetMacro(Photons, double);
  itkGetConstMacro(Photons, double);
  itkSetEnumMacro(OutputUnits, CTImageUnits);
  itkGetEnumMacro(OutputUnits, CTImageUnits);
  itkSetMacro(MuWater, double);  // 1/mm, for Hounsfield units
  itkGetConstMacro(MuWater, double);
  itkSetMacro(Posterior, PosteriorOptions);
  itkGetConstReferenceMacro(Posterior, PosteriorOptions);

  TImage* GetStandardDeviationOutput();

 protected:
  CTReconstructionImageFilter();
  ~CTReconstructionImageFilter() override = default;

  void GenerateOutputInformation() override;
  void GenerateData() override;
  void PrintSelf(std::ostream& os, itk::Indent indent) const override;

 private:
  CTReconstructionMethod m_Method = CTReconstructionMethod::FilteredBackProjection;
  int m_Iterations = 0;
  double m_Lambda = 0.2;
  double m_Photons = 0.0;
  CTImageUnits m_OutputUnits = CTImageUnits::Attenuation;
  double m_MuWater = 0.0192;  // ct/hounsfield.h kDefaultMuWaterPerMm
  PosteriorOptions m_Posterior;
};

}  // namespace diffrecon
