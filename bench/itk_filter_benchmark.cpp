// The ITK filters' overhead over the library call they wrap (recon/itk): the same job run both ways,
// alternately, on 256 x 256 data (median of paired runs, so the ratio survives a shared machine's
// load). What the filter adds is the copy between ITK images and tensors, the progress events and
// the pipeline's bookkeeping. Usage: diffrecon_itk_filter_benchmark [--repeats N] [--threads N]
#include "bench/timing.h"
#include "ct/ellipse_phantom.h"
#include "mri/sampling_mask.h"
#include "mri/simulated_coils.h"
#include "recon/itk/ct_reconstruction_image_filter.h"
#include "recon/itk/mri_reconstruction_image_filter.h"
#include "recon/pipeline/ct_job.h"
#include "recon/pipeline/mri_job.h"
#include "recon/pipeline/shipped_models.h"
#include "tests/recon/itk/itk_test_images.h"
#include "validation/test_images.h"

#include <ATen/Parallel.h>

#include <cstdio>
#include <functional>
#include <string>

using namespace diffrecon;

namespace {

struct Case {
  std::string name;
  std::function<void()> library, filter;
};

void print_row(const Case& c, int repeats) {
  const auto [library_ms, filter_ms] = bench::paired_median_ms(c.library, c.filter, repeats);
  std::printf("| %-36s | %9.1f | %9.1f | %6.3f |\n", c.name.c_str(), library_ms, filter_ms, filter_ms / library_ms);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  int repeats = 5, threads = 2;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--repeats" && i + 1 < argc) repeats = std::stoi(argv[++i]);
    else if (arg == "--threads" && i + 1 < argc) threads = std::stoi(argv[++i]);
    else {
      std::fprintf(stderr, "usage: %s [--repeats N] [--threads N]\n", argv[0]);
      return 2;
    }
  }
  at::set_num_threads(threads);
  std::printf("threads %d, median of %d paired runs\n\n", threads, repeats);
  std::printf("| %-36s | %9s | %9s | %6s |\n|---|---:|---:|---:|\n", "job (256 x 256)", "library ms", "filter ms", "ratio");

  // MRI: 8 birdcage coils, random lines at R = 4 with 24 ACS lines, the exact maps given.
  const int64_t size = 256;
  const auto truth = piecewise_constant_phantom(size, size, torch::kComplexFloat);
  const auto maps = mri::birdcage_sensitivities(8, size, size);
  const auto mask = mri::random_line_mask({size, size, 4.0, 24, 1});
  const auto kspace = mri::SenseOperator(maps, mask).forward(truth);
  auto kspace_image = testing::coil_image<2>(kspace);
  auto maps_image = testing::coil_image<2>(maps);
  auto mask_image = testing::scalar_image<itk::Image<float, 2>>(mask);
  using MriFilter = MRIReconstructionImageFilter<itk::Image<std::complex<float>, 2>>;

  const auto mri_case = [&](const std::string& name, MRIReconstructionMethod method, mri::ReconstructionMethod library_method,
                            int iterations, const PosteriorOptions* posterior) {
    MriJob job;
    job.acquisition.kspace = kspace.unsqueeze(0);
    job.acquisition.mask = mask.unsqueeze(0);
    job.model.whiten = false;
    job.model.maps = mri::CoilMapMethod::Given;
    job.model.given_maps = maps.unsqueeze(0);
    job.classical.method = library_method;
    job.classical.iterations = iterations;
    if (posterior) {
      job.kind = MriMethodKind::Posterior;
      job.posterior.prior_card = shipped_prior_card("mri-brain");
      job.posterior.recipe.method = posterior->sampler;
      job.posterior.recipe.overrides = posterior->parameters;
    }
    auto filter = MriFilter::New();
    filter->SetKSpace(kspace_image);
    filter->SetCoilMaps(maps_image);
    filter->SetMask(mask_image);
    filter->SetMethod(method);
    filter->SetIterations(iterations);
    if (posterior) filter->SetPosterior(*posterior);
    print_row({name, [job] { run_mri_job(job); },
               [filter] {
                 filter->Modified();
                 filter->Update();
               }},
              repeats);
  };
  mri_case("MRI CG-SENSE, 30 iterations", MRIReconstructionMethod::CGSense, mri::ReconstructionMethod::ConjugateGradientSense,
           30, nullptr);
  mri_case("MRI L1-wavelet, 30 iterations", MRIReconstructionMethod::L1Wavelet, mri::ReconstructionMethod::L1Wavelet, 30,
           nullptr);
  PosteriorOptions dds;
  dds.parameters = {{"steps", "10"}};
  mri_case("MRI DDS, 10 steps (mri-brain)", MRIReconstructionMethod::Posterior, mri::ReconstructionMethod::ZeroFilled, 30,
           &dds);

  // CT: the modified Shepp-Logan head, 60 parallel-beam views (ct/examples/parallel_60_views.json).
  auto geometry = CTScanGeometry::New();
  geometry->SetParallelBeam(60, 367, 1.0, 256, 1.0);
  const auto sinogram = ct::analytic_sinogram(ct::modified_shepp_logan(120.0, 0.02), geometry->GetGeometry().projection);
  auto sinogram_image = testing::scalar_image<itk::Image<float, 2>>(sinogram);
  const auto ct_case = [&](const std::string& name, CTReconstructionMethod method, CtMethodKind kind, int iterations) {
    CtJob job;
    job.sinogram = sinogram;
    job.geometry = geometry->GetGeometry();
    job.kind = kind;
    job.iterations = iterations;
    auto filter = CTReconstructionImageFilter<itk::Image<float, 2>>::New();
    filter->SetInput(sinogram_image);
    filter->SetGeometry(geometry);
    filter->SetMethod(method);
    filter->SetIterations(iterations);
    print_row({name, [job] { run_ct_job(job); },
               [filter] {
                 filter->Modified();
                 filter->Update();
               }},
              repeats);
  };
  ct_case("CT FBP, 60 views", CTReconstructionMethod::FilteredBackProjection, CtMethodKind::FilteredBackProjection, 0);
  ct_case("CT TV, 60 views, 50 iterations", CTReconstructionMethod::TotalVariation, CtMethodKind::TotalVariation, 50);
  return 0;
}
