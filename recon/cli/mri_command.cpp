#include "recon/cli/mri_command.h"

#include "io/cfl.h"
#include "io/image_file.h"
#include "mri/bart_layout.h"
#include "mri/coil_preprocessing.h"
#include "mri/sampling_mask.h"
#include "recon/cli/command_line.h"
#include "recon/cli/posterior_options.h"
#include "recon/cli/runtime_options.h"
#include "recon/pipeline/file_output.h"
#include "recon/pipeline/mri_input.h"
#include "recon/pipeline/mri_job.h"
#include "recon/pipeline/reference_metrics.h"
#include "samplers/sampler_presets.h"
#ifdef DIFFRECON_HAS_STUDY_OUTPUT
#include "io/dicom_study.h"
#include "recon/cli/study_options.h"
#include "recon/pipeline/study_job.h"
#endif

#include <cstdio>
#include <filesystem>
#include <optional>

namespace diffrecon::cli {
namespace {

namespace fs = std::filesystem;

OptionGroup reconstruction_options() {
  return {"reconstruction (k-space [X, Y, 1, coils] in .cfl as BART writes it, or ISMRMRD HDF5; BART dims after\n"
          "MAPS (TE, ..., SLICE, ..., BATCH) are slices, each its own problem (the posterior samplers run several\n"
          "together: --slice-batch), kept in a .cfl output)",
          {{"--kspace", "FILE", "k-space: .cfl, or ISMRMRD .h5/.mrd (required)"},
           {"--out", "FILE|DIR/", "output: .cfl, .nii/.nii.gz/.mha, .png, or a study folder DIR/ (required)"},
           {"--method", "NAME",
            "zero (adjoint), rss (root-sum-of-squares), cg (CG-SENSE, Tikhonov lambda),\n"
            "l1 (L1-wavelet, FISTA), tv (total variation, primal-dual); " + sampler_method_names() +
                ":\nposterior sampling with a diffusion prior (options below) (required)"},
           {"--sens", "FILE", "coil sensitivities [X, Y, 1, coils] (e.g. from bart ecalib -m1), one set for every\n"
                              "slice or one per slice"},
           {"--espirit", "", "estimate them with ESPIRiT from the k-space centre (the default without --sens)"},
           {"--lowres-maps", "", "estimate them from the Hann-windowed centre divided by its RSS (simple, smooth)"},
           {"--noise", "FILE", "noise samples .cfl (coils in BART dim 3): pre-whiten data (and --sens maps) with\n"
                               "the Cholesky factor of their covariance"},
           {"--mask", "FILE", "sampling pattern: .cfl [X or 1, Y], or an image (.png/.nii.gz, H x W, non-zero = sampled);\n"
                              "default: the acquired samples (ISMRMRD) or the non-zero samples (as bart pics)"},
           {"--noise-sigma", "X", "posterior sampling: the k-space noise std per complex sample (E|n|^2 = X^2) after\n"
                                  "whitening; only DAPS with tau=0 uses it (default 0: unknown)"},
           {"--lambda", "X", "regularisation weight on data scaled as bart pics does (default 0.01; cg: 0)"},
           {"--iters", "N", "iterations (default 30; tv 300)"},
           {"--wavelet", "NAME", "db1..db4 (default db2, as BART's dau2)"},
           {"--no-shift", "", "l1: no random wavelet shifts (cycle spinning)"},
           {"--seed", "S", "l1: the random shifts; posterior methods: the chains (default 0)"},
           {"--coils", "N", "compress to N virtual coils (SVD) first"},
           {"--calibration", "N", "ESPIRiT/low-resolution maps calibration size (default 24)"},
           {"--kernel", "K", "ESPIRiT kernel size (default 6)"},
           {"--crop", "C", "ESPIRiT eigenvalue crop (default 0.8)"},
           {"--threshold", "T", "ESPIRiT singular value threshold (default 0.001)"},
           {"--repetition", "N", "ISMRMRD: the repetition to use (default 0; -1 averages all)"},
           {"--slice", "N|all", "ISMRMRD: the slice (default 0), or every slice"},
           {"--no-whiten", "", "ISMRMRD: do not pre-whiten with the file's noise scans"},
           {"--reference", "FILE", "image (.nii.gz/.mha/...) or DICOM folder of the expected magnitude: PSNR/SSIM/NRMSE\n"
                                   "(after a least-squares scale) go into the report"},
           {"--force", "", "overwrite existing outputs"}}};
}

const CommandSpec& reconstruction_spec() {
  static const CommandSpec spec = [] {
    CommandSpec s;
    s.name = "mri";
    s.synopsis = {"mri --kspace FILE(.cfl|.h5) [--sens FILE.cfl | --espirit] [--mask FILE]\n"
                  "                --method zero|rss|cg|l1|tv [--lambda X] [--iters N] --out FILE|DIR/",
                  "mri --kspace FILE ... --method SAMPLER --prior CARD [--preset fast|full]\n"
                  "                [--samples N] [--seed S] [--param k=v,...] [--noise-sigma X] --out FILE|DIR/",
                  "mri mask --type random|equispaced|poisson --size HxW --acceleration R [--acs N] --out FILE",
                  "mri espirit --kspace FILE(.cfl|.h5) --out MAPS.cfl [--eigenvalues FILE.cfl]"};
    s.groups = {reconstruction_options(), posterior_option_group()};
#ifdef DIFFRECON_HAS_STUDY_OUTPUT
    s.groups.push_back(study_option_group());
#endif
    s.groups.push_back(runtime_option_group());
    s.epilogue =
        "outputs: .cfl (complex, BART), .nii/.nii.gz/.mha (magnitude, with the scan's pixel spacing), .png\n"
        "(magnitude preview), each with FILE.json (the report) and, for N > 1 posterior samples, FILE_std;\n"
        "DIR/ (a study folder: MR Image Storage series of the magnitude with the geometry and patient/study\n"
        "of an ISMRMRD input, preview.png, report.json)";
    return s;
  }();
  return spec;
}

std::string required(CommandLine& line, const std::string& option, const std::string& command) {
  auto value = line.take_option(option);
  if (!value) throw UsageError(command + ": " + option + " is required (see diffrecon " + command + " --help)");
  return *value;
}

// --repetition and --slice (ISMRMRD only: refused for .cfl input by read_mri_input).
MriReadOptions take_read_options(CommandLine& line) {
  MriReadOptions options;
  if (auto repetition = line.take_option("--repetition")) {
    try {
      size_t used = 0;
      options.repetition = std::stoll(*repetition, &used);
      if (used != repetition->size() || options.repetition < -1) throw std::invalid_argument("repetition");
    } catch (const std::exception&) {
      throw UsageError("--repetition expects an integer (-1 for all), got '" + *repetition + "'");
    }
  }
  if (auto slice = line.take_option("--slice")) {
    if (*slice == "all") {
      options.slice.reset();
    } else {
      try {
        size_t used = 0;
        options.slice = std::stoll(*slice, &used);
        if (used != slice->size() || *options.slice < 0) throw std::invalid_argument("slice");
      } catch (const std::exception&) {
        throw UsageError("--slice expects an integer >= 0 or 'all', got '" + *slice + "'");
      }
    }
  }
  return options;
}

mri::EspiritOptions take_espirit_options(CommandLine& line) {
  mri::EspiritOptions options;
  if (auto n = line.take_int_option("--calibration", 2)) options.calibration_size = *n;
  if (auto k = line.take_int_option("--kernel", 1)) options.kernel_size = *k;
  if (auto c = line.take_double_option("--crop", 0.0)) options.crop = *c;
  if (auto t = line.take_double_option("--threshold", 0.0)) options.threshold = *t;
  return options;
}

// The classical method's options with the CLI's defaults (cg: lambda 0; tv: 300 iterations); rss
// takes them too and uses none.
mri::ReconstructionOptions take_classical_options(CommandLine& line, const std::string& method) {
  mri::ReconstructionOptions options;
  try {
    if (method != "rss") options.method = mri::parse_reconstruction_method(method);
  } catch (const std::invalid_argument&) {
    throw UsageError("--method expects zero, rss, cg, l1, tv or a sampler (" + sampler_method_names() + "), got '" +
                     method + "'");
  }
  options.lambda = options.method == mri::ReconstructionMethod::ConjugateGradientSense ? 0.0 : 0.01;
  // Primal-dual TV does one normal operator per iteration and needs more of them (docs/benchmarks.md).
  options.iterations = options.method == mri::ReconstructionMethod::TotalVariation ? 300 : 30;
  if (auto lambda = line.take_double_option("--lambda", 0.0)) options.lambda = *lambda;
  if (auto iterations = line.take_int_option("--iters", 1)) options.iterations = *iterations;
  if (auto wavelet = line.take_option("--wavelet")) options.wavelet = *wavelet;
  options.random_shifts = !line.take_flag("--no-shift");
  if (auto seed = line.take_int_option("--seed", 0)) options.seed = static_cast<uint64_t>(*seed);
  return options;
}

torch::Tensor read_mask_file(const std::string& path, int64_t height, int64_t width) {
  const auto extension = fs::path(path).extension().string();
  if (extension == ".cfl" || extension == ".hdr" || extension.empty())
    return mri::mask_from_pattern(mri::image_from_bart(read_cfl(path).data, path), height, width, path);
  // An image file (PNG, NIfTI, MHA): non-zero pixels are sampled; rows are H, columns W.
  return mri::mask_from_pattern(read_image(path).data, height, width, path);
}

// Noise samples [..., coils in BART dim 3, ...]: every other dim is a sample.
torch::Tensor read_noise_file(const std::string& path, int64_t coils) {
  auto noise = read_cfl(path).data;
  if (noise.dim() < 4 || noise.size(3) != coils)
    throw InputError("--noise " + path + " has " + std::to_string(noise.dim() < 4 ? 1 : noise.size(3)) +
                     " coils (BART dim 3), the k-space " + std::to_string(coils));
  return noise.movedim(3, 0).reshape({coils, -1});
}

// Coil maps, mask, whitening and compression: the options of mri::sense_model, with the files they
// name read against the acquisition's shape.
mri::SenseModelOptions take_model_options(CommandLine& line, MriJob& job, bool ismrmrd) {
  mri::SenseModelOptions options;
  const auto sens_path = line.take_option("--sens");
  const bool espirit_flag = line.take_flag("--espirit");
  const bool low_resolution = line.take_flag("--lowres-maps");
  if (int(bool(sens_path)) + int(espirit_flag) + int(low_resolution) > 1)
    throw UsageError("mri: give one of --sens, --espirit and --lowres-maps");
  options.espirit = take_espirit_options(line);
  options.maps = sens_path ? mri::CoilMapMethod::Given
                 : low_resolution ? mri::CoilMapMethod::LowResolution : mri::CoilMapMethod::Espirit;
  job.coil_maps_source = sens_path ? *sens_path : low_resolution ? "low-resolution" : "espirit";
  auto& acquisition = job.acquisition;
  if (sens_path) {
    options.given_maps = mri::coil_batch_from_bart(read_cfl(*sens_path).data, *sens_path).data;
    options.given_maps_source = "coil maps '" + *sens_path + "'";
  }
  if (auto mask_path = line.take_option("--mask"))
    options.mask = read_mask_file(*mask_path, acquisition.kspace.size(2), acquisition.kspace.size(3));
  if (auto noise_path = line.take_option("--noise")) {
    acquisition.noise = read_noise_file(*noise_path, acquisition.coils());
    acquisition.noise_dwell_ratio = 1.0;
  }
  if (line.take_flag("--no-whiten")) {
    if (!ismrmrd) throw UsageError("--no-whiten applies to ISMRMRD (.h5) input only");
    options.whiten = false;
  }
  if (auto coils = line.take_int_option("--coils", 1)) options.virtual_coils = *coils;
  return options;
}


// What `diffrecon mri` was asked for, parsed and its input read: everything but the work.
struct MriRequest {
  MriInput input;
  MriJob job;
  std::string out;
  Overwrite overwrite = Overwrite::Refuse;
  std::optional<std::string> reference;
  bool to_folder = false;
#ifdef DIFFRECON_HAS_STUDY_OUTPUT
  StudyOptions study;
#endif
};

MriRequest parse_request(CommandLine& line) {
  MriRequest request;
  const auto runtime = take_runtime_options(line);
  const auto kspace_path = required(line, "--kspace", "mri");
  request.out = required(line, "--out", "mri");
  const auto method = required(line, "--method", "mri");
  auto& job = request.job;
  job.device = runtime.device;
  job.kind = method == "rss" ? MriMethodKind::RootSumOfSquares
             : is_posterior_method(method) ? MriMethodKind::Posterior : MriMethodKind::Classical;
  if (job.kind == MriMethodKind::Posterior) {
    job.posterior = take_posterior_settings(line, method);
    job.noise_sigma = line.take_double_option("--noise-sigma", 0.0).value_or(0.0);
  } else {
    job.classical = take_classical_options(line, method);
  }
  request.overwrite = line.take_flag("--force") ? Overwrite::Allow : Overwrite::Refuse;
  request.reference = line.take_option("--reference");
#ifdef DIFFRECON_HAS_STUDY_OUTPUT
  request.study = take_study_options(line);
  request.to_folder = is_study_folder(request.out);
  if (!request.to_folder && (request.study.send || request.study.patient_from))
    throw UsageError("--send and --patient-from apply to a study folder output (--out DIR/), not '" + request.out + "'");
#endif
  const auto read_options = take_read_options(line);
  if (!is_ismrmrd_path(kspace_path) && (read_options.repetition != 0 || read_options.slice != std::optional<int64_t>(0)))
    throw UsageError("--repetition and --slice apply to ISMRMRD (.h5) input only");
  request.input = read_mri_input(kspace_path, read_options);
  job.acquisition = request.input.acquisition;
  job.model = take_model_options(line, job, is_ismrmrd_path(kspace_path));
  job.inputs = {kspace_path};
  line.expect_consumed("mri");
  return request;
}

#ifdef DIFFRECON_HAS_STUDY_OUTPUT
StudyJob study_job_of(MriRequest request) {
  StudyJob study;
  DicomStudy fallback;
  if (request.input.metadata) fallback = dicom_study_from_ismrmrd(*request.input.metadata);
  study.settings = {study_for_output(request.study, fallback), request.study.uid_root, request.overwrite};
  study.folder = fs::path(request.out).filename().empty() ? fs::path(request.out).parent_path() : fs::path(request.out);
  study.reference = request.reference;
  study.work = MriStudy{std::move(request.input), std::move(request.job)};
  return study;
}
#endif

int run_reconstruction(CommandLine& line) {
  auto request = parse_request(line);
  const bool with_std = request.job.kind == MriMethodKind::Posterior && request.job.posterior.samples > 1;
  // Before any work; main() reports an OutputExistsError with exit status 2 and how to overwrite.
  refuse_existing_outputs(request.to_folder ? std::vector<fs::path>{request.out} : file_output_paths(request.out, with_std),
                          request.overwrite);
  std::fprintf(stderr, "%s\n", request.input.summary.c_str());
  SamplingProgressBars bars;
  const auto observer = printing_observer(bars);
#ifdef DIFFRECON_HAS_STUDY_OUTPUT
  if (request.to_folder) {
    const auto study_options = request.study;
    const auto output = run_study_job(study_job_of(std::move(request)), observer);
    bars.finish();
    deliver(output, study_options);
    return 0;
  }
#endif
  auto result = run_mri_job(request.job, observer);
  bars.finish();
  if (request.reference) add_reference_metrics(result.record, result.image, *request.reference);
  write_mri_files(request.out, result, request.input.acquisition, request.overwrite);
  std::fprintf(stderr, "%s: %.3f s, wrote %s\n", result.record.method.c_str(), result.record.timings_s.front().second,
               request.out.c_str());
  return 0;
}

const CommandSpec& mask_spec() {
  static const CommandSpec spec{
      "mri mask",
      {"mri mask --type random|equispaced|poisson --size HxW --acceleration R [--acs N] [--seed S] --out FILE(.cfl|.png)"},
      "A sampling pattern: random or equispaced phase-encode lines with a fully sampled centre, or a\n"
      "variable-density Poisson-disc pattern.",
      {{"mask options",
        {{"--type", "random|equispaced|poisson", "the pattern (required)"},
         {"--size", "HxW", "its size, e.g. 256x256 (required)"},
         {"--acceleration", "R", "undersampling factor (default 4)"},
         {"--acs", "N", "fully sampled centre lines (default 24)"},
         {"--seed", "S", "random and poisson patterns (default 0)"},
         {"--out", "FILE", ".cfl or .png (required)"},
         {"--force", "", "overwrite an existing output"}}},
       runtime_option_group()},
      ""};
  return spec;
}

std::pair<int64_t, int64_t> parse_size(const std::string& size) {
  const auto x = size.find('x');
  try {
    if (x == std::string::npos) throw std::invalid_argument("no x");
    size_t used_height = 0, used_width = 0;
    const int64_t height = std::stoll(size.substr(0, x), &used_height);
    const int64_t width = std::stoll(size.substr(x + 1), &used_width);
    if (used_height != x || used_width != size.size() - x - 1 || height < 1 || width < 1)
      throw std::invalid_argument("not HxW");
    return {height, width};
  } catch (const std::exception&) {
    throw UsageError("--size expects HxW (e.g. 256x256), got '" + size + "'");
  }
}

int run_mask(CommandLine& line) {
  const auto runtime = take_runtime_options(line);
  const auto type = required(line, "--type", "mri mask");
  const auto size = required(line, "--size", "mri mask");
  const auto [height, width] = parse_size(size);
  // The mask and the few [H, W] tensors its sampling draws, 4 bytes a pixel.
  runtime.memory.require(16.0 * double(height) * double(width), "mask --size " + size);
  const auto out = required(line, "--out", "mri mask");
  const double acceleration = line.take_double_option("--acceleration", 1.0).value_or(4.0);
  const auto acs = line.take_int_option("--acs", 0).value_or(24);
  const auto seed = static_cast<uint64_t>(line.take_int_option("--seed", 0).value_or(0));
  const auto overwrite = line.take_flag("--force") ? Overwrite::Allow : Overwrite::Refuse;
  line.expect_consumed("mri mask");
  torch::Tensor mask;
  try {
    if (type == "random") {
      mask = mri::random_line_mask({height, width, acceleration, acs, seed});
    } else if (type == "equispaced") {
      mask = mri::equispaced_line_mask({height, width, acceleration, acs, 0});
    } else if (type == "poisson") {
      mri::PoissonDiscOptions options;
      options.height = height;
      options.width = width;
      options.acceleration = acceleration;
      options.calibration = acs;
      if (seed) options.seed = seed;
      mask = mri::poisson_disc_mask(options);
    } else {
      throw UsageError("--type expects random, equispaced or poisson, got '" + type + "'");
    }
  } catch (const std::invalid_argument& error) {  // a pattern the sizes cannot hold
    throw UsageError(error.what());
  }
  write_mri_image(out, mask.to(torch::kComplexFloat), {}, overwrite);
  std::fprintf(stderr, "%s mask %lld x %lld, acceleration %.3f, wrote %s\n", type.c_str(), static_cast<long long>(height),
               static_cast<long long>(width), mri::acceleration_of(mask), out.c_str());
  return 0;
}

const CommandSpec& espirit_spec() {
  static const CommandSpec spec = [] {
    CommandSpec s;
    s.name = "mri espirit";
    s.synopsis = {"mri espirit --kspace FILE(.cfl|.h5) --out MAPS.cfl [--eigenvalues FILE.cfl]"};
    s.description = "ESPIRiT coil sensitivities (one set of maps, as bart ecalib -m1) of one slice.";
    s.groups = {{"ESPIRiT options",
                 {{"--kspace", "FILE", "k-space: .cfl or ISMRMRD (required)"},
                  {"--out", "MAPS.cfl", "the maps, BART layout (required)"},
                  {"--eigenvalues", "FILE.cfl", "also write the largest eigenvalue per pixel"},
                  {"--calibration", "N", "calibration size (default 24)"},
                  {"--kernel", "K", "kernel size (default 6)"},
                  {"--crop", "C", "eigenvalue crop (default 0.8)"},
                  {"--threshold", "T", "singular value threshold (default 0.001)"},
                  {"--repetition", "N", "ISMRMRD: the repetition to use (default 0; -1 averages all)"},
                  {"--slice", "N", "ISMRMRD: the slice (default 0)"},
                  {"--force", "", "overwrite existing outputs"}}},
                runtime_option_group()};
    return s;
  }();
  return spec;
}

int run_espirit(CommandLine& line) {
  take_runtime_options(line);
  const auto kspace_path = required(line, "--kspace", "mri espirit");
  const auto out = required(line, "--out", "mri espirit");
  const auto eigenvalues_path = line.take_option("--eigenvalues");
  const auto options = take_espirit_options(line);
  const auto overwrite = line.take_flag("--force") ? Overwrite::Allow : Overwrite::Refuse;
  const auto read_options = take_read_options(line);
  line.expect_consumed("mri espirit");
  if (fs::path(out).extension() != ".cfl") throw UsageError("--out " + out + ": coil maps are written as BART .cfl");
  const auto input = read_mri_input(kspace_path, read_options);
  if (input.acquisition.slices() != 1)
    throw UsageError("mri espirit: " + kspace_path + " holds " + std::to_string(input.acquisition.slices()) +
                     " slices; give one slice (bart slice / extract)");
  const auto acquisition = mri::without_readout_oversampling(input.acquisition);
  auto result = mri::espirit(acquisition.kspace[0], options);
  write_cfl(out, mri::coil_array_to_bart(result.sensitivities.to(torch::kCPU)), {{"Creator", {"diffrecon mri espirit"}}},
            overwrite);
  if (eigenvalues_path) write_mri_image(*eigenvalues_path, result.eigenvalues.to(torch::kComplexFloat), {}, overwrite);
  std::fprintf(stderr, "ESPIRiT: calibration %lld x %lld, %lld kernels, wrote %s\n",
               static_cast<long long>(result.calibration.height), static_cast<long long>(result.calibration.width),
               static_cast<long long>(result.kernels), out.c_str());
  return 0;
}

}  // namespace

#ifdef DIFFRECON_HAS_STUDY_OUTPUT
BatchStudyRequest mri_study_request(const std::vector<std::string>& arguments) {
  CommandLine line(arguments, reconstruction_spec());
  return batch_study_request(parse_request(line), study_job_of);
}
#endif

int run_mri(std::vector<std::string> arguments) {
  const CommandSpec* spec = &reconstruction_spec();
  int (*run)(CommandLine&) = run_reconstruction;
  if (!arguments.empty() && (arguments[0] == "mask" || arguments[0] == "espirit")) {
    spec = arguments[0] == "mask" ? &mask_spec() : &espirit_spec();
    run = arguments[0] == "mask" ? run_mask : run_espirit;
    arguments.erase(arguments.begin());
  }
  return run_command(*spec, arguments, run);
}

}  // namespace diffrecon::cli
