#include "recon/cli/mri_command.h"

#include "io/cfl.h"
#include "mri/bart_layout.h"
#include "mri/classical_reconstruction.h"
#include "mri/coil_preprocessing.h"
#include "mri/coil_sensitivities.h"
#include "mri/sampling_mask.h"
#include "recon/cli/command_line.h"
#include "recon/cli/posterior_options.h"
#include "recon/cli/runtime_options.h"
#ifdef DIFFRECON_HAS_ITK
#include "io/image_file.h"
#endif
#ifdef DIFFRECON_HAS_ISMRMRD_READER
#include "io/ismrmrd_geometry.h"
#include "io/ismrmrd_reader.h"
#endif
#ifdef DIFFRECON_HAS_STUDY_OUTPUT
#include "recon/cli/study_options.h"
#include "recon/pipeline/study_output.h"
#endif

#include <chrono>
#include <cmath>
#include <cstring>
#include <cstdio>
#include <filesystem>
#include <optional>

namespace diffrecon::cli {
namespace {

namespace fs = std::filesystem;

constexpr const char* kUsage = R"(usage:
  diffrecon mri --kspace FILE(.cfl|.h5) [--sens FILE.cfl | --espirit] [--mask FILE]
                --method zero|rss|cg|l1|tv [--lambda X] [--iters N] --out FILE(.cfl|.nii.gz|.mha|.png)|DIR/
  diffrecon mri --kspace FILE ... --method dps|mcg|daps|reddiff --prior CARD [--preset fast|full]
                [--samples N] [--seed S] [--param k=v,...] [--noise-sigma X] --out FILE|DIR/
  diffrecon mri mask --type random|equispaced|poisson --size HxW --acceleration R [--acs N]
                [--seed S] --out FILE(.cfl|.png)
  diffrecon mri espirit --kspace FILE(.cfl|.h5) --out MAPS.cfl [--eigenvalues FILE.cfl]

reconstruction (k-space [X, Y, 1, coils] in .cfl as BART writes it, or ISMRMRD HDF5; BART dims after
MAPS (TE, ..., SLICE, ..., BATCH) are reconstructed one by one and kept in a .cfl output):
  --sens FILE         coil sensitivities [X, Y, 1, coils] (e.g. from bart ecalib -m1), one set for every
                      slice or one per slice
  --espirit           estimate them with ESPIRiT from the k-space centre (the default without --sens)
  --lowres-maps       estimate them from the Hann-windowed centre divided by its RSS (simple, smooth)
  --noise FILE        noise samples .cfl (coils in BART dim 3): pre-whiten data (and --sens maps) with
                      the Cholesky factor of their covariance
  --mask FILE         sampling pattern: .cfl [X or 1, Y], or an image (.png/.nii.gz, H x W, non-zero = sampled);
                      default: the non-zero samples of the k-space (as bart pics)
  --method            zero (adjoint), rss (root-sum-of-squares), cg (CG-SENSE, Tikhonov lambda),
                      l1 (L1-wavelet, FISTA), tv (total variation, primal-dual); dps, mcg, daps, reddiff:
                      posterior sampling with a diffusion prior (options below)
  --noise-sigma X     posterior sampling: the k-space noise std per complex sample (E|n|^2 = X^2) after
                      whitening; only DAPS with tau=0 uses it (default 0: unknown)
  --lambda X          regularisation weight on data scaled as bart pics does (default 0.01; cg: 0)
  --iters N           iterations (default 30; tv 300)
  --wavelet NAME      db1..db4 (default db2, as BART's dau2); --no-shift turns the random wavelet shifts off; --seed S
  --coils N           compress to N virtual coils (SVD) first
  --calibration N     ESPIRiT/data-scaling calibration size (default 24); --kernel K (6); --crop C (0.8);
                      --threshold T (0.001)
  --repetition N      ISMRMRD: the repetition to use (default 0; -1 averages all); --slice N|all (default 0);
                      --no-whiten
  --force             overwrite existing outputs
  --threads N, --device cpu|cuda
outputs: .cfl (complex, BART), .nii/.nii.gz/.mha (magnitude, with the scan's pixel spacing), .png (magnitude preview),
  DIR/ (a study folder: MR Image Storage series of the magnitude with the geometry and patient/study of
  an ISMRMRD input, preview.png, report.json; see below)
  --reference FILE    image (.nii.gz/.mha/...) or DICOM folder of the expected magnitude: PSNR/SSIM/NRMSE
                      (after a least-squares scale) go into the report
)";

std::vector<int64_t> single_image() { return std::vector<int64_t>(kCflDimensions, 1); }

struct KspaceInput {
  torch::Tensor kspace;                             // [B, C, H, W]: B slices (or other batch dims of a .cfl)
  torch::Tensor mask;                               // [B, H, W] or undefined
  std::vector<int64_t> batch_dims = single_image(); // BART dims the batch came from
  std::vector<double> spacing{1.0, 1.0};            // ITK order: x (W), y (H)
#ifdef DIFFRECON_HAS_STUDY_OUTPUT
  DicomStudy study;                                 // patient/study of an ISMRMRD header
  std::optional<VolumeGeometry> geometry;           // patient-space placement of an ISMRMRD scan
#endif
};

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool is_ismrmrd(const std::string& path) { return ends_with(path, ".h5") || ends_with(path, ".mrd"); }

double parse_double(const std::string& option, const std::string& text) {
  try {
    size_t used = 0;
    const double value = std::stod(text, &used);
    if (used == text.size()) return value;
  } catch (const std::exception&) {
  }
  throw UsageError(option + " expects a number, got '" + text + "'");
}

std::optional<double> take_double(CommandLine& line, const std::string& option) {
  auto text = line.take_option(option);
  if (!text) return std::nullopt;
  return parse_double(option, *text);
}

std::string require(CommandLine& line, const std::string& option, const std::string& command) {
  auto value = line.take_option(option);
  if (!value) throw UsageError(command + ": " + option + " is required (see diffrecon mri --help)");
  return *value;
}

KspaceInput read_kspace(const std::string& path, CommandLine& line) {
  KspaceInput input;
  const auto repetition = line.take_option("--repetition");
  const auto slice = line.take_option("--slice");
  const bool no_whiten = line.take_flag("--no-whiten");
  if (is_ismrmrd(path)) {
#ifdef DIFFRECON_HAS_ISMRMRD_READER
    IsmrmrdReadOptions options;
    if (repetition) {
      try {
        options.repetition = std::stoll(*repetition);
      } catch (const std::exception&) {
        throw UsageError("--repetition expects an integer (-1 for all), got '" + *repetition + "'");
      }
    }
    options.whiten = !no_whiten;
    std::vector<IsmrmrdScan> scans;
    if (slice && *slice == "all") {
      scans = read_ismrmrd_slices(path, options);
    } else {
      if (slice) {
        try {
          size_t used = 0;
          options.slice = std::stoll(*slice, &used);
          if (used != slice->size() || options.slice < 0) throw std::invalid_argument("slice");
        } catch (const std::exception&) {
          throw UsageError("--slice expects an integer >= 0 or 'all', got '" + *slice + "'");
        }
      }
      scans.push_back(read_ismrmrd(path, options));
    }
    const auto& scan = scans.front();
    std::fprintf(stderr, "ISMRMRD: %lld slice(s), %lld coils, %lld lines (%lld calibration), %lld noise scans%s, oversampling %lld removed\n",
                 static_cast<long long>(scans.size()), static_cast<long long>(scan.coils), static_cast<long long>(scan.imaging_lines),
                 static_cast<long long>(scan.calibration_lines), static_cast<long long>(scan.noise_acquisitions),
                 scan.whitening.defined() ? " (whitened)" : "", static_cast<long long>(scan.oversampling_factor));
    std::vector<torch::Tensor> kspaces, masks;
    for (const auto& s : scans) {
      kspaces.push_back(s.kspace);
      masks.push_back(s.mask);
    }
    input.kspace = torch::stack(kspaces);
    input.mask = torch::stack(masks);
    input.batch_dims[13] = static_cast<int64_t>(scans.size());  // BART's SLICE dim
    const auto& e = scan.encoding;
    if (e.recon_matrix[0] > 0 && e.recon_matrix[1] > 0 && e.recon_fov_mm[0] > 0 && e.recon_fov_mm[1] > 0)
      input.spacing = {e.recon_fov_mm[1] / e.recon_matrix[1], e.recon_fov_mm[0] / e.recon_matrix[0]};
    // Between slices: the slab thickness (ISMRMRD has no slice gap in the header).
    if (scans.size() > 1 && e.recon_fov_mm[2] > 0) input.spacing.push_back(e.recon_fov_mm[2]);
#ifdef DIFFRECON_HAS_STUDY_OUTPUT
    input.study = dicom_study_from_ismrmrd(scan.metadata);
    input.geometry = volume_geometry_of(e, scan.metadata, scan.kspace.size(1), scan.kspace.size(2));
#endif
    return input;
#else
    throw UsageError("--kspace " + path + ": this build has no ISMRMRD support (DIFFRECON_WITH_ISMRMRD=OFF)");
#endif
  }
  if (repetition || slice || no_whiten)
    throw UsageError("--repetition, --slice and --no-whiten apply to ISMRMRD (.h5) input only");
  auto batch = mri::coil_batch_from_bart(read_cfl(path).data, path);
  input.kspace = batch.data;
  input.batch_dims = batch.batch_dims;
  return input;
}

torch::Tensor read_mask_file(const std::string& path, int64_t height, int64_t width) {
  if (ends_with(path, ".cfl") || ends_with(path, ".hdr") || fs::path(path).extension().empty())
    return mri::mask_from_pattern(mri::image_from_bart(read_cfl(path).data, path), height, width, path);
#ifdef DIFFRECON_HAS_ITK
  // An image file (PNG, NIfTI, MHA): non-zero pixels are sampled; rows are H, columns W.
  return mri::mask_from_pattern(read_image(path).data, height, width, path);
#else
  throw UsageError("--mask " + path + ": expected a BART .cfl sampling pattern (no ITK in this build)");
#endif
}

// `images`: [H, W] or [B, H, W] (B from `batch_dims`). .cfl keeps the batch dims; NIfTI/MHA write
// a volume for B > 1; PNG tiles the batch.
void write_output(const std::string& path, const torch::Tensor& images, const std::vector<int64_t>& batch_dims,
                  const std::vector<double>& spacing, Overwrite overwrite) {
  auto cpu = images.detach().to(torch::kCPU);
  if (cpu.dim() == 2) cpu = cpu.unsqueeze(0);
  const int64_t count = cpu.size(0);
  if (ends_with(path, ".cfl")) {
    write_cfl(path, mri::image_batch_to_bart(cpu.to(torch::kComplexFloat), batch_dims), {{"Creator", {"diffrecon mri"}}},
                  overwrite);
    return;
  }
#ifdef DIFFRECON_HAS_ITK
  if (ends_with(path, ".png")) {
    const auto columns = static_cast<int64_t>(std::ceil(std::sqrt(static_cast<double>(count))));
    write_png(path, count == 1 ? cpu[0].abs() : tile_images(cpu.abs(), columns), std::nullopt, overwrite);
    return;
  }
  if (ends_with(path, ".nii") || ends_with(path, ".nii.gz") || ends_with(path, ".mha") || ends_with(path, ".mhd")) {
    auto geometry = ImageGeometry::identity(count == 1 ? 2 : 3);
    geometry.spacing = spacing;
    geometry.spacing.resize(count == 1 ? 2 : 3, 1.0);
    write_image(path, (count == 1 ? cpu[0] : cpu).abs().to(torch::kFloat32), geometry, overwrite);
    return;
  }
  throw UsageError("--out " + path + ": unknown format (expected .cfl, .nii, .nii.gz, .mha or .png)");
#else
  throw UsageError("--out " + path + ": only .cfl output in this build (DIFFRECON_WITH_ITK=OFF)");
#endif
}

mri::EspiritOptions take_espirit_options(CommandLine& line) {
  mri::EspiritOptions options;
  if (auto n = line.take_int_option("--calibration", 2)) options.calibration_size = *n;
  if (auto k = line.take_int_option("--kernel", 1)) options.kernel_size = *k;
  if (auto c = take_double(line, "--crop")) options.crop = *c;
  if (auto t = take_double(line, "--threshold")) options.threshold = *t;
  return options;
}

int run_reconstruction(CommandLine& line) {
  const auto runtime = take_runtime_options(line);
  const auto kspace_path = require(line, "--kspace", "mri");
  const auto out = require(line, "--out", "mri");
  const auto method_name = require(line, "--method", "mri");
  const bool rss = method_name == "rss";
  const bool posterior = is_posterior_method(method_name);
  std::optional<PosteriorOptions> posterior_options;
  double noise_sigma = 0.0;
  if (posterior) {
    posterior_options = take_posterior_options(line, method_name);
    noise_sigma = line.take_double_option("--noise-sigma", 0.0).value_or(0.0);
  }
  mri::ReconstructionOptions options;
  if (!rss && !posterior) {
    try {
      options.method = mri::parse_reconstruction_method(method_name);
    } catch (const std::invalid_argument&) {
      throw UsageError("--method expects zero, rss, cg, l1, tv, dps, mcg, daps or reddiff, got '" + method_name + "'");
    }
  }
  options.lambda = options.method == mri::ReconstructionMethod::ConjugateGradientSense ? 0.0 : 0.01;
  // Primal-dual TV does one normal operator per iteration and needs more of them (bench/mri_benchmark.cpp).
  options.iterations = options.method == mri::ReconstructionMethod::TotalVariation ? 300 : 30;
  if (auto lambda = take_double(line, "--lambda")) {
    if (*lambda < 0) throw UsageError("--lambda expects a number >= 0, got " + std::to_string(*lambda));
    options.lambda = *lambda;
  }
  if (auto iterations = line.take_int_option("--iters", 1)) options.iterations = *iterations;
  if (auto wavelet = line.take_option("--wavelet")) options.wavelet = *wavelet;
  options.random_shifts = !line.take_flag("--no-shift");
  if (auto seed = line.take_int_option("--seed", 0)) options.seed = static_cast<uint64_t>(*seed);
  const auto sens_path = line.take_option("--sens");
  const bool espirit_flag = line.take_flag("--espirit");
  if (sens_path && espirit_flag) throw UsageError("mri: give either --sens or --espirit, not both");
  const auto mask_path = line.take_option("--mask");
  const bool low_resolution_maps = line.take_flag("--lowres-maps");
  if (low_resolution_maps && sens_path) throw UsageError("mri: give either --sens or --lowres-maps, not both");
  if (low_resolution_maps && espirit_flag) throw UsageError("mri: give either --espirit or --lowres-maps, not both");
  const auto noise_path = line.take_option("--noise");
  const auto virtual_coils = line.take_int_option("--coils", 1);
  const auto espirit_options = take_espirit_options(line);
  const auto overwrite = line.take_flag("--force") ? Overwrite::Allow : Overwrite::Refuse;
#ifdef DIFFRECON_HAS_STUDY_OUTPUT
  const auto study_options = take_study_options(line);
  const auto reference_path = line.take_option("--reference");
  const bool to_folder = is_study_folder(out);
  if (!to_folder && (study_options.send || study_options.patient_from || (reference_path && !posterior)))
    throw UsageError("--send, --patient-from and --reference apply to a study folder output (--out DIR/), not '" + out + "'");
#endif
  auto input = read_kspace(kspace_path, line);
  line.expect_consumed("mri");
  if (fs::exists(out) && overwrite == Overwrite::Refuse)
    throw UsageError("--out " + out + " exists (use --force to overwrite it)");

  const int64_t slices = input.kspace.size(0), height = input.kspace.size(2), width = input.kspace.size(3);
  torch::Tensor file_mask;
  if (mask_path) file_mask = read_mask_file(*mask_path, height, width).to(runtime.device);
  torch::Tensor all_maps;  // [1 or B, C, H, W]
  if (sens_path) {
    all_maps = mri::coil_batch_from_bart(read_cfl(*sens_path).data, *sens_path).data.to(runtime.device);
    if (all_maps.sizes().slice(1) != input.kspace.sizes().slice(1) || (all_maps.size(0) != 1 && all_maps.size(0) != slices))
      throw UsageError("--sens " + *sens_path + " has [batch, coils, H, W] = " + c10::str(all_maps.sizes()) +
                       " but the k-space has " + c10::str(input.kspace.sizes()) + " (coils x H x W must match)");
  }
  torch::Tensor whitening;
  if (noise_path) {
    // Noise samples [..., coils in BART dim 3, ...]: every other dim is a sample.
    auto noise = read_cfl(*noise_path).data;
    if (noise.size(3) != input.kspace.size(1))
      throw UsageError("--noise " + *noise_path + " has " + std::to_string(noise.size(3)) + " coils (BART dim 3), the k-space " +
                       std::to_string(input.kspace.size(1)));
    whitening = mri::whitening_matrix(mri::noise_covariance(noise.movedim(3, 0).reshape({noise.size(3), -1})));
    std::fprintf(stderr, "noise pre-whitening from %lld samples per coil\n", static_cast<long long>(noise.numel() / noise.size(3)));
  }
  if (virtual_coils && *virtual_coils > input.kspace.size(1))
    throw UsageError("--coils " + std::to_string(*virtual_coils) + " exceeds the " + std::to_string(input.kspace.size(1)) +
                     " coils of the data");

  bool posterior_files = posterior;
#ifdef DIFFRECON_HAS_STUDY_OUTPUT
  posterior_files = posterior && !to_folder;
#endif
  if (posterior_files)
    refuse_existing_posterior_outputs(out, posterior_options->samples, overwrite == Overwrite::Allow);

  const auto started = std::chrono::steady_clock::now();
  std::vector<torch::Tensor> images, std_maps;
  std::optional<PosteriorRun> last_run;
  for (int64_t b = 0; b < slices; ++b) {
    if (slices > 1) std::fprintf(stderr, "slice %lld of %lld\n", static_cast<long long>(b + 1), static_cast<long long>(slices));
    auto kspace = input.kspace[b].to(runtime.device);
    auto mask = file_mask.defined() ? file_mask
                                    : (input.mask.defined() ? input.mask[b].to(runtime.device) : mri::mask_from_kspace(kspace));
    kspace = kspace * mask;  // samples outside the pattern do not enter the data term
    std::fprintf(stderr, "k-space: %lld coils, %lld x %lld, acceleration %.2f\n", static_cast<long long>(kspace.size(0)),
                 static_cast<long long>(height), static_cast<long long>(width), mri::acceleration_of(mask));
    torch::Tensor maps;
    if (all_maps.defined()) maps = all_maps[all_maps.size(0) == 1 ? 0 : b];
    if (whitening.defined()) {
      // Whitened model: W y = F (W S) x, so the maps move into the whitened coil basis too.
      kspace = mri::apply_coil_matrix(whitening, kspace).to(torch::kComplexFloat);
      if (maps.defined()) maps = mri::apply_coil_matrix(whitening, maps).to(torch::kComplexFloat);
    }
    if (virtual_coils) {
      const auto compression = mri::coil_compression_matrix(kspace, *virtual_coils);
      std::fprintf(stderr, "coil compression: %lld -> %d virtual coils, %.2f%% of the energy kept\n",
                   static_cast<long long>(kspace.size(0)), *virtual_coils,
                   100 * mri::coil_energy_fractions(kspace)[*virtual_coils - 1].item<double>());
      kspace = mri::apply_coil_matrix(compression, kspace).to(torch::kComplexFloat);
      if (maps.defined()) maps = mri::apply_coil_matrix(compression, maps).to(torch::kComplexFloat);
    }
    if (rss) {
      images.push_back(mri::root_sum_of_squares(kspace).to(torch::kComplexFloat));
      continue;
    }
    if (!maps.defined() && low_resolution_maps) {
      mri::LowResolutionOptions low;
      low.calibration_size = espirit_options.calibration_size;
      maps = mri::low_resolution_sensitivities(kspace, low);
    }
    if (!maps.defined()) {
      auto espirit = mri::espirit(kspace, espirit_options);
      std::fprintf(stderr, "ESPIRiT: calibration %lld x %lld, %lld kernels\n",
                   static_cast<long long>(espirit.calibration.height), static_cast<long long>(espirit.calibration.width),
                   static_cast<long long>(espirit.kernels));
      maps = espirit.sensitivities;
    }
    auto sense = std::make_shared<mri::SenseOperator>(maps, mask);
    if (posterior) {
      // A first CG-SENSE image sets the prior's intensity normalisation (its magnitude percentile).
      mri::ReconstructionOptions first;
      first.iterations = 10;
      auto estimate = mri::reconstruct(*sense, kspace, first).image;
      Problem problem(sense, kspace, NoiseModel{noise_sigma});
      last_run = run_posterior(problem, estimate, *posterior_options, runtime.device, "mri " + method_name);
      images.push_back(last_run->reconstruction.sampling.mean);
      if (last_run->reconstruction.sampling.std.defined()) std_maps.push_back(last_run->reconstruction.sampling.std);
      continue;
    }
    images.push_back(mri::reconstruct(*sense, kspace, options).image);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const char* method = rss ? "rss" : posterior ? method_name.c_str() : mri::reconstruction_method_name(options.method);
#ifdef DIFFRECON_HAS_STUDY_OUTPUT
  if (to_folder) {
    StudyOutputRequest request;
    request.folder = fs::path(out).filename().empty() ? fs::path(out).parent_path() : fs::path(out);
    request.overwrite = overwrite;
    request.modality = DicomModality::MR;
    request.study = study_for_output(study_options, input.study);
    request.uid_root = study_options.uid_root;
    request.image = torch::stack(images).abs().to(torch::kCPU);
    if (!std_maps.empty()) request.uncertainty = torch::stack(std_maps).to(torch::kCPU);
    if (input.geometry) {
      request.geometry = *input.geometry;
    } else {
      for (size_t a = 0; a < input.spacing.size() && a < 3; ++a) request.geometry.spacing[a] = input.spacing[a];
      request.geometry.slice_thickness_mm = request.geometry.spacing[2];
    }
    auto& record = request.record;
    record.command = "mri";
    record.method = method;
    record.inputs = {kspace_path};
    if (posterior) {
      const auto& r = last_run->reconstruction;
      record.parameters = r.parameters;
      record.prior_id = last_run->card.name;
      record.prior_sha256 = last_run->card.sha256;
      record.seed = posterior_options->seed;
      record.nfe = r.sampling.nfe;
      record.metrics.emplace_back("peak_memory_mib", static_cast<double>(r.sampling.peak_memory_bytes) / (1024.0 * 1024.0));
    } else if (!rss) {
      record.parameters = {{"lambda", c10::str(options.lambda)}, {"iters", std::to_string(options.iterations)}};
      if (options.method == mri::ReconstructionMethod::L1Wavelet) {
        record.parameters.emplace_back("wavelet", options.wavelet);
        record.parameters.emplace_back("random_shifts", options.random_shifts ? "yes" : "no");
        record.seed = options.seed;
      }
      record.parameters.emplace_back("coil_maps", sens_path ? *sens_path : low_resolution_maps ? "low-resolution" : "espirit");
    }
    record.timings_s = {{"reconstruction", seconds}};
    if (reference_path) {
      for (auto& metric : compare_with_reference(request.image, *reference_path)) record.metrics.push_back(metric);
      record.inputs.push_back(*reference_path);
    }
    deliver(write_study_output(request), study_options);
    return 0;
  }
#endif
  // Metrics against --reference first: a reference that cannot be read stops before any output.
  std::vector<std::pair<std::string, double>> metrics;
  std::vector<std::string> inputs{kspace_path};
#ifdef DIFFRECON_HAS_STUDY_OUTPUT
  if (posterior && reference_path) {
    metrics = compare_with_reference(torch::stack(images).abs().to(torch::kCPU), *reference_path);
    inputs.push_back(*reference_path);
  }
#endif
  write_output(out, torch::stack(images), input.batch_dims, input.spacing, overwrite);
  if (posterior) {
    std::vector<std::string> written{out};
    if (!std_maps.empty()) {
      write_output(std_map_path(out).string(), torch::stack(std_maps).to(torch::kComplexFloat), input.batch_dims,
                   input.spacing, overwrite);
      written.push_back(std_map_path(out).string());
    }
    write_posterior_report(report_path(out), "mri", *last_run, inputs, written, metrics, overwrite == Overwrite::Allow);
  }
  std::fprintf(stderr, "%s: %.3f s, wrote %s\n", method, seconds, out.c_str());
  return 0;
}

int run_mask(CommandLine& line) {
  const auto type = require(line, "--type", "mri mask");
  const auto size = require(line, "--size", "mri mask");
  const auto out = require(line, "--out", "mri mask");
  const double acceleration = take_double(line, "--acceleration").value_or(4.0);
  const auto acs = line.take_int_option("--acs", 0).value_or(24);
  const auto seed = line.take_int_option("--seed", 0).value_or(0);
  const auto overwrite = line.take_flag("--force") ? Overwrite::Allow : Overwrite::Refuse;
  line.expect_consumed("mri mask");
  const auto x = size.find('x');
  int64_t height = 0, width = 0;
  try {
    if (x == std::string::npos) throw std::invalid_argument("no x");
    size_t used_height = 0, used_width = 0;
    height = std::stoll(size.substr(0, x), &used_height);
    width = std::stoll(size.substr(x + 1), &used_width);
    if (used_height != x || used_width != size.size() - x - 1 || height < 1 || width < 1)
      throw std::invalid_argument("not HxW");
  } catch (const std::exception&) {
    throw UsageError("--size expects HxW (e.g. 256x256), got '" + size + "'");
  }
  torch::Tensor mask;
  try {
    if (type == "random") {
      mask = mri::random_line_mask({height, width, acceleration, acs, static_cast<uint64_t>(seed)});
    } else if (type == "equispaced") {
      mask = mri::equispaced_line_mask({height, width, acceleration, acs, 0});
    } else if (type == "poisson") {
      mri::PoissonDiscOptions options;
      options.height = height;
      options.width = width;
      options.acceleration = acceleration;
      options.calibration = acs;
      if (seed) options.seed = static_cast<uint64_t>(seed);
      mask = mri::poisson_disc_mask(options);
    } else {
      throw UsageError("--type expects random, equispaced or poisson, got '" + type + "'");
    }
  } catch (const std::invalid_argument& error) {
    if (dynamic_cast<const UsageError*>(&error)) throw;
    throw UsageError(error.what());
  }
  write_output(out, mask.to(torch::kComplexFloat), single_image(), {1.0, 1.0}, overwrite);
  std::fprintf(stderr, "%s mask %lld x %lld, acceleration %.3f, wrote %s\n", type.c_str(), static_cast<long long>(height),
               static_cast<long long>(width), mri::acceleration_of(mask), out.c_str());
  return 0;
}

int run_espirit(CommandLine& line) {
  take_runtime_options(line);
  const auto kspace_path = require(line, "--kspace", "mri espirit");
  const auto out = require(line, "--out", "mri espirit");
  const auto eigenvalues_path = line.take_option("--eigenvalues");
  const auto options = take_espirit_options(line);
  const auto overwrite = line.take_flag("--force") ? Overwrite::Allow : Overwrite::Refuse;
  auto input = read_kspace(kspace_path, line);
  line.expect_consumed("mri espirit");
  if (!ends_with(out, ".cfl")) throw UsageError("--out " + out + ": coil maps are written as BART .cfl");
  if (input.kspace.size(0) != 1)
    throw UsageError("mri espirit: " + kspace_path + " holds " + std::to_string(input.kspace.size(0)) +
                     " slices; give one slice (bart slice / extract)");
  auto result = mri::espirit(input.kspace[0], options);
  write_cfl(out, mri::coil_array_to_bart(result.sensitivities.to(torch::kCPU)), {{"Creator", {"diffrecon mri espirit"}}},
                overwrite);
  if (eigenvalues_path)
    write_output(*eigenvalues_path, result.eigenvalues.to(torch::kComplexFloat), single_image(), {1.0, 1.0}, overwrite);
  std::fprintf(stderr, "ESPIRiT: calibration %lld x %lld, %lld kernels, wrote %s\n",
               static_cast<long long>(result.calibration.height), static_cast<long long>(result.calibration.width),
               static_cast<long long>(result.kernels), out.c_str());
  return 0;
}

int print_usage() {
  std::fputs(kUsage, stdout);
#ifdef DIFFRECON_HAS_STUDY_OUTPUT
  std::fputs(kStudyOptionsUsage, stdout);
#endif
  return 0;
}

}  // namespace

int run_mri(std::vector<std::string> arguments) {
  if (!arguments.empty() && (arguments[0] == "--help" || arguments[0] == "-h" || arguments[0] == "help"))
    return print_usage();
  std::string sub;
  if (!arguments.empty() && (arguments[0] == "mask" || arguments[0] == "espirit")) {
    sub = arguments[0];
    arguments.erase(arguments.begin());
  }
  CommandLine line(arguments);
  if (line.take_flag("--help")) return print_usage();
  if (sub == "mask") return run_mask(line);
  if (sub == "espirit") return run_espirit(line);
  return run_reconstruction(line);
}

}  // namespace diffrecon::cli
