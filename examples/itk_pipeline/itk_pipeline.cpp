// ImageFileReader -> diffrecon::CTReconstructionImageFilter -> ImageFileWriter.
// Usage: itk_pipeline SINOGRAM GEOMETRY.json OUTPUT [fbp|tv]
#include "recon/itk/ct_reconstruction_image_filter.h"

#include "itkImageFileReader.h"
#include "itkImageFileWriter.h"

#include <iostream>
#include <string>

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: " << argv[0] << " SINOGRAM GEOMETRY.json OUTPUT [fbp|tv]\n";
    return 2;
  }
  using Image = itk::Image<float, 2>;
  try {
    auto reader = itk::ImageFileReader<Image>::New();
    reader->SetFileName(argv[1]);
    auto geometry = diffrecon::CTScanGeometry::New();
    geometry->ReadFile(argv[2]);
    auto reconstruction = diffrecon::CTReconstructionImageFilter<Image>::New();
    reconstruction->SetInput(reader->GetOutput());
    reconstruction->SetGeometry(geometry);
    if (argc > 4 && std::string(argv[4]) == "tv") reconstruction->SetMethod(diffrecon::CTReconstructionMethod::TotalVariation);
    auto writer = itk::ImageFileWriter<Image>::New();
    writer->SetInput(reconstruction->GetOutput());
    writer->SetFileName(argv[3]);
    writer->Update();
  } catch (const itk::ExceptionObject& error) {
    std::cerr << error.GetDescription() << "\n";
    return 1;
  }
  return 0;
}
