#include "recon/cli/ct_command.h"

#include "ct/ellipse_phantom.h"
#include "ct/geometry_json.h"
#include "ct/hounsfield.h"
#include "ct/joseph_projector.h"
#include "ct/patient_placement.h"
#include "ct/photon_noise.h"
#include "recon/cli/command_line.h"
#include "recon/cli/posterior_options.h"
#include "recon/cli/progress_bar.h"
#include "recon/cli/runtime_options.h"
#include "recon/pipeline/ct_files.h"
#include "recon/pipeline/ct_job.h"
#include "recon/pipeline/file_output.h"
#include "recon/pipeline/reference_metrics.h"
#include "recon/pipeline/report.h"
#include "recon/pipeline/training_phantoms.h"
#include "samplers/sampler_presets.h"
#ifdef DIFFRECON_HAS_STUDY_OUTPUT
#include "recon/cli/study_options.h"
#include "recon/pipeline/study_job.h"
#endif

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

namespace diffrecon::cli {
namespace {

namespace fs = std::filesystem;

const char* const kFormats =
    "Sinograms are detectors x views (the tensor [views, detectors]); images are columns x rows; a third\n"
    "dimension is a stack of slices, each reconstructed alike (phantom --count N: seeds SEED..SEED+N-1). Files:\n"
    ".cfl (BART, real part), .nii/.nii.gz/.mha (ITK, placed in patient space as DICOM output is: docs/ct.md),\n"
    ".png (output only, a preview: images through the --window-hu window, default -160,240 (soft tissue),\n"
    "sinograms scaled to their 99.5th percentile). Images are attenuation in 1/mm unless --hu (Hounsfield\n"
    "units with mu_water, default 0.0192/mm).";

OptionGroup image_unit_options() {
  return {"image units",
          {{"--hu", "", "write Hounsfield units (default: attenuation in 1/mm)"},
           {"--mu-water", "X", "attenuation of water in 1/mm for HU (default 0.0192)"},
           {"--window-hu", "LOW,HIGH", "PNG window in HU (default -160,240, soft tissue)"},
           {"--force", "", "overwrite existing outputs"}}};
}

const CommandSpec& reconstruction_spec() {
  static const CommandSpec spec = [] {
    CommandSpec s;
    s.name = "ct";
    s.synopsis = {"ct --sinogram FILE --geometry FILE.json --method fbp|sirt|cgls|tv [--photons I0] --out FILE|DIR/",
                  "ct --sinogram FILE --geometry FILE.json --method SAMPLER --prior CARD [--photons I0]\n"
                  "               [--preset fast|full] [--samples N] [--seed S] [--param k=v,...] --out FILE|DIR/",
                  "ct phantom|project|geometry ...   (diffrecon ct phantom --help, ...)"};
    s.description = kFormats;
    s.groups = {{"reconstruction",
                 {{"--sinogram", "FILE", "the measured line integrals (required)"},
                  {"--geometry", "FILE.json", "the scan and image grid (required; diffrecon ct geometry writes one)"},
                  {"--method", "NAME", "fbp, sirt, cgls, tv, or a posterior method: " + sampler_method_names() + " (required)"},
                  {"--out", "FILE|DIR/", "an image file, or a study folder (CT series in HU, preview, report)"},
                  {"--filter", "NAME", "fbp (and tv's start): ram-lak (default), shepp-logan, cosine, hann"},
                  {"--cutoff", "X", "fbp: fraction of the detector Nyquist frequency kept, in (0, 1]; default\n"
                                    "min(1, detector spacing at the isocentre / pixel size)"},
                  {"--iters", "N", "sirt (default 100), cgls (30), tv (300)"},
                  {"--lambda", "X", "tv: weight of TV(x) against 1/2 ||A x - y||^2 (default 0.2; starts from FBP)"},
                  {"--photons", "I0", "tv and posterior: weight every ray by its photon statistics (noise std\n"
                                      "1/sqrt(I0 exp(-p)), penalised weighted least squares)"},
                  {"--reference", "FILE|DIR", "the expected image in HU: PSNR/SSIM/NRMSE go into the report"},
                  {"--slice-mm", "X", "study folders: slices of a stack X mm apart (default 1)"}}},
                image_unit_options(),
                posterior_option_group()};
#ifdef DIFFRECON_HAS_STUDY_OUTPUT
    s.groups.push_back(study_option_group());
#endif
    s.groups.push_back(runtime_option_group());
    return s;
  }();
  return spec;
}

const CommandSpec& phantom_spec() {
  static const CommandSpec spec = [] {
    CommandSpec s;
    s.name = "ct phantom";
    s.synopsis = {"ct phantom --kind shepp-logan|random|body|head [--seed N] [--count N] --geometry FILE.json\n"
                  "               [--supersampling N] [--hu] [--mu-water X] [--window-hu LOW,HIGH] --out FILE [--force]"};
    s.description = kFormats;
    s.groups = {{"phantom",
                 {{"--kind", "NAME",
                   "shepp-logan (modified), random (ellipses with lesions), body (a random thorax\n"
                   "or abdomen) or head (a random slice of the MRI head atlas as CT) (required)"},
                  {"--seed", "N", "the random phantom (default 0)"},
                  {"--count", "N", "a stack of N random phantoms, seeds N..N+count-1"},
                  {"--head-atlas", "T1,BRAIN", "the head atlas: a T1 head and its brain-extracted copy\n"
                   "(default mricron's ch2.nii.gz,ch2bet.nii.gz)"},
                  {"--geometry", "FILE.json", "its image grid (required)"},
                  {"--supersampling", "N", "samples per pixel side when rasterising (default 4)"},
                  {"--out", "FILE", "the image (required)"}}},
                image_unit_options(), runtime_option_group()};
    return s;
  }();
  return spec;
}

const CommandSpec& project_spec() {
  static const CommandSpec spec = [] {
    CommandSpec s;
    s.name = "ct project";
    s.synopsis = {"ct project (--image FILE | --phantom shepp-logan|random [--seed N] [--detector-samples N])\n"
                  "               --geometry FILE.json [--photons I0 [--noise-seed N]] --out FILE [--force]"};
    s.description = std::string(kFormats) +
                    "\n--image DICOM_DIR: a CT series, Hounsfield units converted with --mu-water. --photons I0 adds\n"
                    "photon-counting noise: -log(Poisson(I0 exp(-p)) / I0), zero counts raised to 0.1.";
    s.groups = {{"projection",
                 {{"--image", "FILE", "project an image with the Joseph projector"},
                  {"--phantom", "NAME", "exact line integrals of a phantom (shepp-logan, random)"},
                  {"--seed", "N", "the random phantom (default 0)"},
                  {"--detector-samples", "N", "exact integrals averaged over N points per detector (default 1)"},
                  {"--geometry", "FILE.json", "the scan (required)"},
                  {"--photons", "I0", "add photon-counting noise for I0 incident photons per element"},
                  {"--noise-seed", "N", "the noise (default 0)"},
                  {"--mu-water", "X", "attenuation of water in 1/mm, for DICOM input in HU (default 0.0192)"},
                  {"--out", "FILE", "the sinogram (required)"},
                  {"--force", "", "overwrite an existing output"}}},
                runtime_option_group()};
    return s;
  }();
  return spec;
}

const CommandSpec& geometry_spec() {
  static const CommandSpec spec = [] {
    CommandSpec s;
    s.name = "ct geometry";
    s.synopsis = {"ct geometry --beam parallel|fan (--views N | --angles-deg A,B,...) --detectors N\n"
                  "               --detector-spacing-mm X --image-size N --pixel-mm X --out FILE.json [options]"};
    s.description = "Writes a geometry file: the options are the file's keys with dashes (docs/ct.md).";
    s.groups = {{"geometry",
                 {{"--beam", "parallel|fan", "(required)"},
                  {"--views", "N", "equally spaced views"},
                  {"--angles-deg", "A,B,...", "or the view angles"},
                  {"--angular-range-deg", "X", "parallel: 180 (default) or 360"},
                  {"--start-angle-deg", "X", "the first view's angle (default 0)"},
                  {"--scan", "short|full", "fan: a short scan (180 degrees + fan) or a full one"},
                  {"--source-to-isocentre-mm", "X", "fan (required for fan)"},
                  {"--source-to-detector-mm", "X", "fan (required for fan)"},
                  {"--detectors", "N", "detector elements (required)"},
                  {"--detector-spacing-mm", "X", "(required)"},
                  {"--detector-offset-mm", "X", "shift of the detector centre (default 0)"},
                  {"--detector-shape", "flat|curved", "fan (default flat)"},
                  {"--image-size", "N", "image rows, and columns unless --image-columns (required)"},
                  {"--image-columns", "N", "image columns"},
                  {"--pixel-mm", "X", "pixel size (required)"},
                  {"--centre-x-mm", "X", "image centre (default 0)"},
                  {"--centre-y-mm", "X", "image centre (default 0)"},
                  {"--out", "FILE.json", "(required)"},
                  {"--force", "", "overwrite an existing file"},
                  {"--help", "", "this text"}}}};
    return s;
  }();
  return spec;
}

std::string required(CommandLine& line, const std::string& name, const std::string& what, const std::string& command) {
  auto value = line.take_option(name);
  if (!value) throw UsageError("missing " + name + " (" + what + "; see diffrecon " + command + " --help)");
  return *value;
}

// The geometry, refused before anything is allocated when its image and sinogram would not fit the
// memory limit: 4-byte pixels and samples, about 8 working copies of each (an iterative method's
// image, gradient and residuals), and 32 bytes per ray.
ct::CtGeometry take_geometry(CommandLine& line, const std::string& command, const MemoryBudget& memory) {
  const auto path = required(line, "--geometry", "the geometry JSON file", command);
  auto geometry = ct::read_geometry_json(path);
  const double pixels = double(geometry.image.rows) * double(geometry.image.columns);
  const double samples = double(ct::view_count(geometry.projection)) * double(ct::detector_count(geometry.projection));
  memory.require(4.0 * 8.0 * (pixels + samples) + 32.0 * samples,
                 "geometry '" + path + "' (" + std::to_string(geometry.image.rows) + " x " +
                     std::to_string(geometry.image.columns) + " image, " + ct::describe(geometry.projection) + ")");
  return geometry;
}

// The window given as "LOW,HIGH" in HU (default soft tissue, W400 L40: -160,240), in the units the
// image is written in.
ValueWindow take_window(CommandLine& line, bool hounsfield, double mu_water) {
  double low = -160.0, high = 240.0;
  if (const auto text = line.take_option("--window-hu")) {
    const auto comma = text->find(',');
    bool ok = comma != std::string::npos;
    try {
      size_t used_low = 0, used_high = 0;
      if (ok) {
        low = std::stod(text->substr(0, comma), &used_low);
        high = std::stod(text->substr(comma + 1), &used_high);
        ok = used_low == comma && used_high == text->size() - comma - 1 && high > low;
      }
    } catch (const std::exception&) {
      ok = false;
    }
    if (!ok) throw UsageError("--window-hu expects LOW,HIGH in Hounsfield units with LOW < HIGH, got '" + *text + "'");
  }
  if (hounsfield) return {low, high};
  return {mu_water * (1.0 + low / 1000.0), mu_water * (1.0 + high / 1000.0)};
}


// --head-atlas T1,BRAIN: the two files, or nullopt when not given.
std::optional<HeadAtlasFiles> take_head_atlas(CommandLine& line) {
  const auto text = line.take_option("--head-atlas");
  if (!text) return std::nullopt;
  try {
    return HeadAtlasFiles::parse(*text);
  } catch (const InputError& e) {
    throw UsageError(e.what());
  }
}

ct::EllipsePhantom make_phantom(const std::string& kind, uint64_t seed, const ct::ImageGrid& grid, double mu_water) {
  const double field_of_view = std::min(grid.width_mm(), grid.height_mm());
  if (kind == "shepp-logan") return ct::modified_shepp_logan(0.5 * field_of_view, mu_water / 0.2);  // brain = water
  if (kind == "random") {
    ct::RandomEllipseOptions options;
    options.field_of_view_mm = field_of_view;
    options.mu_water_per_mm = mu_water;
    options.lesion_radius_mm_max = std::min(options.lesion_radius_mm_max, 0.09 * field_of_view);
    options.lesion_radius_mm_min = std::min(options.lesion_radius_mm_min, options.lesion_radius_mm_max);
    return ct::random_ellipse_phantom(seed, options);
  }
  throw UsageError("--kind/--phantom expects shepp-logan or random, got '" + kind + "'");
}

int run_phantom(CommandLine& line) {
  const auto runtime = take_runtime_options(line);
  const auto kind = required(line, "--kind", "shepp-logan, random, body or head", "ct phantom");
  const auto seed = line.take_int_option("--seed", 0).value_or(0);
  const auto count = line.take_int_option("--count", 1);
  const auto atlas_files = take_head_atlas(line);
  const auto geometry = take_geometry(line, "ct phantom", runtime.memory);
  const int supersampling = line.take_int_option("--supersampling", 1).value_or(4);
  const bool hu = line.take_flag("--hu");
  const double mu_water = line.take_double_option("--mu-water", 0.0, true).value_or(ct::kDefaultMuWaterPerMm);
  const auto window = take_window(line, hu, mu_water);
  const auto out = required(line, "--out", "the output image", "ct phantom");
  const auto overwrite = line.take_flag("--force") ? Overwrite::Allow : Overwrite::Refuse;
  line.expect_consumed("ct phantom");
  const bool anatomical = kind == "body" || kind == "head";
  if (!anatomical && kind != "shepp-logan" && kind != "random")
    throw UsageError("--kind expects shepp-logan, random, body or head, got '" + kind + "'");
  if (count && kind == "shepp-logan") throw UsageError("--count applies to the random kinds (seeds SEED, SEED+1, ...)");
  if (atlas_files && kind != "head") throw UsageError("--head-atlas applies to --kind head");
  const auto atlas = kind == "head" ? load_head_atlas(atlas_files.value_or(HeadAtlasFiles{})) : nullptr;
  std::vector<torch::Tensor> slices;
  for (int k = 0; k < count.value_or(1); ++k) {
    if (anatomical) {
      const auto image_hu = phantom_hounsfield(kind, uint64_t(seed) + uint64_t(k), geometry.image, atlas.get(), {},
                                               supersampling);
      slices.push_back(hu ? image_hu : ct::hounsfield_to_attenuation(image_hu, mu_water));
      continue;
    }
    const auto phantom = make_phantom(kind, uint64_t(seed) + uint64_t(k), geometry.image, mu_water);
    slices.push_back(ct::rasterize(phantom, geometry.image, supersampling));
    if (hu) slices.back() = ct::attenuation_to_hounsfield(slices.back(), mu_water);
  }
  auto image = count ? torch::stack(slices) : slices.front();
  write_ct_array(out, image, ct_image_file_geometry(geometry.image), overwrite, window);
  std::fprintf(stderr, "wrote %s: %d %s phantom%s, %lld x %lld pixels of %g mm, %s\n", out.c_str(), count.value_or(1),
              kind.c_str(), count.value_or(1) > 1 ? "s" : "", (long long)geometry.image.columns,
              (long long)geometry.image.rows, geometry.image.pixel_size_mm, hu ? "Hounsfield units" : "attenuation in 1/mm");
  return 0;
}

int run_project(CommandLine& line) {
  const auto runtime = take_runtime_options(line);
  const auto image_path = line.take_option("--image");
  const auto phantom_kind = line.take_option("--phantom");
  const auto seed = line.take_int_option("--seed", 0).value_or(0);
  const int detector_samples = line.take_int_option("--detector-samples", 1).value_or(1);
  const double mu_water = line.take_double_option("--mu-water", 0.0, true).value_or(ct::kDefaultMuWaterPerMm);
  const auto photons = line.take_double_option("--photons", 1.0);
  const auto noise_seed = line.take_int_option("--noise-seed", 0);
  const auto geometry = take_geometry(line, "ct project", runtime.memory);
  const auto out = required(line, "--out", "the output sinogram", "ct project");
  const auto overwrite = line.take_flag("--force") ? Overwrite::Allow : Overwrite::Refuse;
  line.expect_consumed("ct project");
  if (image_path.has_value() == phantom_kind.has_value()) {
    throw UsageError("ct project needs exactly one of --image FILE (Joseph projection) or --phantom KIND (exact line integrals)");
  }
  torch::Tensor sinogram;
  if (image_path) {
    const auto image = read_ct_array(*image_path, "image", mu_water);
    if (image.size(-2) != geometry.image.rows || image.size(-1) != geometry.image.columns) {
      throw UsageError("image '" + *image_path + "' is " + std::to_string(image.size(-1)) + " x " +
                       std::to_string(image.size(-2)) + " (columns x rows) but the geometry's image is " +
                       std::to_string(geometry.image.columns) + " x " + std::to_string(geometry.image.rows));
    }
    sinogram = ct::make_projector(geometry.projection, geometry.image)->forward(image.to(runtime.device));
  } else {
    sinogram = ct::analytic_sinogram(make_phantom(*phantom_kind, uint64_t(seed), geometry.image, mu_water),
                                     geometry.projection, detector_samples);
  }
  if (noise_seed && !photons) throw UsageError("--noise-seed needs --photons");
  if (photons) sinogram = ct::add_photon_noise(sinogram, *photons, uint64_t(noise_seed.value_or(0)));
  write_ct_array(out, sinogram, sinogram_file_geometry(geometry.projection), overwrite);
  std::fprintf(stderr, "wrote %s: %s sinogram (%s)%s\n", out.c_str(), image_path ? "projected" : "exact",
              ct::describe(geometry.projection).c_str(),
              photons ? (", photon noise at " + std::to_string(*photons) + " photons per element").c_str() : "");
  return 0;
}

// Writes a geometry file from options: the same keys as the file, checked by the file's own parser.
int run_geometry(CommandLine& line) {
  std::ostringstream json;
  json.precision(15);  // what a person types round-trips; 17 digits would print 0.6 as 0.59999999999999998
  auto number = [&](const std::string& option, double minimum) -> std::optional<double> {
    return line.take_double_option(option, minimum);
  };
  const auto beam = required(line, "--beam", "parallel or fan", "ct geometry");
  json << "{\n  \"beam\": \"" << beam << "\"";
  const auto views = line.take_int_option("--views", 1);
  const auto angles = line.take_option("--angles-deg");
  if (views) json << ",\n  \"views\": " << *views;
  if (angles) {
    json << ",\n  \"angles_deg\": [";
    std::stringstream list(*angles);
    std::string item;
    bool first = true;
    while (std::getline(list, item, ',')) {
      try {
        size_t used = 0;
        const double angle = std::stod(item, &used);
        if (used != item.size()) throw std::invalid_argument(item);
        json << (first ? "" : ", ") << angle;
        first = false;
      } catch (const std::exception&) {
        throw UsageError("--angles-deg expects comma-separated numbers, got '" + item + "'");
      }
    }
    json << "]";
  }
  for (const auto& [option, key] : std::vector<std::pair<std::string, std::string>>{
           {"--angular-range-deg", "angular_range_deg"}, {"--start-angle-deg", "start_angle_deg"}}) {
    if (const auto value = number(option, -1e9)) json << ",\n  \"" << key << "\": " << *value;
  }
  if (const auto scan = line.take_option("--scan")) json << ",\n  \"scan\": \"" << *scan << "\"";
  for (const auto& [option, key] : std::vector<std::pair<std::string, std::string>>{
           {"--source-to-isocentre-mm", "source_to_isocentre_mm"}, {"--source-to-detector-mm", "source_to_detector_mm"}}) {
    if (const auto value = number(option, 0.0)) json << ",\n  \"" << key << "\": " << *value;
  }
  const auto detectors = line.take_int_option("--detectors", 1);
  if (!detectors) throw UsageError("missing --detectors (the detector element count)");
  const auto spacing = number("--detector-spacing-mm", 0.0);
  if (!spacing) throw UsageError("missing --detector-spacing-mm");
  json << ",\n  \"detector\": { \"count\": " << *detectors << ", \"spacing_mm\": " << *spacing;
  if (const auto offset = number("--detector-offset-mm", -1e9)) json << ", \"offset_mm\": " << *offset;
  if (const auto shape = line.take_option("--detector-shape")) json << ", \"shape\": \"" << *shape << "\"";
  const auto size = line.take_int_option("--image-size", 1);
  if (!size) throw UsageError("missing --image-size (rows; columns too unless --image-columns)");
  const auto columns = line.take_int_option("--image-columns", 1);
  const auto pixel = number("--pixel-mm", 0.0);
  if (!pixel) throw UsageError("missing --pixel-mm");
  json << " },\n  \"image\": { \"rows\": " << *size << ", \"columns\": " << columns.value_or(*size)
       << ", \"pixel_size_mm\": " << *pixel;
  if (const auto x = number("--centre-x-mm", -1e9)) json << ", \"centre_x_mm\": " << *x;
  if (const auto y = number("--centre-y-mm", -1e9)) json << ", \"centre_y_mm\": " << *y;
  json << " }\n}\n";
  const auto out = required(line, "--out", "the geometry file to write", "ct geometry");
  const auto overwrite = line.take_flag("--force") ? Overwrite::Allow : Overwrite::Refuse;
  line.expect_consumed("ct geometry");
  ct::CtGeometry geometry;
  try {
    geometry = ct::parse_geometry_json(json.str(), "ct geometry");
  } catch (const ct::GeometryFileError& error) {
    throw UsageError(std::string(error.what()) +
                     " (options are the file's keys with dashes, e.g. source_to_isocentre_mm -> --source-to-isocentre-mm)");
  }
  AtomicOutput output(out, overwrite);
  {
    std::ofstream file(output.temporary_path());
    file << json.str();
    if (!file) throw std::runtime_error("cannot write '" + out + "'");
  }
  output.commit();
  std::fprintf(stderr, "wrote %s: %s, image %lld x %lld pixels of %g mm\n", out.c_str(), ct::describe(geometry.projection).c_str(),
              (long long)geometry.image.columns, (long long)geometry.image.rows, geometry.image.pixel_size_mm);
  return 0;
}


CtJob take_ct_job(CommandLine& line, const RuntimeOptions& runtime, const std::string& sinogram_path) {
  CtJob job;
  job.device = runtime.device;
  job.geometry = take_geometry(line, "ct", runtime.memory);
  const auto method = required(line, "--method", "fbp, sirt, cgls, tv or a sampler (" + sampler_method_names() + ")", "ct");
  const auto kind = parse_ct_method(method);
  if (!kind) throw UsageError("--method expects fbp, sirt, cgls, tv or a sampler (" + sampler_method_names() + "), got '" +
                                method + "'");
  job.kind = *kind;
  const bool posterior = job.kind == CtMethodKind::Posterior;
  if (posterior) job.posterior = take_posterior_settings(line, method);
  const auto photons = line.take_double_option("--photons", 0.0, true);
  if (photons && !posterior && job.kind != CtMethodKind::TotalVariation)
    throw UsageError("--photons applies to tv and the posterior methods (the photon-weighted data term)");
  job.photons = photons;
  const auto filter_name = line.take_option("--filter");
  const auto cutoff = line.take_double_option("--cutoff", 0.0, true);
  const auto iterations = line.take_int_option("--iters", 1);
  const auto lambda = line.take_double_option("--lambda", 0.0);
  const bool fbp_start = job.kind == CtMethodKind::FilteredBackProjection || job.kind == CtMethodKind::TotalVariation;
  if (filter_name && !fbp_start) throw UsageError("--filter applies to fbp (and tv's start) only");
  if (cutoff && !fbp_start) throw UsageError("--cutoff applies to fbp (and tv's start) only");
  if (cutoff && *cutoff > 1.0)
    throw UsageError("--cutoff expects a fraction of the detector Nyquist frequency in (0, 1], got " + std::to_string(*cutoff));
  if (iterations && (job.kind == CtMethodKind::FilteredBackProjection || posterior))
    throw UsageError("--iters applies to sirt, cgls and tv");
  if (lambda && job.kind != CtMethodKind::TotalVariation) throw UsageError("--lambda applies to tv only");
  job.fbp.frequency_cutoff = cutoff.value_or(0.0);
  try {
    if (filter_name) job.fbp.filter = ct::parse_ramp_filter(*filter_name);
  } catch (const std::invalid_argument& error) {
    throw UsageError(std::string("--filter: ") + error.what());
  }
  job.iterations = iterations.value_or(0);
  job.lambda = lambda.value_or(0.2);
  job.inputs = {sinogram_path};
  return job;
}


// The image (and std map) as given to --out: HU with --hu, 2-D for a single slice; the report beside.
void write_files(const std::string& out, const CtJob& job, Reconstruction result, bool hu, double mu_water,
                 const ValueWindow& window, Overwrite overwrite) {
  auto image = result.image.size(0) == 1 ? result.image[0] : result.image;
  auto std_map = result.std.defined() ? (result.std.size(0) == 1 ? result.std[0] : result.std) : torch::Tensor();
  if (hu) {
    image = ct::attenuation_to_hounsfield(image, mu_water);
    if (std_map.defined()) std_map = std_map * (1000.0 / mu_water);
  }
  const auto geometry = ct_image_file_geometry(job.geometry.image);
  std::vector<std::string> written{fs::path(out).filename().string()};
  write_ct_array(out, image, geometry, overwrite, window);
  if (std_map.defined()) {
    write_ct_array(std_map_path(out).string(), std_map, geometry, overwrite, std::nullopt);
    written.push_back(std_map_path(out).filename().string());
  }
  write_report(report_path(out), report_json(result.record, written), overwrite);
}

// What `diffrecon ct` was asked for, parsed and its sinogram read: everything but the work.
struct CtRequest {
  CtJob job;
  bool hu = false;
  double mu_water = ct::kDefaultMuWaterPerMm;
  ValueWindow window;
  std::string out;
  Overwrite overwrite = Overwrite::Refuse;
  std::optional<std::string> reference;
  std::optional<double> slice_mm;
  bool to_folder = false;
#ifdef DIFFRECON_HAS_STUDY_OUTPUT
  StudyOptions study;
#endif
};

CtRequest parse_request(CommandLine& line) {
  CtRequest r;
  const auto runtime = take_runtime_options(line);
  const auto sinogram_path = required(line, "--sinogram", "the measured sinogram", "ct");
  r.job = take_ct_job(line, runtime, sinogram_path);
  r.hu = line.take_flag("--hu");
  r.mu_water = line.take_double_option("--mu-water", 0.0, true).value_or(ct::kDefaultMuWaterPerMm);
  r.window = take_window(line, r.hu, r.mu_water);
  r.out = required(line, "--out", "the output image", "ct");
  r.overwrite = line.take_flag("--force") ? Overwrite::Allow : Overwrite::Refuse;
  r.reference = line.take_option("--reference");
  r.slice_mm = line.take_double_option("--slice-mm", 0.0, true);
#ifdef DIFFRECON_HAS_STUDY_OUTPUT
  r.study = take_study_options(line);
  r.to_folder = is_study_folder(r.out);
  if (!r.to_folder && (r.study.send || r.study.patient_from || r.slice_mm))
    throw UsageError("--send, --patient-from and --slice-mm apply to a study folder output (--out DIR/), not '" + r.out + "'");
#else
  if (r.slice_mm) throw UsageError("--slice-mm applies to a study folder output, which this build cannot write");
#endif
  line.expect_consumed("ct");
  r.job.sinogram = read_ct_array(sinogram_path, "sinogram", r.mu_water);
  return r;
}

#ifdef DIFFRECON_HAS_STUDY_OUTPUT
StudyJob study_job_of(CtRequest r) {
  StudyJob study;
  study.settings = {study_for_output(r.study, DicomStudy{}), r.study.uid_root, r.overwrite};
  study.folder = fs::path(r.out).filename().empty() ? fs::path(r.out).parent_path() : fs::path(r.out);
  study.reference = r.reference;
  study.work = CtStudy{std::move(r.job), r.mu_water, r.slice_mm.value_or(1.0)};
  return study;
}
#endif

// Progress bars for the sampler's chains and the iterative solvers' iterations.
struct CtProgress {
  SamplingProgressBars bars;
  std::optional<ProgressBar> iterations;

  JobObserver observer() {
    auto observer = printing_observer(bars);
    observer.iteration = [this](const std::string& label, int64_t done, int64_t total, double residual) {
      if (!iterations) iterations.emplace(label, total);
      char status[48];
      std::snprintf(status, sizeof status, "residual %.3g", residual);
      iterations->update(done, status);
    };
    return observer;
  }
  void finish(const std::string& status) {
    bars.finish();
    if (iterations) iterations->finish(status);
  }
};

int run_reconstruct(CommandLine& line) {
  auto r = parse_request(line);
  const bool with_std = r.job.kind == CtMethodKind::Posterior && r.job.posterior.samples > 1;
  // Before any work; main() reports an OutputExistsError with exit status 2 and how to overwrite.
  refuse_existing_outputs(r.to_folder ? std::vector<fs::path>{r.out} : file_output_paths(r.out, with_std), r.overwrite);
  CtProgress progress;
#ifdef DIFFRECON_HAS_STUDY_OUTPUT
  if (r.to_folder) {
    const auto study_options = r.study;
    const auto output = run_study_job(study_job_of(std::move(r)), progress.observer());
    progress.finish("done");
    deliver(output, study_options);
    return 0;
  }
#endif
  auto result = run_ct_job(r.job, progress.observer());
  const auto detail = result.record.parameters.front().second;
  progress.finish(detail);
  result.record.parameters.emplace_back("mu_water_per_mm", c10::str(r.mu_water));
  if (r.reference)  // in HU, as `ct phantom --hu` writes references
    add_reference_metrics(result.record, ct::attenuation_to_hounsfield(result.image, r.mu_water), *r.reference,
                          ReferenceScale::AsGiven);
  const double seconds = result.record.timings_s.front().second;
  write_files(r.out, r.job, std::move(result), r.hu, r.mu_water, r.window, r.overwrite);
  std::fprintf(stderr, "wrote %s: %s (%s) from %s, %.2f s, %s\n", r.out.c_str(), method_name(r.job).c_str(), detail.c_str(),
              ct::describe(r.job.geometry.projection).c_str(), seconds, r.hu ? "Hounsfield units" : "attenuation in 1/mm");
  return 0;
}

}  // namespace

#ifdef DIFFRECON_HAS_STUDY_OUTPUT
BatchStudyRequest ct_study_request(const std::vector<std::string>& arguments) {
  CommandLine line(arguments, reconstruction_spec());
  return batch_study_request(parse_request(line), study_job_of);
}
#endif

int run_ct(const std::vector<std::string>& arguments) {
  struct Subcommand {
    const char* name;
    const CommandSpec& (*spec)();
    int (*run)(CommandLine&);
  };
  static const Subcommand subcommands[] = {{"phantom", phantom_spec, run_phantom},
                                           {"project", project_spec, run_project},
                                           {"geometry", geometry_spec, run_geometry}};
  const CommandSpec* spec = &reconstruction_spec();
  int (*run)(CommandLine&) = run_reconstruct;
  std::vector<std::string> rest = arguments;
  for (const auto& sub : subcommands) {
    if (!rest.empty() && rest.front() == sub.name) {
      spec = &sub.spec();
      run = sub.run;
      rest.erase(rest.begin());
    }
  }
  return run_command(*spec, rest, run);
}

}  // namespace diffrecon::cli
