#include "recon/cli/ct_command.h"

#include "ct/filtered_back_projection.h"
#include "ct/geometry_json.h"
#include "ct/hounsfield.h"
#include "ct/iterative_reconstruction.h"
#include "ct/joseph_projector.h"
#include "ct/photon_noise.h"
#include "ct/photon_statistics.h"
#include "io/cfl.h"
#include "io/image_file.h"
#ifdef DIFFRECON_HAS_STUDY_OUTPUT
#include "io/dicom_series_reader.h"
#include "validation/image_metrics.h"
#endif
#include "recon/cli/command_line.h"
#include "recon/cli/posterior_options.h"
#include "recon/cli/progress_bar.h"
#include "recon/cli/runtime_options.h"
#ifdef DIFFRECON_HAS_STUDY_OUTPUT
#include "recon/cli/study_options.h"
#include "recon/pipeline/study_output.h"
#endif

#include <chrono>
#include <fstream>
#include <sstream>
#include <cstdio>
#include <optional>

namespace diffrecon::cli {
namespace {

constexpr const char* kCtUsage = R"(usage:
  diffrecon ct --sinogram FILE --geometry FILE.json --method fbp|sirt|cgls|tv [--photons I0] --out FILE
  diffrecon ct --sinogram FILE --geometry FILE.json --method dps|mcg|daps|reddiff --prior CARD
               [--preset fast|full] [--samples N] [--seed S] [--param k=v,...] [--photons I0] --out FILE
               [--filter ram-lak|shepp-logan|cosine|hann] [--cutoff X] [--iters N] [--lambda X]
               [--hu] [--mu-water X] [--window-hu LOW,HIGH] [--force]
  diffrecon ct ... --out DIR/ [--slice-mm X] [--reference FILE|DIR] [study folder options below]
               a study folder: CT Image Storage series in Hounsfield units (Rescale Intercept -1024),
               preview.png (soft-tissue window), report.json; slices of a stack --slice-mm apart (default 1)
  diffrecon ct phantom --kind shepp-logan|random [--seed N] [--count N] --geometry FILE.json
               [--supersampling N] [--hu] [--mu-water X] [--window-hu LOW,HIGH] --out FILE [--force]
  diffrecon ct geometry --beam parallel|fan (--views N | --angles-deg A,B,...) [--angular-range-deg X]
               [--start-angle-deg X] [--scan short|full] --detectors N --detector-spacing-mm X
               [--detector-offset-mm X] [--detector-shape flat|curved] [--source-to-isocentre-mm X
               --source-to-detector-mm X] --image-size N [--image-columns N] --pixel-mm X
               [--centre-x-mm X] [--centre-y-mm X] --out FILE.json [--force]
  diffrecon ct project (--image FILE | --phantom shepp-logan|random [--seed N] [--detector-samples N])
               --geometry FILE.json [--photons I0 [--noise-seed N]] --out FILE [--force]
               (--image DICOM_DIR: a CT series, Hounsfield units converted with --mu-water)

Sinograms are detectors x views (the tensor [views, detectors]); images are columns x rows; a third
dimension is a stack of slices, each reconstructed alike (phantom --count N: seeds SEED..SEED+N-1). Files:
.cfl (BART, real part), .nii/.nii.gz/.mha (ITK), .png (output only, a preview: images through the
--window-hu window, default -160,240 (soft tissue), sinograms scaled to their 99.5th percentile).
Images are attenuation in 1/mm unless --hu (Hounsfield units with mu_water, default 0.0192/mm).
Defaults: --filter ram-lak; --cutoff (fraction of the detector Nyquist frequency) min(1, detector
spacing at the isocentre / pixel size), so detail finer than the pixels does not alias; --iters 100 (sirt), 30 (cgls), 300 (tv); --lambda 0.2 (tv, weight of
TV(x) against 1/2 ||A x - y||^2; tv starts from the FBP image). ct project --photons I0 adds
photon-counting noise: -log(Poisson(I0 exp(-p)) / I0), zero counts raised to 0.1. Given to tv or a
posterior method, --photons I0 weights every ray by its photon statistics (noise std 1/sqrt(I0 exp(-p)),
penalised weighted least squares; tv's lambda then weighs TV against 1/2 ||A x - y||^2_W, W = exp(-p)).
)";

// The data term tv and the posterior methods fit: the rays whitened by their photon statistics when
// --photons gave I0 (ct/photon_statistics.h), otherwise one unknown noise level for all of them.
Problem measured_problem(OperatorPtr projector, const torch::Tensor& y, const std::optional<double>& photons) {
  return photons ? ct::photon_weighted_problem(std::move(projector), y, *photons)
                 : Problem(std::move(projector), y, NoiseModel{0.0});
}

bool is_cfl(const std::filesystem::path& path) {
  const auto extension = path.extension().string();
  return extension == ".cfl" || extension == ".hdr";
}

bool is_png(const std::filesystem::path& path) { return path.extension().string() == ".png"; }

// A 2-D array, or a 3-D stack of them (a batch of slices), from a file, as float32 [rows, columns]
// or [slices, rows, columns] ([views, detectors] for sinograms). BART arrays are stored in the
// reverse order (dim 0 fastest), so their dims are reversed. A folder is a DICOM CT series (images
// only): its Hounsfield units become attenuation with `mu_water`.
torch::Tensor read_array(const std::string& path, const std::string& what, double mu_water = ct::kDefaultMuWaterPerMm) {
  torch::Tensor data;
  if (std::filesystem::is_directory(path)) {
#ifdef DIFFRECON_HAS_STUDY_OUTPUT
    DicomVolume volume;
    try {
      volume = read_dicom_series(path);
    } catch (const DicomError& error) {
      throw UsageError(what + ": " + error.what());
    }
    if (volume.modality != "CT")
      throw UsageError(what + " '" + path + "' is a " + volume.modality + " series; expected CT (Hounsfield units)");
    data = ct::hounsfield_to_attenuation(volume.data, mu_water);
    return volume.data.size(0) == 1 ? data[0].contiguous() : data;
#else
    throw UsageError(what + " '" + path + "' is a folder; DICOM input needs a build with DCMTK and ITK");
#endif
  } else if (is_cfl(path)) {
    auto array = read_cfl(path).data;
    for (int64_t d = 3; d < array.dim(); ++d) {
      if (array.size(d) != 1) {
        throw UsageError(what + " '" + path + "' has BART dims beyond the first three; expected a 2-D array or a 3-D stack");
      }
    }
    auto stack = array.reshape({array.size(0), array.size(1), array.size(2)}).permute({2, 1, 0}).contiguous();
    if (torch::imag(stack).abs().max().item<float>() != 0.0f) {
      throw UsageError(what + " '" + path + "' has a non-zero imaginary part; expected real data");
    }
    data = torch::real(stack).contiguous();
    if (data.size(0) == 1) data = data[0];
  } else {
    if (is_png(path)) throw UsageError(what + " '" + path + "': PNG is an output-only preview format");
    data = read_image(path).data;
    if (data.is_complex()) throw UsageError(what + " '" + path + "' holds complex pixels; expected real data");
  }
  if (data.dim() != 2 && data.dim() != 3) {
    throw UsageError(what + " '" + path + "' is " + std::to_string(data.dim()) + "-D; expected a 2-D array or a 3-D stack");
  }
  if (!torch::isfinite(data).all().item<bool>()) throw UsageError(what + " '" + path + "' holds NaN or infinite values");
  return data.to(torch::kFloat32);
}

// A display window for CT image previews, in the image's own units.
struct ValueWindow {
  double low, high;
};

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

// Writes a 2-D array or a 3-D stack; `geometry` (2-D, x then y) places it for ITK formats (a stack
// gets unit spacing between slices). PNG shows a stack as a grid of tiles, through `window` when
// given (CT images: values may be negative, and write_png windows the magnitude) or write_png's
// percentile window otherwise (sinograms).
void write_array(const std::string& path, const torch::Tensor& data, ImageGeometry geometry, Overwrite overwrite,
                 std::optional<ValueWindow> window = std::nullopt) {
  const auto values = data.detach().to(torch::kCPU).to(torch::kFloat32).contiguous();
  if (is_cfl(path)) {
    const auto reversed = values.dim() == 3 ? values.permute({2, 1, 0}) : values.t();
    write_cfl(path, torch::complex(reversed, torch::zeros_like(reversed)).contiguous(),
                  {{"Creator", {"diffrecon ct"}}}, overwrite);
  } else if (is_png(path)) {
    auto shown = values;
    std::optional<DisplayWindow> display;
    if (window) {
      shown = ((values - window->low) / (window->high - window->low)).clamp(0.0, 1.0);
      display = DisplayWindow{0.0, 1.0};
    }
    write_png(path, shown.dim() == 3 ? tile_images(shown, std::min<int64_t>(shown.size(0), 8)) : shown, display,
              overwrite);
  } else {
    if (values.dim() == 3) {
      geometry.spacing.push_back(1.0);
      geometry.origin.push_back(0.0);
      const auto d = geometry.direction;
      geometry.direction = {d[0], d[1], 0.0, d[2], d[3], 0.0, 0.0, 0.0, 1.0};
    }
    write_image(path, values, geometry, overwrite);
  }
}

ImageGeometry image_file_geometry(const ct::ImageGrid& grid) {
  ImageGeometry geometry;
  geometry.spacing = {grid.pixel_size_mm, grid.pixel_size_mm};
  geometry.origin = {grid.x_of_column(0.0), grid.y_of_row(0.0)};
  geometry.direction = {1.0, 0.0, 0.0, -1.0};
  return geometry;
}

ImageGeometry sinogram_file_geometry(const ct::ProjectionGeometry& projection) {
  ImageGeometry geometry = ImageGeometry::identity(2);
  const double spacing = std::visit([](const auto& g) { return g.detector_spacing_mm; }, projection);
  geometry.spacing = {spacing, 1.0};
  return geometry;
}

std::string required(CommandLine& line, const std::string& name, const std::string& what) {
  auto value = line.take_option(name);
  if (!value) throw UsageError("missing " + name + " (" + what + ")\n\n" + kCtUsage);
  return *value;
}

std::optional<double> take_number(CommandLine& line, const std::string& name, double minimum) {
  const auto text = line.take_option(name);
  if (!text) return std::nullopt;
  try {
    size_t used = 0;
    const double value = std::stod(*text, &used);
    if (used == text->size() && value >= minimum) return value;
  } catch (const std::exception&) {
  }
  throw UsageError(name + " expects a number >= " + std::to_string(minimum) + ", got '" + *text + "'");
}

double take_double(CommandLine& line, const std::string& name, double fallback, double minimum) {
  return take_number(line, name, minimum).value_or(fallback);
}

ct::CtGeometry take_geometry(CommandLine& line) {
  return ct::read_geometry_json(required(line, "--geometry", "the geometry JSON file"));
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
  take_runtime_options(line);
  const auto kind = required(line, "--kind", "shepp-logan or random");
  const auto seed = line.take_int_option("--seed", 0).value_or(0);
  const auto count = line.take_int_option("--count", 1);
  const auto geometry = take_geometry(line);
  const int supersampling = line.take_int_option("--supersampling", 1).value_or(4);
  const bool hu = line.take_flag("--hu");
  const double mu_water = take_double(line, "--mu-water", ct::kDefaultMuWaterPerMm, 1e-12);
  const auto window = take_window(line, hu, mu_water);
  const auto out = required(line, "--out", "the output image");
  const auto overwrite = line.take_flag("--force") ? Overwrite::Allow : Overwrite::Refuse;
  line.expect_consumed("ct phantom");
  if (count && kind != "random") throw UsageError("--count applies to --kind random (seeds SEED, SEED+1, ...)");
  std::vector<torch::Tensor> slices;
  for (int k = 0; k < count.value_or(1); ++k) {
    const auto phantom = make_phantom(kind, uint64_t(seed) + uint64_t(k), geometry.image, mu_water);
    slices.push_back(ct::rasterize(phantom, geometry.image, supersampling));
  }
  auto image = count ? torch::stack(slices) : slices.front();
  if (hu) image = ct::attenuation_to_hounsfield(image, mu_water);
  write_array(out, image, image_file_geometry(geometry.image), overwrite, window);
  std::printf("wrote %s: %d %s phantom%s, %lld x %lld pixels of %g mm, %s\n", out.c_str(), count.value_or(1),
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
  const double mu_water = take_double(line, "--mu-water", ct::kDefaultMuWaterPerMm, 1e-12);
  const auto photons = take_number(line, "--photons", 1.0);
  const auto noise_seed = line.take_int_option("--noise-seed", 0);
  const auto geometry = take_geometry(line);
  const auto out = required(line, "--out", "the output sinogram");
  const auto overwrite = line.take_flag("--force") ? Overwrite::Allow : Overwrite::Refuse;
  line.expect_consumed("ct project");
  if (image_path.has_value() == phantom_kind.has_value()) {
    throw UsageError("ct project needs exactly one of --image FILE (Joseph projection) or --phantom KIND (exact line integrals)");
  }
  torch::Tensor sinogram;
  if (image_path) {
    const auto image = read_array(*image_path, "image", mu_water);
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
  write_array(out, sinogram, sinogram_file_geometry(geometry.projection), overwrite);
  std::printf("wrote %s: %s sinogram (%s)%s\n", out.c_str(), image_path ? "projected" : "exact",
              ct::describe(geometry.projection).c_str(),
              photons ? (", photon noise at " + std::to_string(*photons) + " photons per element").c_str() : "");
  return 0;
}

// Writes a geometry file from options: the same keys as the file, checked by the file's own parser.
int run_geometry(CommandLine& line) {
  std::ostringstream json;
  json.precision(15);  // what a person types round-trips; 17 digits would print 0.6 as 0.59999999999999998
  auto number = [&](const std::string& option, double minimum) -> std::optional<double> {
    return take_number(line, option, minimum);
  };
  const auto beam = required(line, "--beam", "parallel or fan");
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
  const auto out = required(line, "--out", "the geometry file to write");
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
  std::printf("wrote %s: %s, image %lld x %lld pixels of %g mm\n", out.c_str(), ct::describe(geometry.projection).c_str(),
              (long long)geometry.image.columns, (long long)geometry.image.rows, geometry.image.pixel_size_mm);
  return 0;
}

#ifdef DIFFRECON_HAS_STUDY_OUTPUT
// The reference is in HU (e.g. ct phantom --hu), an image file or a DICOM folder; compared as given.
torch::Tensor read_reference_hu(const std::string& path, c10::IntArrayRef shape) {
  torch::Tensor reference;
  try {
    reference = std::filesystem::is_directory(path) ? read_dicom_series(path).data : read_image(path).data;
  } catch (const std::exception& error) {
    throw UsageError(std::string("--reference: ") + error.what());
  }
  if (reference.numel() != c10::multiply_integers(shape))
    throw UsageError("--reference " + path + " has shape " + c10::str(reference.sizes()) +
                     " but the reconstruction has " + c10::str(shape));
  return reference.reshape(shape).to(torch::kFloat64);
}

std::vector<std::pair<std::string, double>> hounsfield_metrics(const torch::Tensor& x, const torch::Tensor& r) {
  return {{"psnr_db", psnr(x, r)}, {"ssim", ssim(x, r)}, {"nrmse", nrmse(x, r)}};
}
#endif

int run_reconstruct(CommandLine& line) {
  const auto runtime = take_runtime_options(line);
  const auto sinogram_path = required(line, "--sinogram", "the measured sinogram");
  const auto geometry = take_geometry(line);
  const auto method = required(line, "--method", "fbp, sirt, cgls, tv, dps, mcg, daps or reddiff");
  const bool posterior = is_posterior_method(method);
  std::optional<PosteriorOptions> posterior_options;
  std::optional<double> photons;
  if (posterior) {
    posterior_options = take_posterior_options(line, method);
    // MCG's data step on the measured views is the normalised ART step of the official CT code.
    posterior_options->recipe.projection = ProjectionPreconditioner::ColumnSums;
  }
  if (posterior || method == "tv") photons = take_number(line, "--photons", 0.0);
  const auto filter_name = line.take_option("--filter");
  const auto cutoff = take_number(line, "--cutoff", 0.0);
  const auto iterations = line.take_int_option("--iters", 1);
  const auto lambda = take_number(line, "--lambda", 0.0);
  const bool hu = line.take_flag("--hu");
  const double mu_water = take_double(line, "--mu-water", ct::kDefaultMuWaterPerMm, 1e-12);
  const auto window = take_window(line, hu, mu_water);
  const auto out = required(line, "--out", "the output image");
  const auto overwrite = line.take_flag("--force") ? Overwrite::Allow : Overwrite::Refuse;
#ifdef DIFFRECON_HAS_STUDY_OUTPUT
  const auto study_options = take_study_options(line);
  const auto reference_path = line.take_option("--reference");
  const auto slice_mm = take_number(line, "--slice-mm", 1e-6);
  const bool to_folder = is_study_folder(out);
  if (!to_folder && (study_options.send || study_options.patient_from || (reference_path && !posterior) || slice_mm))
    throw UsageError("--send, --patient-from, --reference and --slice-mm apply to a study folder output (--out DIR/), not '" +
                     out + "'");
#endif
  line.expect_consumed("ct");
  if (method != "fbp" && method != "sirt" && method != "cgls" && method != "tv" && !posterior) {
    throw UsageError("--method expects fbp, sirt, cgls, tv, dps, mcg, daps or reddiff, got '" + method + "'");
  }
  if (filter_name && method != "fbp" && method != "tv") throw UsageError("--filter applies to fbp (and tv's start) only");
  if (iterations && (method == "fbp" || posterior)) throw UsageError("--iters applies to sirt, cgls and tv");
  if (cutoff && method != "fbp" && method != "tv") throw UsageError("--cutoff applies to fbp (and tv's start) only");
  if (cutoff && *cutoff > 1.0) throw UsageError("--cutoff expects a fraction of the detector Nyquist frequency in (0, 1], got " +
                                                std::to_string(*cutoff));
  if (lambda && method != "tv") throw UsageError("--lambda applies to tv only");
  ct::FilteredBackProjectionOptions fbp_options;
  fbp_options.frequency_cutoff = cutoff.value_or(0.0);
  try {
    if (filter_name) fbp_options.filter = ct::parse_ramp_filter(*filter_name);
  } catch (const std::invalid_argument& error) {
    throw UsageError(std::string("--filter: ") + error.what());
  }
  // Refuse an existing output before the work, not after.
  if (std::filesystem::exists(out) && overwrite == Overwrite::Refuse) {
    throw UsageError("output '" + out + "' exists; pass --force to overwrite it");
  }
  bool posterior_files = posterior;
#ifdef DIFFRECON_HAS_STUDY_OUTPUT
  posterior_files = posterior && !to_folder;
#endif
  if (posterior_files)
    refuse_existing_posterior_outputs(out, posterior_options->samples, overwrite == Overwrite::Allow);

  const auto sinogram = read_array(sinogram_path, "sinogram");
  ct::check_sinogram_shape(sinogram, geometry.projection, "sinogram '" + sinogram_path + "'");
  const auto start = std::chrono::steady_clock::now();
  torch::Tensor image, std_map;
  std::string detail;
  std::optional<PosteriorRun> run;
  if (posterior) {
    // FBP starts nothing here (the prior's normalisation is fixed).
    const auto projector = ct::make_projector(geometry.projection, geometry.image);
    auto estimate = ct::filtered_back_projection(sinogram, geometry.projection, geometry.image, fbp_options).to(runtime.device);
    run = run_posterior(measured_problem(projector, sinogram.to(runtime.device), photons), estimate, *posterior_options,
                        runtime.device, "ct " + method);
    image = run->reconstruction.sampling.mean;
    std_map = run->reconstruction.sampling.std;
    detail = std::to_string(posterior_options->samples) + " samples, NFE " + std::to_string(run->reconstruction.sampling.nfe);
  } else if (method == "fbp") {
    image = ct::filtered_back_projection(sinogram, geometry.projection, geometry.image, fbp_options);
    detail = std::string("filter ") + ct::ramp_filter_name(fbp_options.filter) + ", cutoff " +
             std::to_string(ct::resolved_frequency_cutoff(fbp_options, geometry.projection, geometry.image));
  } else {
    const auto projector = ct::make_projector(geometry.projection, geometry.image);
    const auto y = sinogram.to(runtime.device);
    const int total = iterations.value_or(method == "sirt" ? 100 : method == "cgls" ? 30 : 300);
    ProgressBar progress("ct " + method, total);
    const IterationCallback report = [&](const IterationReport& step) {
      char status[64];
      std::snprintf(status, sizeof status, "residual %.3g", step.residual);
      progress.update(step.iteration, status);
      return true;
    };
    SolverResult result;
    if (method == "sirt") {
      ct::SirtOptions options;
      options.iterations = total;
      options.callback = report;
      result = ct::sirt(*projector, y, options);
    } else if (method == "cgls") {
      result = ct::cgls(*projector, y, {total, report});
    } else {
      ct::TvReconstructionOptions options;
      options.iterations = total;
      options.callback = report;
      options.lambda = lambda.value_or(0.2);
      options.initial = ct::filtered_back_projection(sinogram, geometry.projection, geometry.image, fbp_options)
                            .clamp_min(0.0).to(runtime.device);
      const auto data = measured_problem(projector, y, photons);
      result = ct::tv_reconstruction(data.op(), data.measurement(), options);
      detail = "lambda " + std::to_string(options.lambda) + (photons ? ", photon-weighted, " : ", ");
    }
    image = result.x;
    detail += std::to_string(result.iterations) + " iterations";
    progress.finish(detail);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
#ifdef DIFFRECON_HAS_STUDY_OUTPUT
  if (to_folder) {
    // DICOM holds Hounsfield units whatever --hu says. The grid's y axis points up (anterior), DICOM's
    // patient y posterior: row i of the image lies at LPS y = -y_of_row(i).
    StudyOutputRequest request;
    request.folder = std::filesystem::path(out).filename().empty() ? std::filesystem::path(out).parent_path()
                                                                   : std::filesystem::path(out);
    request.overwrite = overwrite;
    request.modality = DicomModality::CT;
    request.study = study_for_output(study_options, DicomStudy{});
    request.uid_root = study_options.uid_root;
    request.image = ct::attenuation_to_hounsfield(image, mu_water).to(torch::kCPU);
    if (std_map.defined()) request.uncertainty = (std_map * (1000.0 / mu_water)).to(torch::kCPU);  // HU
    const auto& grid = geometry.image;
    request.geometry.spacing = {grid.pixel_size_mm, grid.pixel_size_mm, slice_mm.value_or(1.0)};
    request.geometry.slice_thickness_mm = request.geometry.spacing[2];
    request.geometry.origin = {grid.x_of_column(0.0), -grid.y_of_row(0.0), 0.0};
    auto& record = request.record;
    record.command = "ct";
    record.method = method;
    record.inputs = {sinogram_path};
    record.parameters = {{"detail", detail}, {"geometry", ct::describe(geometry.projection)},
                         {"mu_water_per_mm", c10::str(mu_water)}};
    if (run) {
      const auto& r = run->reconstruction;
      record.parameters.insert(record.parameters.end(), r.parameters.begin(), r.parameters.end());
      record.prior_id = run->card.name;
      record.prior_sha256 = run->card.sha256;
      record.seed = posterior_options->seed;
      record.nfe = r.sampling.nfe;
      record.metrics.emplace_back("peak_memory_mib", static_cast<double>(r.sampling.peak_memory_bytes) / (1024.0 * 1024.0));
    }
    record.timings_s = {{"reconstruction", seconds}};
    if (reference_path) {
      const auto x = request.image.to(torch::kFloat64);
      for (auto metric : hounsfield_metrics(x, read_reference_hu(*reference_path, x.sizes()))) record.metrics.push_back(metric);
      record.inputs.push_back(*reference_path);
    }
    deliver(write_study_output(request), study_options);
    return 0;
  }
#endif
  std::vector<std::pair<std::string, double>> metrics;
  std::vector<std::string> inputs{sinogram_path};
#ifdef DIFFRECON_HAS_STUDY_OUTPUT
  if (posterior && reference_path) {
    // Compared in HU as `ct phantom --hu` writes references; a reference that cannot be read stops
    // before any output is written.
    metrics = hounsfield_metrics(ct::attenuation_to_hounsfield(image, mu_water).to(torch::kCPU).to(torch::kFloat64),
                                 read_reference_hu(*reference_path, image.sizes()));
    inputs.push_back(*reference_path);
  }
#endif
  if (hu) {
    image = ct::attenuation_to_hounsfield(image, mu_water);
    if (std_map.defined()) std_map = std_map * (1000.0 / mu_water);
  }
  write_array(out, image, image_file_geometry(geometry.image), overwrite, window);
  if (posterior) {
    std::vector<std::string> written{out};
    if (std_map.defined()) {
      write_array(std_map_path(out).string(), std_map, image_file_geometry(geometry.image), overwrite, std::nullopt);
      written.push_back(std_map_path(out).string());
    }
    write_posterior_report(report_path(out), "ct", *run, inputs, written, metrics, overwrite == Overwrite::Allow);
  }
  std::printf("wrote %s: %s (%s) from %s, %.2f s, %s\n", out.c_str(), method.c_str(), detail.c_str(),
              ct::describe(geometry.projection).c_str(), seconds, hu ? "Hounsfield units" : "attenuation in 1/mm");
  return 0;
}

}  // namespace

int run_ct(const std::vector<std::string>& arguments) {
  if (!arguments.empty() &&
      (arguments.front() == "phantom" || arguments.front() == "project" || arguments.front() == "geometry")) {
    CommandLine line({arguments.begin() + 1, arguments.end()});
    if (line.take_flag("--help")) return std::fputs(kCtUsage, stdout), 0;
    if (arguments.front() == "geometry") return run_geometry(line);
    return arguments.front() == "phantom" ? run_phantom(line) : run_project(line);
  }
  CommandLine line(arguments);
  if (line.take_flag("--help")) {
    std::fputs(kCtUsage, stdout);
#ifdef DIFFRECON_HAS_STUDY_OUTPUT
    std::fputs(kStudyOptionsUsage, stdout);
#endif
    return 0;
  }
  return run_reconstruct(line);
}

}  // namespace diffrecon::cli
