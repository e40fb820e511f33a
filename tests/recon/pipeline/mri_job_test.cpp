// The typed MRI job: what `diffrecon mri`, the demo and batches run gives exactly what the mri/
// calls it stands for give, slice by slice, with its record; the one report schema; and the
// per-job peak memory.
#include "core/seeded_random.h"
#include "mri/classical_reconstruction.h"
#include "mri/sampling_mask.h"
#include "mri/simulated_coils.h"
#include "recon/pipeline/mri_job.h"
#include "recon/pipeline/peak_memory.h"
#include "recon/pipeline/report.h"
#include "recon/pipeline/shipped_models.h"

#include <gtest/gtest.h>

namespace diffrecon {
namespace {

struct Simulated {
  mri::Acquisition acquisition;
  torch::Tensor maps, mask;
};

// Two slices of a 4-coil 32 x 24 acquisition with random lines (acceleration 2).
Simulated simulate(int64_t slices = 2) {
  Simulated s;
  const int64_t height = 32, width = 24;
  s.maps = mri::birdcage_sensitivities(4, height, width);
  s.mask = mri::random_line_mask({height, width, 2.0, 8, 3});
  SeededRandom random(5);
  std::vector<torch::Tensor> kspaces;
  for (int64_t b = 0; b < slices; ++b) {
    auto image = random.normal({height, width}, torch::TensorOptions().dtype(torch::kComplexFloat));
    kspaces.push_back(mri::SenseOperator(s.maps, s.mask).forward(image));
  }
  s.acquisition.kspace = torch::stack(kspaces);
  return s;
}

MriJob cg_job(const Simulated& s) {
  MriJob job;
  job.acquisition = s.acquisition;
  job.model.maps = mri::CoilMapMethod::Given;
  job.model.given_maps = s.maps.unsqueeze(0);
  job.model.mask = s.mask;
  job.classical.method = mri::ReconstructionMethod::ConjugateGradientSense;
  job.classical.lambda = 0.0;
  job.classical.iterations = 7;
  job.coil_maps_source = "maps.cfl";
  job.inputs = {"k.cfl"};
  return job;
}

TEST(MriJob, ClassicalJobGivesWhatTheMriCallsGiveForEverySlice) {
  const auto s = simulate();
  const auto job = cg_job(s);
  const auto result = run_mri_job(job);
  ASSERT_EQ(result.image.sizes(), (c10::IntArrayRef{2, 32, 24}));
  EXPECT_FALSE(result.std.defined());
  const mri::SenseOperator sense(s.maps, s.mask);
  for (int64_t b = 0; b < 2; ++b) {
    const auto direct = mri::reconstruct(sense, s.acquisition.kspace[b] * s.mask, job.classical).image;
    EXPECT_TRUE(torch::equal(result.image[b], direct)) << "slice " << b;
  }
  const auto& record = result.record;
  EXPECT_EQ(record.command, "mri");
  EXPECT_EQ(record.method, "cg");
  EXPECT_EQ(record.inputs, std::vector<std::string>{"k.cfl"});
  EXPECT_EQ(record.parameters, (std::vector<std::pair<std::string, std::string>>{
                                   {"lambda", "0"}, {"iters", "7"}, {"coil_maps", "maps.cfl"}}));
  EXPECT_FALSE(record.seed.has_value());
  EXPECT_GT(record.peak_memory_bytes, 0);
  ASSERT_EQ(record.timings_s.size(), 1u);
  EXPECT_GT(record.timings_s[0].second, 0);
}

TEST(MriJob, RootSumOfSquaresNeedsNoMapsAndCompressionReducesCoils) {
  const auto s = simulate(1);
  MriJob job;
  job.acquisition = s.acquisition;
  job.kind = MriMethodKind::RootSumOfSquares;
  const auto rss = run_mri_job(job);
  EXPECT_TRUE(torch::allclose(rss.image[0], mri::root_sum_of_squares(s.acquisition.kspace[0]).to(torch::kComplexFloat)));
  EXPECT_EQ(rss.record.method, "rss");
  std::vector<std::string> log;
  JobObserver observer;
  observer.log = [&](const std::string& line) { log.push_back(line); };
  job.model.virtual_coils = 2;
  run_mri_job(job, observer);
  ASSERT_FALSE(log.empty());
  EXPECT_NE(log.front().find("coil compression: 4 -> 2 virtual coils"), std::string::npos) << log.front();
}

TEST(MriJob, BadSettingsAreInputErrorsNamingWhatIsWrong) {
  const auto s = simulate(1);
  auto job = cg_job(s);
  job.model.given_maps = s.maps.narrow(0, 0, 3).unsqueeze(0);
  EXPECT_THROW(run_mri_job(job), InputError);
  job = cg_job(s);
  job.kind = MriMethodKind::Posterior;
  job.posterior.prior_card = "/no/such/model.json";
  try {
    run_mri_job(job);
    FAIL() << "accepted a missing prior";
  } catch (const InputError& error) {
    EXPECT_NE(std::string(error.what()).find("/no/such/model.json"), std::string::npos) << error.what();
  }
}

// A volume's slices sampled together share network passes and give what the slices give one by one
// (the batch may change the last bits of a convolution), with one progress stream for the job and
// a record of every slice's network work.
TEST(MriJob, SlicesSampledTogetherGiveWhatTheyGiveOneByOne) {
  const auto s = simulate(3);
  auto job = cg_job(s);
  job.kind = MriMethodKind::Posterior;
  job.noise_sigma = 0.05;
  job.posterior.prior_card = shipped_prior_card("mri-brain");
  job.posterior.recipe = {"daps", SamplerPreset::Fast, ProjectionPreconditioner::Identity, {{"annealing_steps", "4"}}};
  job.posterior.samples = 2;
  job.posterior.seed = 3;
  const auto run = [&](int64_t slice_batch, std::vector<std::string>* labels, std::vector<int64_t>* done) {
    job.posterior.slice_batch = slice_batch;
    JobObserver observer;
    observer.sampling = [&](const std::string& label, const SamplingProgress& p) {
      if (labels) labels->push_back(label + " " + std::to_string(p.chain_batch) + "/" + std::to_string(p.chain_batches));
    };
    observer.slice_done = [&](int64_t slice, int64_t slices) {
      EXPECT_EQ(slices, 3);
      if (done) done->push_back(slice);
    };
    return run_mri_job(job, observer);
  };
  std::vector<std::string> together_labels, alone_labels;
  std::vector<int64_t> together_done, alone_done;
  const auto together = run(0, &together_labels, &together_done);
  const auto alone = run(1, &alone_labels, &alone_done);
  ASSERT_EQ(together.image.sizes(), (c10::IntArrayRef{3, 32, 24}));
  for (int64_t b = 0; b < 3; ++b) {
    const double scale = alone.image[b].abs().max().item<double>();
    EXPECT_LT((together.image[b] - alone.image[b]).abs().max().item<double>(), 1e-3 * scale) << "slice " << b;
    EXPECT_LT((together.std[b] - alone.std[b]).abs().max().item<double>(), 1e-3 * scale) << "slice " << b;
  }
  // Slices differ, so a slice's result is its own.
  EXPECT_GT((alone.image[0] - alone.image[1]).abs().max().item<double>(), 0.1 * alone.image[0].abs().max().item<double>());
  EXPECT_EQ(together_done, (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(alone_done, (std::vector<int64_t>{1, 2, 3}));
  // One stream: 4 steps of the one group, or 4 steps of each of three groups in order.
  EXPECT_EQ(together_labels, std::vector<std::string>(4, "mri daps, 3 slices 1/1"));
  ASSERT_EQ(alone_labels.size(), 12u);
  EXPECT_EQ(alone_labels.front(), "mri daps, 3 slices 1/3");
  EXPECT_EQ(alone_labels.back(), "mri daps, 3 slices 3/3");
  for (const auto* result : {&together, &alone}) {
    const auto& record = result->record;
    EXPECT_EQ(record.slices, 3);
    EXPECT_EQ(record.network_image_evaluations, 3 * 2 * *record.nfe);
    EXPECT_GT(*record.network_seconds, 0.0);
  }
  EXPECT_EQ(together.record.slice_batch, 3);
  EXPECT_EQ(alone.record.slice_batch, 1);
  const auto report = report_json(together.record, {});
  EXPECT_EQ(report["slices"], 3);
  EXPECT_EQ(report["slice_batch"], 3);
  EXPECT_GT(report["slices_per_minute"].get<double>(), 0.0);

  // DPS differentiates the network: its slices run one by one whatever was asked.
  job.posterior.recipe = {"dps", SamplerPreset::Fast, ProjectionPreconditioner::Identity, {{"steps", "2"}}};
  job.posterior.samples = 1;
  EXPECT_EQ(run(3, nullptr, nullptr).record.slice_batch, 1);
  job.posterior.slice_batch = -1;
  EXPECT_THROW(run_mri_job(job), InputError);
}

TEST(Report, OneSchemaWithWhatChangesTheBits) {
  ReconstructionRecord record;
  record.command = "mri";
  record.method = "daps";
  record.parameters = {{"preset", "fast"}};
  record.prior_id = "mri-brain";
  record.prior_sha256 = std::string(64, 'b');
  record.prior_card = "models/mri-brain/model.json";
  record.seed = 3;
  record.samples = 4;
  record.batch_size = 2;
  record.nfe = 100;
  record.timings_s = {{"reconstruction", 1.5}, {"coil maps", 0.5}};
  record.peak_memory_bytes = 3 * 1024 * 1024;
  record.peak_memory_scope = "job";
  const auto report = report_json(record, {"x.cfl"});
  EXPECT_EQ(report["schema"], kReportSchema);
  EXPECT_EQ(report["prior"]["card"], "models/mri-brain/model.json");
  EXPECT_EQ(report["seed"], 3);
  EXPECT_EQ(report["samples"], 4);
  EXPECT_EQ(report["batch_size"], 2);
  EXPECT_EQ(report["nfe_per_chain"], 100);
  EXPECT_DOUBLE_EQ(report["seconds"].get<double>(), 2.0);
  EXPECT_DOUBLE_EQ(report["peak_memory_mib"].get<double>(), 3.0);
  EXPECT_EQ(report["outputs"], nlohmann::json::array({"x.cfl"}));
  EXPECT_NE(report["derivation"].get<std::string>().find("prior mri-brain"), std::string::npos);
  const auto classical = report_json(ReconstructionRecord{}, {});
  EXPECT_TRUE(classical["prior"].is_null());
  EXPECT_TRUE(classical["seed"].is_null());
}

// The meter reports this job's peak, not the process's: a large allocation made and freed before
// the second meter starts does not show in it.
TEST(PeakMemory, EachMeterSeesItsOwnPeak) {
  const int64_t bytes = 256LL * 1024 * 1024;
  int64_t first_peak = 0;
  {
    PeakMemoryMeter first;
    auto block = torch::ones({bytes / 4}, torch::kFloat32);  // touched, so resident
    first_peak = first.peak_bytes();
    EXPECT_GE(first_peak, bytes);
  }
  PeakMemoryMeter second;  // the block is gone: the high-water mark starts again from here
  ASSERT_EQ(second.scope(), "job") << "the high-water mark could not be reset (/proc/self/clear_refs)";
  EXPECT_LT(second.peak_bytes(), first_peak - bytes / 2);
}

}  // namespace
}  // namespace diffrecon
