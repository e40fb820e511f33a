// `diffrecon demo`: the main job end to end on built-in data. A multi-coil brain acquisition is
// simulated from ITK's complex example slice (never used for training), written as an ISMRMRD file
// the way a scanner's converter would, read back, reconstructed (zero-filled, CG-SENSE, L1-wavelet;
// the diffusion column comes from demo_diffusion_column.h), and written as a DICOM study folder
// (validated with dciodvfy when it is installed) whose preview shows the methods side by side.
#include "recon/cli/demo_command.h"

#include "io/library_versions.h"
#include "recon/cli/progress_bar.h"
#include "recon/cli/runtime_options.h"
#include "recon/cli/self_check.h"
#include "core/version.h"
#if defined(DIFFRECON_HAS_STUDY_OUTPUT) && defined(DIFFRECON_HAS_ISMRMRD_READER)
#define DIFFRECON_DEMO_PIPELINE 1
#include "io/image_file.h"
#include "io/ismrmrd_geometry.h"
#include "io/ismrmrd_reader.h"
#include "io/ismrmrd_writer.h"
#include "mri/classical_reconstruction.h"
#include "mri/coil_sensitivities.h"
#include "mri/sampling_mask.h"
#include "mri/simulated_coils.h"
#include "recon/cli/demo_diffusion_column.h"
#include "recon/cli/study_options.h"
#include "core/seeded_random.h"
#include "recon/pipeline/study_output.h"
#include "validation/image_metrics.h"
#endif

#include <ATen/Parallel.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

namespace diffrecon::cli {
namespace {

namespace fs = std::filesystem;

constexpr const char* kDemoUsage = R"(usage: diffrecon demo [--out DIR] [--force] [--coils N] [--acceleration R] [--acs N]
                      [--noise X] [--seed S] [--iters N] [--samples N] [--sampler M] [--preset P] [--param k=v]
                      [--image FILE] [study folder options]
                      [--threads N]
       diffrecon demo --self-check

Simulates a multi-coil brain acquisition from ITK's itkBrainSliceComplex.mha (birdcage coils,
random phase-encode lines, complex noise, a noise scan), writes it as ISMRMRD (DIR/brain.h5), reads
it back, reconstructs it by zero filling, CG-SENSE, L1-wavelet (ESPIRiT maps) and posterior sampling
with the shipped MRI prior (models/mri-brain, DAPS fast preset), and writes DIR/study/: the posterior
mean and its standard deviation as two DICOM MR series of one study, checked with dciodvfy,
preview.png (truth | zero-filled | CG-SENSE | L1-wavelet | diffusion) and report.json with PSNR/SSIM.
  --out DIR         the demo folder (default diffrecon-demo); never replaced without --force
  --coils N         receive coils (default 8); --acceleration R (default 4); --acs N calibration
                    lines (default 24); --noise X complex noise std relative to the coil images' RMS
                    (default 0.02); --seed S the sampling pattern and noise (default 0)
  --iters N         iterations of CG-SENSE and L1-wavelet (default 30 and 100)
  --samples N       posterior samples for the mean and std map (default 4)
  --sampler M, --preset P, --param k=v,...
                    another sampler (dps, mcg, daps, reddiff), preset or parameters (see diffrecon mri --help)
  --image FILE      another complex (or real) 2-D image instead of the brain slice
  --self-check      the operator and solver self-check instead
)";

#ifdef DIFFRECON_DEMO_PIPELINE
constexpr const char* kBrainSlice = "/usr/share/doc/insighttoolkit5-examples/examples/Data/itkBrainSliceComplex.mha";

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

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

int run_brain_demo(CommandLine& line, const RuntimeOptions& runtime) {
  auto out = fs::path(line.take_option("--out").value_or("diffrecon-demo"));
  if (out.filename().empty()) out = out.parent_path();  // "DIR/" names the folder DIR
  const auto overwrite = line.take_flag("--force") ? Overwrite::Allow : Overwrite::Refuse;
  const int coils = line.take_int_option("--coils", 2).value_or(8);
  const double acceleration = line.take_double_option("--acceleration", 1.0).value_or(4.0);
  const int acs = line.take_int_option("--acs", 4).value_or(24);
  const double noise_level = line.take_double_option("--noise", 0.0).value_or(0.02);
  const auto seed = static_cast<uint64_t>(line.take_int_option("--seed", 0).value_or(0));
  const auto iterations = line.take_int_option("--iters", 1);
  const int64_t samples = line.take_int_option("--samples", 2).value_or(4);
  auto recipe = demo_sampler_recipe();
  const auto sampler_name = line.take_option("--sampler");
  const auto preset_name = line.take_option("--preset");
  const auto params = line.take_option("--param");
  try {
    if (sampler_name) recipe.method = *sampler_name;
    if (preset_name) recipe.preset = parse_sampler_preset(*preset_name);
    if (params) recipe.overrides = parse_sampler_overrides(*params);
    check_sampler_recipe(recipe);
  } catch (const InputError& error) {
    throw UsageError(error.what());
  }
  const auto image_path = line.take_option("--image").value_or(kBrainSlice);
  auto study_options = take_study_options(line);
  line.expect_consumed("demo");
  const auto started = std::chrono::steady_clock::now();
  AtomicOutput folder(out, overwrite);  // refuses an existing folder before any work
  const auto work = folder.temporary_path();
  fs::create_directories(work);

  // 1. The truth and the simulated acquisition.
  torch::Tensor truth;
  ImageGeometry pixel_geometry;
  try {
    auto image = read_image(image_path);
    truth = image.data;
    pixel_geometry = image.geometry;
  } catch (const ImageFileError& error) {
    throw UsageError(std::string("--image: ") + error.what());
  }
  if (truth.dim() != 2) throw UsageError("--image " + image_path + " is not a 2-D image");
  // Even sizes (the L1-wavelet transform halves them): ITK's slice is 181 x 217, cropped to 180 x 216.
  truth = truth.narrow(0, 0, truth.size(0) / 2 * 2).narrow(1, 0, truth.size(1) / 2 * 2);
  truth = truth.to(torch::kComplexFloat);
  truth = truth / truth.abs().max();
  const int64_t height = truth.size(0), width = truth.size(1);
  std::printf("DiffRecon %s demo on %s with %d threads\n", diffrecon_version().c_str(), runtime.device.str().c_str(),
              at::get_num_threads());
  std::printf("truth: %s (%lld x %lld used, complex)\n", image_path.c_str(), (long long)width, (long long)height);
  // Birdcage coils normalised to a unit root-sum-of-squares, so the coil-combined image is the truth.
  auto maps = mri::birdcage_sensitivities(coils, height, width);
  maps = maps / maps.abs().square().sum(0, true).sqrt().clamp_min(1e-6);
  mri::LineMaskOptions mask_options;
  mask_options.height = height;
  mask_options.width = width;
  mask_options.acceleration = acceleration;
  mask_options.acs_lines = std::min<int64_t>(acs, width);
  mask_options.seed = seed;
  const auto mask = mri::random_line_mask(mask_options);
  SeededRandom random(seed);
  const auto coil_kspace = mri::SenseOperator(maps).forward(truth);  // fully sampled, noise-free
  const double sigma = noise_level * coil_kspace.abs().square().mean().sqrt().item<double>();
  const auto noisy = coil_kspace + sigma * random.normal(coil_kspace.sizes().vec(), torch::TensorOptions().dtype(torch::kComplexFloat));
  IsmrmrdAcquisition acquisition;
  acquisition.kspace = noisy * mask;
  acquisition.mask = mask;
  acquisition.noise = sigma * random.normal({int64_t(coils), 256}, torch::TensorOptions().dtype(torch::kComplexFloat));
  const double pixel_x = pixel_geometry.spacing.size() > 0 ? pixel_geometry.spacing[0] : 1.0;
  const double pixel_y = pixel_geometry.spacing.size() > 1 ? pixel_geometry.spacing[1] : 1.0;
  acquisition.fov_mm = {pixel_y * double(height), pixel_x * double(width), 5.0};  // readout (rows), phase, slice
  acquisition.calibration_lines = mask_options.acs_lines;
  acquisition.acceleration = acceleration;
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
  const auto raw = work / "brain.h5";
  write_ismrmrd(raw, acquisition, Overwrite::Refuse);
  std::printf("simulated: %d coils, %lld of %lld phase-encode lines (acceleration %.2f, %d calibration), noise %.3g of the "
              "signal RMS, noise scan -> %s\n",
              coils, (long long)mask[0].sum().item<double>(), (long long)width, mri::acceleration_of(mask), int(mask_options.acs_lines),
              noise_level, (out / "brain.h5").c_str());

  // 2. Read back as any scanner file would be (pre-whitened with the noise scan), coil maps by ESPIRiT.
  auto step_start = std::chrono::steady_clock::now();
  const auto scan = read_ismrmrd(raw);
  const auto kspace = scan.kspace.to(runtime.device);
  const auto sampled = scan.mask.to(runtime.device);
  std::printf("read %s: %lld coils, %lld lines (%lld calibration), %lld noise scan%s\n", (out / "brain.h5").c_str(),
              (long long)scan.coils, (long long)scan.imaging_lines, (long long)scan.calibration_lines,
              (long long)scan.noise_acquisitions, scan.whitening.defined() ? ", whitened" : "");
  const auto espirit = mri::espirit(kspace);
  const double maps_seconds = seconds_since(step_start);
  std::printf("ESPIRiT coil maps: %.1f s\n", maps_seconds);
  const auto sense_ptr = std::make_shared<mri::SenseOperator>(espirit.sensitivities, sampled);
  const auto& sense = *sense_ptr;

  // 3. Reconstructions, each with a progress bar.
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
    auto result = mri::reconstruct(sense, kspace, options);
    const double seconds = seconds_since(start);
    results.push_back(score(label, result.image, truth, seconds, result.iterations));
    char status[64];
    std::snprintf(status, sizeof status, "%.2f dB, %.1f s", results.back().psnr, seconds);
    progress.finish(status);
    return result.image;
  };
  mri::ReconstructionOptions zero;
  zero.method = mri::ReconstructionMethod::ZeroFilled;
  run_method("zero-filled", zero);
  mri::ReconstructionOptions cg;
  cg.method = mri::ReconstructionMethod::ConjugateGradientSense;
  cg.lambda = 0.0;
  cg.iterations = iterations.value_or(30);
  run_method("CG-SENSE", cg);
  mri::ReconstructionOptions l1;
  l1.method = mri::ReconstructionMethod::L1Wavelet;
  l1.lambda = 0.005;
  l1.iterations = iterations.value_or(100);
  l1.seed = seed;
  const auto l1_image = run_method("L1-wavelet", l1);

  // 4. The diffusion column: posterior mean and std with the shipped prior and the default sampler.
  std::optional<DiffusionColumn> diffusion;
  {
    ProgressBar progress("diffusion", 100);  // percent of all sampler steps
    diffusion = diffusion_column(sense_ptr, kspace, recipe, seed, samples, runtime.device, [&](int64_t done, int64_t total) {
      progress.update(100 * done / std::max<int64_t>(total, 1), "sampling");
    });
    results.push_back(score("diffusion", diffusion->mean, truth, diffusion->seconds, static_cast<int>(diffusion->nfe)));
    char status[64];
    std::snprintf(status, sizeof status, "%.2f dB, %.1f s", results.back().psnr, diffusion->seconds);
    progress.finish(status);
    std::printf("diffusion: %s, prior %s, NFE %lld per sample\n", diffusion->method.c_str(), diffusion->prior_id.c_str(),
                static_cast<long long>(diffusion->nfe));
  }

  std::printf("\n%-34s %8s %8s %6s %8s\n", "method (magnitude vs truth)", "PSNR dB", "SSIM", "iters", "time s");
  for (const auto& r : results)
    std::printf("%-34s %8.2f %8.4f %6d %8.2f\n", r.label.c_str(), r.psnr, r.ssim, r.iterations, r.seconds);

  // 5. The study folder: DICOM (the diffusion mean and std when there are any, else L1-wavelet),
  // the comparison preview, the report.
  StudyOutputRequest request;
  request.folder = work / "study";
  request.modality = DicomModality::MR;
  request.study = study_for_output(study_options, dicom_study_from_ismrmrd(scan.metadata));
  request.uid_root = study_options.uid_root;
  request.geometry = volume_geometry_of(scan.encoding, scan.metadata, height, width);
  auto& record = request.record;
  record.command = "demo";
  record.inputs = {image_path, (out / "brain.h5").string()};
  record.parameters = {{"coils", std::to_string(coils)}, {"acceleration", c10::str(mri::acceleration_of(mask))},
                       {"acs_lines", std::to_string(mask_options.acs_lines)}, {"noise", c10::str(noise_level)},
                       {"coil_maps", "espirit"}};
  if (diffusion) {
    request.image = diffusion->mean.abs().to(torch::kCPU);
    request.uncertainty = diffusion->std.to(torch::kCPU);
    record.method = diffusion->method;
    record.parameters.insert(record.parameters.end(), diffusion->parameters.begin(), diffusion->parameters.end());
    record.prior_id = diffusion->prior_id;
    record.prior_sha256 = diffusion->prior_sha256;
    record.nfe = diffusion->nfe;
    record.seed = diffusion->seed;
    request.series_name = "diffusion";
  } else {
    request.image = l1_image.abs().to(torch::kCPU);
    record.method = "l1-wavelet";
    record.parameters.emplace_back("lambda", c10::str(l1.lambda));
    record.parameters.emplace_back("iters", std::to_string(l1.iterations));
    record.seed = seed;
    request.series_name = "l1";
  }
  request.previews.push_back({"truth", truth.abs()});
  for (const auto& r : results) {
    char caption[96];
    std::snprintf(caption, sizeof caption, "%s %.2f dB", r.label.c_str(), r.psnr);
    request.previews.push_back({caption, r.image});
    record.metrics.emplace_back("psnr_db " + r.label, r.psnr);
    record.metrics.emplace_back("ssim " + r.label, r.ssim);
    record.timings_s.emplace_back(r.label, r.seconds);
  }
  record.timings_s.emplace_back("coil maps", maps_seconds);
  auto study = write_study_output(request);
  int warnings = 0;
  const int invalid = validate_with_dciodvfy(study.dicom_files, warnings);
  if (invalid > 0) throw std::runtime_error("dciodvfy found errors in " + std::to_string(invalid) + " of the DICOM files");
  folder.commit();
  // The study now lies in its final place.
  study.folder = out / "study";
  for (auto& file : study.dicom_files) file = out / fs::relative(file, work);
  for (auto& series : study.series) series.folder = out / fs::relative(series.folder, work);
  std::printf("\nwrote %s/: brain.h5 (ISMRMRD), study/dicom (%zu MR instance%s, %s), study/preview.png (",
              out.c_str(), study.dicom_files.size(), study.dicom_files.size() == 1 ? "" : "s",
              invalid < 0 ? "dciodvfy not installed, not validated" :
                            ("dciodvfy: 0 errors, " + std::to_string(warnings) + " warnings").c_str());
  for (size_t i = 0; i < request.previews.size(); ++i)
    std::printf("%s%s", i ? " | " : "", request.previews[i].label.c_str());
  std::printf("), study/report.json\n");
  if (study_options.send) deliver(study, study_options);
  std::printf("demo finished in %.1f s\n", seconds_since(started));
  std::fflush(stdout);
  return 0;
}
#endif

}  // namespace

int run_demo(CommandLine& line) {
  const auto runtime = take_runtime_options(line);
  if (line.take_flag("--help")) {
    std::fputs(kDemoUsage, stdout);
#ifdef DIFFRECON_DEMO_PIPELINE
    std::fputs(kStudyOptionsUsage, stdout);
#endif
    return 0;
  }
  if (line.take_flag("--self-check")) {
    line.expect_consumed("demo --self-check");
    return run_self_check(runtime);
  }
#ifdef DIFFRECON_DEMO_PIPELINE
  return run_brain_demo(line, runtime);
#else
  line.expect_consumed("demo");
  throw UsageError("this build has no DICOM/ITK/ISMRMRD support for the demo; run `diffrecon demo --self-check`");
#endif
}

}  // namespace diffrecon::cli
