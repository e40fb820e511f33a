// MRIReconstructionImageFilter: the library's pixels in the input's physical space, ITK's pipeline
// behaviour (update only when modified, progress events, abort between two steps, LibTorch threads
// following the work units), the provenance in the metadata, and bad inputs as ITK exceptions
// naming the input.
#include "recon/itk/mri_reconstruction_image_filter.h"

#include "core/seeded_random.h"
#include "mri/sampling_mask.h"
#include "mri/simulated_coils.h"
#include "recon/pipeline/mri_job.h"
#include "tests/recon/itk/itk_test_images.h"

#include "itkCommand.h"
#include "itkComposeImageFilter.h"
#include "itkMetaDataObject.h"

#include <ATen/Parallel.h>
#include <gtest/gtest.h>

#include <sstream>

namespace diffrecon {
namespace {

using testing::coil_image;
using testing::itk_error_of;
using testing::place_obliquely;
using testing::scalar_image;
using testing::tensor_of;

using ComplexImage2 = itk::Image<std::complex<float>, 2>;
using ComplexImage3 = itk::Image<std::complex<float>, 3>;
using MagnitudeImage3 = itk::Image<float, 3>;

struct Simulated {
  torch::Tensor kspace, maps, mask;  // [B, C, H, W], [B, C, H, W], [B, H, W]
};

// `slices` slices of 4-coil 32 x 32 k-space, random lines at acceleration 2, zero where not sampled.
Simulated simulate(int64_t slices) {
  const int64_t height = 32, width = 32;
  Simulated s;
  const auto maps = mri::birdcage_sensitivities(4, height, width);
  SeededRandom random(11);
  std::vector<torch::Tensor> kspaces, masks;
  for (int64_t b = 0; b < slices; ++b) {
    const auto mask = mri::random_line_mask({height, width, 2.0, 8, uint64_t(b + 1)});
    const auto image = random.normal({height, width}, torch::TensorOptions().dtype(torch::kComplexFloat));
    kspaces.push_back(mri::SenseOperator(maps, mask).forward(image));
    masks.push_back(mask);
  }
  s.kspace = torch::stack(kspaces);
  s.mask = torch::stack(masks);
  s.maps = maps.unsqueeze(0).expand({slices, -1, -1, -1}).contiguous();
  return s;
}

// The job the filter stands for, built from the tensors directly.
MriJob library_job(const Simulated& s) {
  MriJob job;
  job.acquisition.kspace = s.kspace;
  job.acquisition.mask = s.mask;
  job.model.whiten = false;
  job.model.maps = mri::CoilMapMethod::Given;
  job.model.given_maps = s.maps;
  return job;
}

template <typename Filter> typename Filter::Pointer filter_on(const Simulated& s) {
  constexpr unsigned D = Filter::ImageDimension;
  auto filter = Filter::New();
  auto kspace = coil_image<D>(D == 2 ? s.kspace[0] : s.kspace);
  auto maps = coil_image<D>(D == 2 ? s.maps[0] : s.maps);
  auto mask = scalar_image<typename Filter::MaskImageType>(D == 2 ? s.mask[0] : s.mask);
  for (auto* image : std::initializer_list<itk::ImageBase<D>*>{kspace.GetPointer(), maps.GetPointer(), mask.GetPointer()})
    place_obliquely(*image);
  filter->SetKSpace(kspace);
  filter->SetCoilMaps(maps);
  filter->SetMask(mask);
  return filter;
}

std::string models_folder() { return std::string(DIFFRECON_SOURCE_DIR) + "/models"; }

TEST(MRIReconstructionImageFilter, GivesTheLibrarysPixelsInTheInputsPhysicalSpace) {
  const auto s = simulate(1);
  for (auto [method, library_method] :
       {std::pair{MRIReconstructionMethod::CGSense, mri::ReconstructionMethod::ConjugateGradientSense},
        std::pair{MRIReconstructionMethod::L1Wavelet, mri::ReconstructionMethod::L1Wavelet},
        std::pair{MRIReconstructionMethod::TotalVariation, mri::ReconstructionMethod::TotalVariation}}) {
    auto filter = filter_on<MRIReconstructionImageFilter<ComplexImage2>>(s);
    filter->SetMethod(method);
    filter->SetLambda(0.005);
    filter->SetIterations(12);
    filter->Update();
    auto job = library_job(s);
    job.classical.method = library_method;
    job.classical.lambda = 0.005;
    job.classical.iterations = 12;
    const auto expected = run_mri_job(job).image[0];
    const auto* output = filter->GetOutput();
    EXPECT_TRUE(torch::equal(tensor_of(*output), expected)) << method;
    const auto* input = filter->GetInput();
    EXPECT_EQ(output->GetLargestPossibleRegion(), input->GetLargestPossibleRegion());
    EXPECT_EQ(output->GetSpacing(), input->GetSpacing());
    EXPECT_EQ(output->GetOrigin(), input->GetOrigin());
    EXPECT_EQ(output->GetDirection(), input->GetDirection());
    EXPECT_EQ(filter->GetStandardDeviationOutput()->GetBufferedRegion().GetNumberOfPixels(), 0u);
    std::string method_key;
    EXPECT_TRUE(itk::ExposeMetaData(output->GetMetaDataDictionary(), "DiffRecon_Method", method_key));
    EXPECT_EQ(method_key, mri::reconstruction_method_name(library_method));
  }
}

TEST(MRIReconstructionImageFilter, AVolumeIsAStackOfSlicesAndAFloatOutputIsTheModulus) {
  const auto s = simulate(3);
  auto filter = filter_on<MRIReconstructionImageFilter<MagnitudeImage3>>(s);
  filter->SetIterations(8);
  filter->Update();
  auto job = library_job(s);
  job.classical.iterations = 8;
  const auto expected = run_mri_job(job).image.abs();
  const auto actual = tensor_of(*filter->GetOutput());
  ASSERT_EQ(actual.sizes(), expected.sizes());
  EXPECT_TRUE(torch::allclose(actual, expected, 1e-6, 1e-6));
  EXPECT_EQ(filter->GetOutput()->GetSpacing(), filter->GetInput()->GetSpacing());
}

// Without a CoilMaps input the maps are ESPIRiT's, estimated from the data as the library does.
TEST(MRIReconstructionImageFilter, WithoutCoilMapsEstimatesThemWithEspirit) {
  const auto s = simulate(1);
  auto filter = filter_on<MRIReconstructionImageFilter<ComplexImage2>>(s);
  filter->SetCoilMaps(nullptr);
  filter->SetIterations(10);
  filter->Update();
  auto job = library_job(s);
  job.model.maps = mri::CoilMapMethod::Espirit;
  job.model.given_maps = torch::Tensor();
  job.classical.iterations = 10;
  const auto expected = run_mri_job(job).image[0];
  EXPECT_TRUE(torch::equal(tensor_of(*filter->GetOutput()), expected));
  std::string parameters;
  ASSERT_TRUE(itk::ExposeMetaData(filter->GetOutput()->GetMetaDataDictionary(), "DiffRecon_Parameters", parameters));
  EXPECT_NE(parameters.find("coil_maps=espirit"), std::string::npos) << parameters;
}

// Coils as a series of complex images: ITK's ComposeImageFilter makes the k-space vector image.
TEST(MRIReconstructionImageFilter, TakesASeriesOfCoilImagesThroughComposeImageFilter) {
  const auto s = simulate(1);
  auto compose = itk::ComposeImageFilter<ComplexImage2, MRIReconstructionImageFilter<ComplexImage2>::KSpaceImageType>::New();
  for (int64_t coil = 0; coil < 4; ++coil) {
    auto image = scalar_image<ComplexImage2>(s.kspace[0][coil]);
    place_obliquely(*image);
    compose->SetInput(coil, image);
  }
  auto reference = filter_on<MRIReconstructionImageFilter<ComplexImage2>>(s);
  auto filter = filter_on<MRIReconstructionImageFilter<ComplexImage2>>(s);
  filter->SetKSpace(compose->GetOutput());
  filter->Update();
  reference->Update();
  EXPECT_TRUE(torch::equal(tensor_of(*filter->GetOutput()), tensor_of(*reference->GetOutput())));
}

TEST(MRIReconstructionImageFilter, PosteriorGivesTheLibrarysMeanAndStdWithItsProvenance) {
  const auto s = simulate(1);
  PosteriorOptions posterior;
  posterior.sampler = "dds";
  posterior.prior_card = models_folder() + "/mri-brain/model.json";
  posterior.samples = 2;
  posterior.seed = 4;
  posterior.parameters = {{"steps", "3"}};
  auto filter = filter_on<MRIReconstructionImageFilter<ComplexImage2>>(s);
  filter->SetMethod(MRIReconstructionMethod::Posterior);
  filter->SetPosterior(posterior);
  filter->SetNumberOfWorkUnits(1);
  filter->Update();

  testing::TorchThreads one_thread(1);
  auto job = library_job(s);
  job.kind = MriMethodKind::Posterior;
  job.posterior.prior_card = posterior.prior_card;
  job.posterior.recipe.method = "dds";
  job.posterior.recipe.overrides = posterior.parameters;
  job.posterior.samples = 2;
  job.posterior.seed = 4;
  const auto expected = run_mri_job(job);
  EXPECT_TRUE(torch::equal(tensor_of(*filter->GetOutput()), expected.image[0]));
  const auto* std_output = filter->GetStandardDeviationOutput();
  ASSERT_NE(std_output, nullptr);
  EXPECT_TRUE(torch::equal(tensor_of(*std_output), expected.std[0]));
  EXPECT_EQ(std_output->GetOrigin(), filter->GetInput()->GetOrigin());

  const auto& dictionary = filter->GetOutput()->GetMetaDataDictionary();
  std::string prior_id, sha256, seed, nfe;
  ASSERT_TRUE(itk::ExposeMetaData(dictionary, "DiffRecon_PriorId", prior_id));
  ASSERT_TRUE(itk::ExposeMetaData(dictionary, "DiffRecon_PriorSHA256", sha256));
  ASSERT_TRUE(itk::ExposeMetaData(dictionary, "DiffRecon_Seed", seed));
  ASSERT_TRUE(itk::ExposeMetaData(dictionary, "DiffRecon_NFE", nfe));
  EXPECT_EQ(prior_id, expected.record.prior_id);
  EXPECT_EQ(sha256, expected.record.prior_sha256);
  EXPECT_EQ(sha256.size(), 64u);
  EXPECT_EQ(seed, "4");
  EXPECT_EQ(nfe, std::to_string(*expected.record.nfe));
}

// Counts the filter's StartEvents (one per GenerateData) and ProgressEvents.
struct EventCounter {
  int starts = 0, progress = 0;
  std::vector<float> fractions;
  std::function<void(itk::ProcessObject&)> on_progress;

  unsigned long observe(itk::ProcessObject& filter) {
    auto start = itk::CStyleCommand::New();
    start->SetClientData(this);
    start->SetCallback([](itk::Object*, const itk::EventObject&, void* self) { ++static_cast<EventCounter*>(self)->starts; });
    filter.AddObserver(itk::StartEvent(), start);
    auto command = itk::MemberCommand<EventCounter>::New();
    command->SetCallbackFunction(this, &EventCounter::progressed);
    return filter.AddObserver(itk::ProgressEvent(), command);
  }
  void progressed(itk::Object* caller, const itk::EventObject&) {
    auto& filter = *static_cast<itk::ProcessObject*>(caller);
    ++progress;
    fractions.push_back(filter.GetProgress());
    if (on_progress) on_progress(filter);
  }
};

TEST(MRIReconstructionImageFilter, UpdatesOnlyWhenSomethingChanged) {
  const auto s = simulate(1);
  auto filter = filter_on<MRIReconstructionImageFilter<ComplexImage2>>(s);
  filter->SetIterations(5);
  EventCounter events;
  events.observe(*filter);
  filter->Update();
  filter->Update();
  EXPECT_EQ(events.starts, 1);
  filter->SetIterations(5);  // the same value: not a modification
  filter->Update();
  EXPECT_EQ(events.starts, 1);
  filter->SetLambda(0.02);
  filter->Update();
  EXPECT_EQ(events.starts, 2);
  filter->Modified();
  filter->Update();
  EXPECT_EQ(events.starts, 3);
  auto posterior = filter->GetPosterior();
  posterior.seed = 9;
  filter->SetPosterior(posterior);
  filter->Update();
  EXPECT_EQ(events.starts, 4);
}

TEST(MRIReconstructionImageFilter, ReportsProgressAndStopsWithinOneStepOfAnAbort) {
  const auto s = simulate(1);
  PosteriorOptions posterior;
  posterior.prior_card = models_folder() + "/mri-brain/model.json";
  posterior.parameters = {{"steps", "12"}};
  auto filter = filter_on<MRIReconstructionImageFilter<ComplexImage2>>(s);
  filter->SetMethod(MRIReconstructionMethod::Posterior);
  filter->SetPosterior(posterior);
  EventCounter events;
  events.observe(*filter);
  filter->Update();
  // ITK's 0 and 1, every sampler step and the finished slice.
  EXPECT_GE(events.progress, 12);
  EXPECT_TRUE(std::is_sorted(events.fractions.begin(), events.fractions.end()));
  EXPECT_FLOAT_EQ(events.fractions.back(), 1.0f);

  EventCounter aborting;
  int reports_after_abort = -1;
  aborting.on_progress = [&](itk::ProcessObject& f) {
    if (f.GetAbortGenerateData()) ++reports_after_abort;
    if (f.GetProgress() > 0.2f && !f.GetAbortGenerateData()) {
      f.AbortGenerateDataOn();
      reports_after_abort = 0;
    }
  };
  const auto tag = aborting.observe(*filter);
  filter->Modified();
  EXPECT_THROW(filter->Update(), itk::ProcessAborted);
  EXPECT_EQ(reports_after_abort, 0) << "the job ran on after the abort";
  EXPECT_LT(aborting.fractions.back(), 0.5f);
  // After an abort the filter runs again, to the end.
  filter->RemoveObserver(tag);
  filter->Modified();
  EXPECT_NO_THROW(filter->Update());
}

TEST(MRIReconstructionImageFilter, LibTorchThreadsFollowTheWorkUnitsAndAreRestored) {
  const auto s = simulate(1);
  auto filter = filter_on<MRIReconstructionImageFilter<ComplexImage2>>(s);
  filter->SetNumberOfWorkUnits(1);
  const int before = at::get_num_threads();
  int during = -1;
  EventCounter events;
  events.on_progress = [&](itk::ProcessObject& f) {
    if (f.GetProgress() > 0.0f && f.GetProgress() < 1.0f) during = at::get_num_threads();
  };
  events.observe(*filter);
  filter->Update();
  EXPECT_EQ(during, 1);
  EXPECT_EQ(at::get_num_threads(), before);
  // More work units than threads: LibTorch gets the threader's threads, not one per work unit.
  filter->SetNumberOfWorkUnits(8);
  filter->GetMultiThreader()->SetMaximumNumberOfThreads(2);
  filter->Update();
  EXPECT_EQ(during, 2);
  EXPECT_EQ(at::get_num_threads(), before);
}

TEST(MRIReconstructionImageFilter, BadInputsRaiseItkExceptionsNamingTheInput) {
  const auto s = simulate(1);
  {
    auto filter = filter_on<MRIReconstructionImageFilter<ComplexImage2>>(s);
    auto three_coils = coil_image<2>(s.maps[0].narrow(0, 0, 3));
    place_obliquely(*three_coils);
    filter->SetCoilMaps(three_coils);
    const auto message = itk_error_of([&] { filter->Update(); });
    EXPECT_NE(message.find("input CoilMaps: expected 4 coils"), std::string::npos) << message;
    EXPECT_NE(message.find("MRIReconstructionImageFilter"), std::string::npos) << message;
  }
  {
    auto filter = filter_on<MRIReconstructionImageFilter<ComplexImage2>>(s);
    auto small = scalar_image<itk::Image<float, 2>>(s.mask[0].narrow(1, 0, 16));
    place_obliquely(*small);
    filter->SetMask(small);
    const auto message = itk_error_of([&] { filter->Update(); });
    EXPECT_NE(message.find("input Mask: expected the k-space's size 32 x 32, got 16 x 32"), std::string::npos) << message;
  }
  {
    auto filter = filter_on<MRIReconstructionImageFilter<ComplexImage2>>(s);
    filter->SetMethod(MRIReconstructionMethod::Posterior);
    PosteriorOptions posterior;
    posterior.sampler = "no-such-sampler";
    filter->SetPosterior(posterior);
    const auto message = itk_error_of([&] { filter->Update(); });
    EXPECT_NE(message.find("no-such-sampler"), std::string::npos) << message;
  }
  {
    auto filter = filter_on<MRIReconstructionImageFilter<ComplexImage2>>(s);
    filter->SetMethod(MRIReconstructionMethod::Posterior);
    PosteriorOptions posterior;
    posterior.prior_card = "/no/such/model.json";
    filter->SetPosterior(posterior);
    const auto message = itk_error_of([&] { filter->Update(); });
    EXPECT_NE(message.find("/no/such/model.json"), std::string::npos) << message;
  }
  {
    // An input placed elsewhere than the k-space: ITK's own check, before any work.
    auto filter = filter_on<MRIReconstructionImageFilter<ComplexImage2>>(s);
    auto unplaced = scalar_image<itk::Image<float, 2>>(s.mask[0]);
    filter->SetMask(unplaced);
    EXPECT_THROW(filter->Update(), itk::ExceptionObject);
  }
}

TEST(MRIReconstructionImageFilter, PrintSelfListsTheParameters) {
  auto filter = MRIReconstructionImageFilter<ComplexImage3>::New();
  filter->SetMethod(MRIReconstructionMethod::L1Wavelet);
  filter->SetLambda(0.003);
  std::ostringstream text;
  filter->Print(text);
  for (const char* expected : {"Method: L1Wavelet", "Lambda: 0.003", "Iterations: 30", "Posterior: sampler dds"})
    EXPECT_NE(text.str().find(expected), std::string::npos) << expected << " in\n" << text.str();
}

}  // namespace
}  // namespace diffrecon
