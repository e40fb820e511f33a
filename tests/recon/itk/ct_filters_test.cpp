// The CT filters: CTReconstructionImageFilter gives run_ct_job's pixels on the geometry's grid,
// placed as `diffrecon ct` places its images, in attenuation or Hounsfield units; the projector
// filters are the library's projector and its exact transpose (dot-product test on ITK images);
// the geometry's changes re-run the filter; bad inputs raise ITK exceptions naming the input.
#include "recon/itk/ct_projection_image_filters.h"
#include "recon/itk/ct_reconstruction_image_filter.h"

#include "core/seeded_random.h"
#include "ct/ellipse_phantom.h"
#include "ct/geometry_json.h"
#include "ct/hounsfield.h"
#include "ct/joseph_projector.h"
#include "recon/pipeline/ct_files.h"
#include "recon/pipeline/ct_job.h"
#include "tests/recon/itk/itk_test_images.h"

#include "itkCommand.h"

#include <gtest/gtest.h>

#include <sstream>

namespace diffrecon {
namespace {

using testing::itk_error_of;
using testing::scalar_image;
using testing::tensor_of;

using Image2 = itk::Image<float, 2>;
using Image3 = itk::Image<float, 3>;

CTScanGeometry::Pointer parallel_geometry() {
  auto geometry = CTScanGeometry::New();
  geometry->SetParallelBeam(24, 40, 1.0, 32, 1.0);
  return geometry;
}

// The exact sinogram of a Shepp-Logan head filling the 32 mm grid, [views, detectors].
torch::Tensor phantom_sinogram(const CTScanGeometry& geometry) {
  return ct::analytic_sinogram(ct::modified_shepp_logan(15.0, 0.02), geometry.GetGeometry().projection, 2);
}

TEST(CTReconstructionImageFilter, GivesTheLibrarysPixelsPlacedAsTheCommandLinePlacesThem) {
  auto geometry = parallel_geometry();
  const auto sinogram = phantom_sinogram(*geometry);
  for (auto [method, kind] : {std::pair{CTReconstructionMethod::FilteredBackProjection, CtMethodKind::FilteredBackProjection},
                              std::pair{CTReconstructionMethod::SIRT, CtMethodKind::Sirt},
                              std::pair{CTReconstructionMethod::TotalVariation, CtMethodKind::TotalVariation}}) {
    auto filter = CTReconstructionImageFilter<Image2>::New();
    filter->SetInput(scalar_image<Image2>(sinogram));
    filter->SetGeometry(geometry);
    filter->SetMethod(method);
    filter->SetIterations(15);
    filter->Update();
    CtJob job;
    job.sinogram = sinogram;
    job.geometry = geometry->GetGeometry();
    job.kind = kind;
    job.iterations = 15;
    const auto expected = run_ct_job(job).image[0];
    const auto* output = filter->GetOutput();
    EXPECT_TRUE(torch::equal(tensor_of(*output), expected)) << method;
    const auto placement = ct_image_file_geometry(job.geometry.image);
    for (unsigned d = 0; d < 2; ++d) {
      EXPECT_EQ(output->GetLargestPossibleRegion().GetSize()[d], 32u);
      EXPECT_DOUBLE_EQ(output->GetSpacing()[d], placement.spacing[d]);
      EXPECT_DOUBLE_EQ(output->GetOrigin()[d], placement.origin[d]);
      for (unsigned c = 0; c < 2; ++c) EXPECT_DOUBLE_EQ(output->GetDirection()[d][c], placement.direction[d * 2 + c]);
    }
  }
}

TEST(CTReconstructionImageFilter, AStackReconstructsSliceBySliceAndHounsfieldUnitsConvert) {
  auto geometry = parallel_geometry();
  const auto sinogram = phantom_sinogram(*geometry);
  const auto stack = torch::stack({sinogram, 0.5 * sinogram});
  auto input = scalar_image<Image3>(stack);
  auto spacing = input->GetSpacing();
  spacing[2] = 3.0;
  input->SetSpacing(spacing);
  auto filter = CTReconstructionImageFilter<Image3>::New();
  filter->SetInput(input);
  filter->SetGeometry(geometry);
  filter->SetOutputUnits(CTImageUnits::Hounsfield);
  filter->Update();
  CtJob job;
  job.sinogram = stack;
  job.geometry = geometry->GetGeometry();
  const auto expected = ct::attenuation_to_hounsfield(run_ct_job(job).image, 0.0192);
  const auto actual = tensor_of(*filter->GetOutput());
  ASSERT_EQ(actual.sizes(), expected.sizes());
  EXPECT_TRUE(torch::allclose(actual, expected, 1e-5, 1e-3));
  EXPECT_DOUBLE_EQ(filter->GetOutput()->GetSpacing()[2], 3.0);
}

TEST(CTReconstructionImageFilter, PosteriorMatchesTheLibraryAndChangingTheGeometryReRuns) {
  auto geometry = parallel_geometry();
  const auto sinogram = phantom_sinogram(*geometry);
  PosteriorOptions posterior;
  posterior.sampler = "daps";
  posterior.prior_card = std::string(DIFFRECON_SOURCE_DIR) + "/models/ct-body/model.json";
  posterior.samples = 2;
  posterior.parameters = {{"annealing_steps", "3"}, {"ode_steps", "2"}, {"langevin_steps", "2"}};
  auto filter = CTReconstructionImageFilter<Image2>::New();
  filter->SetInput(scalar_image<Image2>(sinogram));
  filter->SetGeometry(geometry);
  filter->SetMethod(CTReconstructionMethod::Posterior);
  filter->SetPosterior(posterior);
  int starts = 0;
  auto counter = itk::CStyleCommand::New();
  counter->SetClientData(&starts);
  counter->SetCallback([](itk::Object*, const itk::EventObject&, void* n) { ++*static_cast<int*>(n); });
  filter->AddObserver(itk::StartEvent(), counter);
  filter->SetNumberOfWorkUnits(1);
  filter->Update();
  testing::TorchThreads one_thread(1);
  CtJob job;
  job.sinogram = sinogram;
  job.geometry = geometry->GetGeometry();
  job.kind = CtMethodKind::Posterior;
  job.posterior.prior_card = posterior.prior_card;
  job.posterior.recipe.method = "daps";
  job.posterior.recipe.overrides = posterior.parameters;
  job.posterior.samples = 2;
  const auto expected = run_ct_job(job);
  EXPECT_TRUE(torch::equal(tensor_of(*filter->GetOutput()), expected.image[0]));
  EXPECT_TRUE(torch::equal(tensor_of(*filter->GetStandardDeviationOutput()), expected.std[0]));
  filter->Update();
  EXPECT_EQ(starts, 1);
  geometry->SetJSON(geometry->GetJSON());  // the geometry object modified: the filter is out of date
  filter->Update();
  EXPECT_EQ(starts, 2);
}

TEST(CTProjectionImageFilters, AreTheLibrarysProjectorAndItsExactTranspose) {
  auto geometry = CTScanGeometry::New();
  geometry->SetJSON(R"({"beam": "fan", "views": 30, "scan": "short", "detector": {"count": 48, "spacing_mm": 1.5},
                        "source_to_isocentre_mm": 80, "source_to_detector_mm": 160,
                        "image": {"rows": 32, "columns": 28, "pixel_size_mm": 1.0}})");
  SeededRandom random(3);
  const auto x = random.uniform({2, 32, 28});
  const auto y = random.uniform({2, 30, 48});
  auto forward = CTForwardProjectionImageFilter<Image3>::New();
  forward->SetInput(scalar_image<Image3>(x));
  forward->SetGeometry(geometry);
  forward->Update();
  auto back = CTBackProjectionImageFilter<Image3>::New();
  back->SetInput(scalar_image<Image3>(y));
  back->SetGeometry(geometry);
  back->Update();
  const auto ax = tensor_of(*forward->GetOutput());
  const auto aty = tensor_of(*back->GetOutput());
  const auto projector = ct::make_projector(geometry->GetGeometry().projection, geometry->GetGeometry().image);
  EXPECT_TRUE(torch::equal(ax, projector->forward(x)));
  const double left = (ax.to(torch::kDouble) * y.to(torch::kDouble)).sum().item<double>();
  const double right = (x.to(torch::kDouble) * aty.to(torch::kDouble)).sum().item<double>();
  EXPECT_LT(std::abs(left / right - 1.0), 1e-3) << left << " vs " << right;
  // The sinogram's layout: detectors along x, views along y; the image lands on the grid.
  EXPECT_EQ(forward->GetOutput()->GetLargestPossibleRegion().GetSize()[0], 48u);
  EXPECT_EQ(forward->GetOutput()->GetLargestPossibleRegion().GetSize()[1], 30u);
  EXPECT_EQ(back->GetOutput()->GetLargestPossibleRegion().GetSize()[0], 28u);
  EXPECT_EQ(back->GetOutput()->GetLargestPossibleRegion().GetSize()[1], 32u);
  std::ostringstream text;
  back->Print(text);
  EXPECT_NE(text.str().find("back (A^T)"), std::string::npos) << text.str();
  EXPECT_STREQ(forward->GetNameOfClass(), "CTForwardProjectionImageFilter");
}

TEST(CTFilters, BadInputsRaiseItkExceptionsNamingTheInput) {
  auto geometry = parallel_geometry();
  const auto sinogram = phantom_sinogram(*geometry);
  {
    auto filter = CTReconstructionImageFilter<Image2>::New();
    filter->SetInput(scalar_image<Image2>(sinogram));
    const auto message = itk_error_of([&] { filter->Update(); });
    EXPECT_NE(message.find("no geometry"), std::string::npos) << message;
  }
  {
    auto filter = CTReconstructionImageFilter<Image2>::New();
    filter->SetInput(scalar_image<Image2>(sinogram.narrow(0, 0, 20)));
    filter->SetGeometry(geometry);
    const auto message = itk_error_of([&] { filter->Update(); });
    EXPECT_NE(message.find("input sinogram: expected 40 x 24 (detectors x views of parallel-beam"), std::string::npos)
        << message;
  }
  {
    auto forward = CTForwardProjectionImageFilter<Image2>::New();
    forward->SetInput(scalar_image<Image2>(torch::zeros({31, 32})));
    forward->SetGeometry(geometry);
    const auto message = itk_error_of([&] { forward->Update(); });
    EXPECT_NE(message.find("CTForwardProjectionImageFilter: input image: expected 32 x 32"), std::string::npos) << message;
  }
  {
    auto bad = CTScanGeometry::New();
    const auto message = itk_error_of([&] { bad->SetJSON(R"({"beam": "parallel", "views": -3})"); });
    EXPECT_NE(message.find("CTScanGeometry"), std::string::npos) << message;
    EXPECT_FALSE(bad->IsSet());
  }
}

}  // namespace
}  // namespace diffrecon
