// `diffrecon demo`: the main job end to end on built-in data. A multi-coil brain acquisition is
// simulated from ITK's complex example slice (a BrainWeb simulation of the Colin27 head the prior was
// trained on, so an in-distribution demo; held-out numbers are in docs/benchmarks.md), written as an ISMRMRD file
// the way a scanner's converter would, read back, reconstructed (zero-filled, CG-SENSE, L1-wavelet;
// the diffusion column: the shipped MRI prior with DDS, fast preset, the best method on held-out
// subjects in docs/benchmarks.md, "Held-out MRI"), and written as a DICOM study folder
// (validated with dciodvfy when it is installed) whose preview shows the methods side by side.
#include "recon/cli/demo_command.h"

#include "io/library_versions.h"
#include "recon/cli/posterior_options.h"
#include "recon/cli/progress_bar.h"
#include "recon/cli/runtime_options.h"
#include "recon/cli/self_check.h"
#include "core/version.h"
#if defined(DIFFRECON_HAS_STUDY_OUTPUT) && defined(DIFFRECON_HAS_ISMRMRD_READER)
#define DIFFRECON_DEMO_PIPELINE 1
#include "core/seeded_random.h"
#include "io/image_file.h"
#include "io/ismrmrd_geometry.h"
#include "io/ismrmrd_writer.h"
#include "mri/classical_reconstruction.h"
#include "mri/sampling_mask.h"
#include "mri/sense_model.h"
#include "mri/simulated_coils.h"
#include "recon/cli/study_options.h"
#include "recon/pipeline/mri_input.h"
#include "recon/pipeline/shipped_models.h"
#include "recon/pipeline/study_output.h"
#include "samplers/sampler_presets.h"
#include "validation/image_metrics.h"
#endif

#include <ATen/Parallel.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>

namespace diffrecon::cli {
namespace {

namespace fs = std::filesystem;

const CommandSpec& demo_spec() {
  static const CommandSpec spec = [] {
    CommandSpec s;
    s.name = "demo";
    s.synopsis = {"demo [--out DIR] [--force] [--coils N] [--acceleration R] [--acs N] [--noise X] [--seed S]\n"
                  "               [--iters N] [--samples N] [--sampler M] [--preset P] [--param k=v] [--image FILE]\n"
                  "               [study folder options] [--threads N]",
                  "demo --self-check"};
    s.description =
        "Simulates a multi-coil brain acquisition from ITK's itkBrainSliceComplex.mha (birdcage coils,\n"
        "random phase-encode lines, complex noise, a noise scan), writes it as ISMRMRD (DIR/brain.h5), reads\n"
        "it back, reconstructs it by zero filling, CG-SENSE, L1-wavelet (ESPIRiT maps) and posterior sampling\n"
        "with the shipped MRI prior (models/mri-brain, DDS fast preset), and writes DIR/study/: the posterior\n"
        "mean and its standard deviation as two DICOM MR series of one study, checked with dciodvfy,\n"
        "preview.png (truth | zero-filled | CG-SENSE | L1-wavelet | diffusion) and report.json with PSNR/SSIM.";
    s.groups = {{"demo options",
                 {{"--out", "DIR", "the demo folder (default diffrecon-demo); never replaced without --force"},
                  {"--force", "", "replace an existing demo folder"},
                  {"--coils", "N", "receive coils (default 8)"},
                  {"--acceleration", "R", "undersampling of the phase-encode lines (default 4)"},
                  {"--acs", "N", "calibration lines (default 24)"},
                  {"--noise", "X", "complex noise std relative to the coil images' RMS (default 0.02)"},
                  {"--iters", "N", "iterations of CG-SENSE and L1-wavelet (default 30 and 100)"},
                  {"--sampler", "M", "the posterior sampler (" + sampler_method_names() + "; default dds)"},
                  {"--image", "FILE", "another complex (or real) 2-D image instead of the brain slice"},
                  {"--self-check", "", "the operator and solver self-check instead"}}},
                posterior_option_group()};
#ifdef DIFFRECON_DEMO_PIPELINE
    s.groups.push_back(study_option_group());
#endif
    s.groups.push_back(runtime_option_group());
    s.epilogue = "--seed S sets the sampling pattern, the noise and the chains (default 0); --samples defaults to 4.";
    return s;
  }();
  return spec;
}

#ifdef DIFFRECON_DEMO_PIPELINE
constexpr const char* kBrainSlice = "/usr/share/doc/insighttoolkit5-examples/examples/Data/itkBrainSliceComplex.mha";


struct Scored {
  std::string label;
  torch::Tensor image;  // magnitude, scaled onto the truth
  double psnr = 0, ssim = 0, seconds = 0;
  int iterations = 0;
};

// Least-squares scale of |x| onto |truth| (reconstructions are in the scanner's arbitrary units),
// then PSNR and SSIM with the truth's range.
Scored score(const std::string& label, const torch::Tensor& x, const torch::Tensor& truth, double seconds, int iterations) {
  auto m = x.detach().to(torch::kCPU).abs().to(torch::kFloat64);
  const auto t = truth.abs().to(torch::kFloat64);
  m = m * least_squares_scale(m, t);
  return {label, m.to(torch::kFloat32), psnr(m, t), ssim(m, t), seconds, iterations};
}

// Runs dciodvfy on every file; returns the number of files with errors (-1: dciodvfy not installed).
int validate_with_dciodvfy(const std::vector<fs::path>& files, int& warnings) {
  if (std::system("command -v dciodvfy > /dev/null 2>&1") != 0) return -1;
  int with_errors = 0;
  warnings = 0;
  for (const auto& file : files) {
    FILE* pipe = popen(("dciodvfy '" + file.string() + "' 2>&1").c_str(), "r");
    if (!pipe) return -1;
    char line[1024];
    bool error = false;
    while (std::fgets(line, sizeof line, pipe)) {
      if (std::string(line).rfind("Error", 0) == 0) error = true;
      if (std::string(line).rfind("Warning", 0) == 0) ++warnings;
    }
    if (pclose(pipe) != 0) error = true;
    with_errors += error ? 1 : 0;
  }
  return with_errors;
}

struct DemoSettings {
  fs::path out;
  Overwrite overwrite = Overwrite::Refuse;
  int coils = 8;
  double acceleration = 4.0;
  int acs = 24;
  double noise_level = 0.02;
  uint64_t seed = 0;
  std::optional<int> iterations;
  PosteriorSettings posterior;
  std::string image_path = kBrainSlice;
  StudyOptions study;
};

DemoSettings take_demo_settings(CommandLine& line) {
  DemoSettings s;
  s.out = fs::path(line.take_option("--out").value_or("diffrecon-demo"));
  if (s.out.filename().empty()) s.out = s.out.parent_path();  // "DIR/" names the folder DIR
  s.overwrite = line.take_flag("--force") ? Overwrite::Allow : Overwrite::Refuse;
  s.coils = line.take_int_option("--coils", 2).value_or(8);
  s.acceleration = line.take_double_option("--acceleration", 1.0).value_or(4.0);
  s.acs = line.take_int_option("--acs", 4).value_or(24);
  s.noise_level = line.take_double_option("--noise", 0.0).value_or(0.02);
  s.iterations = line.take_int_option("--iters", 1);
  // --seed and --samples are read here: the seed also sets the pattern and the noise, and the demo
  // draws 4 chains by default.
  s.seed = static_cast<uint64_t>(line.take_int_option("--seed", 0).value_or(0));
  const auto samples = line.take_int_option("--samples", 2);
  const auto sampler = line.take_option("--sampler").value_or("dds");
  const auto prior = line.take_option("--prior");  // else the shipped MRI prior
  s.posterior = take_posterior_settings(line, sampler, prior ? *prior : shipped_prior_card("mri-brain").string());
  s.posterior.seed = s.seed;
  s.posterior.samples = samples.value_or(4);
  s.image_path = line.take_option("--image").value_or(kBrainSlice);
  s.study = take_study_options(line);
  line.expect_consumed("demo");
  return s;
}

struct SimulatedScan {
  torch::Tensor truth;  // complex [H, W], |truth| <= 1
  torch::Tensor mask;
  int64_t acs_lines = 0;
};

// The truth, birdcage coils, a random line mask and noise, written as an ISMRMRD file at `raw`.
SimulatedScan simulate_acquisition(const DemoSettings& s, const fs::path& raw) {
  torch::Tensor truth;
  ImageGeometry pixel_geometry;
  try {
    auto image = read_image(s.image_path);
    truth = image.data;
    pixel_geometry = image.geometry;
  } catch (const ImageFileError& error) {
    throw UsageError(std::string("--image: ") + error.what());
  }
  if (truth.dim() != 2) throw UsageError("--image " + s.image_path + " is not a 2-D image");
  // Even sizes (the L1-wavelet transform halves them): ITK's slice is 181 x 217, cropped to 180 x 216.
  truth = truth.narrow(0, 0, truth.size(0) / 2 * 2).narrow(1, 0, truth.size(1) / 2 * 2).to(torch::kComplexFloat);
  truth = truth / truth.abs().max();
  const int64_t height = truth.size(0), width = truth.size(1);
  std::printf("truth: %s (%lld x %lld used, complex)\n", s.image_path.c_str(), (long long)width, (long long)height);
  // Birdcage coils normalised to a unit root-sum-of-squares, so the coil-combined image is the truth.
  auto maps = mri::birdcage_sensitivities(s.coils, height, width);
  maps = maps / maps.abs().square().sum(0, true).sqrt().clamp_min(1e-6);
  mri::LineMaskOptions mask_options;
  mask_options.height = height;
  mask_options.width = width;
  mask_options.acceleration = s.acceleration;
  mask_options.acs_lines = std::min<int64_t>(s.acs, width);
  mask_options.seed = s.seed;
  const auto mask = mri::random_line_mask(mask_options);
  SeededRandom random(s.seed);
  const auto coil_kspace = mri::SenseOperator(maps).forward(truth);  // fully sampled, noise-free
  const double sigma = s.noise_level * coil_kspace.abs().square().mean().sqrt().item<double>();
  const auto complex64 = torch::TensorOptions().dtype(torch::kComplexFloat);
  const auto noisy = coil_kspace + sigma * random.normal(coil_kspace.sizes().vec(), complex64);
  IsmrmrdAcquisition acquisition;
  acquisition.kspace = noisy * mask;
  acquisition.mask = mask;
  acquisition.noise = sigma * random.normal({int64_t(s.coils), 256}, complex64);
  const double pixel_x = pixel_geometry.spacing.size() > 0 ? pixel_geometry.spacing[0] : 1.0;
  const double pixel_y = pixel_geometry.spacing.size() > 1 ? pixel_geometry.spacing[1] : 1.0;
  acquisition.fov_mm = {pixel_y * double(height), pixel_x * double(width), 5.0};  // readout (rows), phase, slice
  acquisition.calibration_lines = mask_options.acs_lines;
  acquisition.acceleration = s.acceleration;
  auto& m = acquisition.metadata;
  m.patient_name = "Demo^Brain";
  m.patient_id = "DIFFRECON-DEMO";
  m.patient_birthdate = "1970-01-01";
  m.patient_gender = "O";
  m.study_description = "DiffRecon demo: simulated multi-coil brain";
  m.study_id = "DEMO";
  m.protocol_name = "simulated 2-D Cartesian";
  m.system_vendor = "DiffRecon simulation";
  m.field_strength_t = 3.0;
  m.patient_position = "HFS";
  // An axial slice: rows run along the readout (anterior to posterior, LPS +y), columns along the
  // phase encode (right to left, LPS +x).
  m.read_direction = {0.0f, 1.0f, 0.0f};
  m.phase_direction = {1.0f, 0.0f, 0.0f};
  m.slice_direction = {0.0f, 0.0f, 1.0f};
  write_ismrmrd(raw, acquisition, Overwrite::Refuse);
  std::printf("simulated: %d coils, %lld of %lld phase-encode lines (acceleration %.2f, %d calibration), noise %.3g of the "
              "signal RMS, noise scan -> %s\n",
              s.coils, (long long)mask[0].sum().item<double>(), (long long)width, mri::acceleration_of(mask),
              int(mask_options.acs_lines), s.noise_level, (s.out / "brain.h5").c_str());
  return {truth, mask, mask_options.acs_lines};
}

// Zero-filled, CG-SENSE and L1-wavelet, each behind a progress bar, scored against the truth.
std::vector<Scored> reconstruct_classical(const mri::SenseModel& model, const DemoSettings& s, const torch::Tensor& truth) {
  std::vector<Scored> results;
  auto run_method = [&](const std::string& label, mri::ReconstructionOptions options) {
    ProgressBar progress(label, options.method == mri::ReconstructionMethod::ZeroFilled ? 1 : options.iterations);
    options.callback = [&](const IterationReport& step) {
      char status[48];
      std::snprintf(status, sizeof status, "residual %.3g", step.residual);
      progress.update(step.iteration, status);
      return true;
    };
    const auto start = std::chrono::steady_clock::now();
    auto result = mri::reconstruct(*model.op, model.kspace, options);
    results.push_back(score(label, result.image, truth, seconds_since(start), result.iterations));
    char status[64];
    std::snprintf(status, sizeof status, "%.2f dB, %.1f s", results.back().psnr, results.back().seconds);
    progress.finish(status);
  };
  mri::ReconstructionOptions zero;
  zero.method = mri::ReconstructionMethod::ZeroFilled;
  run_method("zero-filled", zero);
  mri::ReconstructionOptions cg;
  cg.method = mri::ReconstructionMethod::ConjugateGradientSense;
  cg.lambda = 0.0;
  cg.iterations = s.iterations.value_or(30);
  run_method("CG-SENSE", cg);
  mri::ReconstructionOptions l1;
  l1.method = mri::ReconstructionMethod::L1Wavelet;
  l1.lambda = 0.005;
  l1.iterations = s.iterations.value_or(100);
  l1.seed = s.seed;
  run_method("L1-wavelet", l1);
  return results;
}

// The diffusion column: posterior mean and std with the pipeline's sampler run (as `diffrecon mri`).
PosteriorRun reconstruct_diffusion(const mri::SenseModel& model, const DemoSettings& s, torch::Device device) {
  const auto prior = load_posterior_prior(s.posterior, device);
  ProgressBar progress("diffusion", 100);  // percent of all sampler steps
  // The demo's data are pre-whitened with its noise scan: unit noise per complex sample (mri/acquisition.h).
  auto run = sample_posterior(Problem(model.op, model.kspace, NoiseModel{1.0}), mri::first_estimate(model), s.posterior,
                              prior, [&](const SamplingProgress& p) {
                                const auto done = (p.chain_batch - 1) * p.step.steps + p.step.step;
                                progress.update(100 * done / std::max<int64_t>(p.chain_batches * p.step.steps, 1), "sampling");
                              });
  char status[64];
  std::snprintf(status, sizeof status, "%.1f s", run.reconstruction.sampling.seconds);
  progress.finish(status);
  return run;
}

StudyOutputRequest demo_study_request(const DemoSettings& s, const MriInput& input, const SimulatedScan& scan,
                                      const std::vector<Scored>& results, const PosteriorRun& diffusion) {
  const auto& sampling = diffusion.reconstruction.sampling;
  StudyOutputRequest request;
  request.modality = DicomModality::MR;
  request.study = study_for_output(s.study, dicom_study_from_ismrmrd(*input.metadata));
  request.uid_root = s.study.uid_root;
  request.geometry = volume_geometry_of(*input.encoding, *input.metadata, scan.truth.size(0), scan.truth.size(1));
  request.image = sampling.mean.abs().to(torch::kCPU);
  if (sampling.std.defined()) request.uncertainty = sampling.std.to(torch::kCPU);
  request.series_name = "diffusion";
  auto& record = request.record;
  record.command = "demo";
  record.method = diffusion.reconstruction.method + " (" + to_string(s.posterior.recipe.preset) + "), " +
                  std::to_string(s.posterior.samples) + " samples";
  record.inputs = {s.image_path, (s.out / "brain.h5").string()};
  record.parameters = {{"coils", std::to_string(s.coils)}, {"acceleration", c10::str(mri::acceleration_of(scan.mask))},
                       {"acs_lines", std::to_string(scan.acs_lines)}, {"noise", c10::str(s.noise_level)},
                       {"coil_maps", "espirit"}};
  const auto& parameters = diffusion.reconstruction.parameters;
  record.parameters.insert(record.parameters.end(), parameters.begin(), parameters.end());
  record.prior_id = diffusion.card.name;
  record.prior_sha256 = diffusion.card.sha256;
  record.prior_card = diffusion.card_path;
  record.nfe = sampling.nfe;
  record.network_image_evaluations = sampling.image_evaluations;
  record.network_seconds = sampling.network_seconds;
  record.seed = s.posterior.seed;
  record.samples = s.posterior.samples;
  record.batch_size = s.posterior.batch;
  record.peak_memory_bytes = sampling.peak_memory_bytes;
  record.peak_memory_scope = "process";
  request.previews.push_back({"truth", scan.truth.abs()});
  for (const auto& r : results) {
    char caption[96];
    std::snprintf(caption, sizeof caption, "%s %.2f dB", r.label.c_str(), r.psnr);
    request.previews.push_back({caption, r.image});
    record.metrics.emplace_back("psnr_db " + r.label, r.psnr);
    record.metrics.emplace_back("ssim " + r.label, r.ssim);
    record.timings_s.emplace_back(r.label, r.seconds);
  }
  return request;
}

void print_results(const std::vector<Scored>& results) {
  std::printf("\n%-34s %8s %8s %6s %8s\n", "method (magnitude vs truth)", "PSNR dB", "SSIM", "iters", "time s");
  for (const auto& r : results)
    std::printf("%-34s %8.2f %8.4f %6d %8.2f\n", r.label.c_str(), r.psnr, r.ssim, r.iterations, r.seconds);
}

int run_brain_demo(CommandLine& line, const RuntimeOptions& runtime) {
  const auto s = take_demo_settings(line);
  const auto started = std::chrono::steady_clock::now();
  AtomicOutput folder(s.out, s.overwrite);  // refuses an existing folder before any work
  const auto work = folder.temporary_path();
  fs::create_directories(work);
  std::printf("DiffRecon %s demo on %s with %d threads\n", diffrecon_version().c_str(), runtime.device.str().c_str(),
              at::get_num_threads());
  const auto scan = simulate_acquisition(s, work / "brain.h5");

  // Read back as any scanner file would be, through the pipeline's reader and mri/'s SENSE model
  // (pre-whitened with the noise scan, ESPIRiT maps), as `diffrecon mri` does.
  auto step_start = std::chrono::steady_clock::now();
  const auto input = read_mri_input(work / "brain.h5");
  std::printf("read %s: %s\n", (s.out / "brain.h5").c_str(), input.summary.c_str());
  const auto model = mri::sense_model(mri::without_readout_oversampling(input.acquisition), 0, {}, runtime.device);
  const double maps_seconds = seconds_since(step_start);
  std::printf("whitened with the noise scan; ESPIRiT coil maps: %.1f s\n", maps_seconds);

  auto results = reconstruct_classical(model, s, scan.truth);
  const auto diffusion = reconstruct_diffusion(model, s, runtime.device);
  const auto& sampling = diffusion.reconstruction.sampling;
  results.push_back(score("diffusion", sampling.mean, scan.truth, sampling.seconds, static_cast<int>(sampling.nfe)));
  std::printf("diffusion: %s (%s), %lld samples, prior %s, NFE %lld per sample\n", diffusion.reconstruction.method.c_str(),
              to_string(s.posterior.recipe.preset).c_str(), static_cast<long long>(s.posterior.samples),
              diffusion.card.name.c_str(), static_cast<long long>(sampling.nfe));
  print_results(results);

  auto request = demo_study_request(s, input, scan, results, diffusion);
  request.folder = work / "study";
  request.record.timings_s.emplace_back("coil maps", maps_seconds);
  auto study = write_study_output(request);
  int warnings = 0;
  const int invalid = validate_with_dciodvfy(study.dicom_files, warnings);
  if (invalid > 0) throw InternalError("dciodvfy found errors in " + std::to_string(invalid) + " of the DICOM files");
  folder.commit();
  // The study now lies in its final place.
  study.folder = s.out / "study";
  for (auto& file : study.dicom_files) file = s.out / fs::relative(file, work);
  for (auto& series : study.series) series.folder = s.out / fs::relative(series.folder, work);
  std::printf("\nwrote %s/: brain.h5 (ISMRMRD), study/dicom (%zu MR instance%s, %s), study/preview.png (",
              s.out.c_str(), study.dicom_files.size(), study.dicom_files.size() == 1 ? "" : "s",
              invalid < 0 ? "dciodvfy not installed, not validated" :
                            ("dciodvfy: 0 errors, " + std::to_string(warnings) + " warnings").c_str());
  for (size_t i = 0; i < request.previews.size(); ++i) std::printf("%s%s", i ? " | " : "", request.previews[i].label.c_str());
  std::printf("), study/report.json\n");
  if (s.study.send) deliver(study, s.study);
  std::printf("demo finished in %.1f s\n", seconds_since(started));
  std::fflush(stdout);
  return 0;
}
#endif

}  // namespace

int run_demo(const std::vector<std::string>& arguments) {
  CommandLine line(arguments, demo_spec());
  const auto runtime = take_runtime_options(line);
  if (line.take_flag("--help")) {
    std::fputs(demo_spec().help().c_str(), stdout);
    return 0;
  }
  if (line.take_flag("--self-check")) {
    line.expect_consumed("demo --self-check");
    return run_self_check(runtime);
  }
#ifdef DIFFRECON_DEMO_PIPELINE
  return run_brain_demo(line, runtime);
#else
  throw UsageError("this build has no DICOM/ITK/ISMRMRD support for the demo; run `diffrecon demo --self-check`");
#endif
}

}  // namespace diffrecon::cli
