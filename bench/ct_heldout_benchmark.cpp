// CT on images no prior trained on (issue 20), side by side in one run: photon-weighted TV at its best
// lambda against the posterior methods of every prior given, on
//   shepp-logan    the modified Shepp-Logan head (brain = water), exact line integrals;
//   ring-head N    heads of a generator no prior sees: a skull ring of two ellipses (bone minus
//                  brain), ventricles and soft-tissue ellipses inside, 1-3 small low-contrast
//                  lesions (seeds N; exact line integrals). Unlike the training families (random
//                  ellipse bodies without a skull, anatomical bodies, atlas heads) its skull is one
//                  smooth ring and its brain has no grey/white texture;
//   blob-body N    bodies of a second held-out generator: every structure a star-shaped blob (polar
//                  radius with random harmonics 2-5 of 10-20 %, where the training shapes are ellipses
//                  or near-ellipses), placed anywhere inside the body rather than anatomically: fat
//                  rim, 0-2 lung-like blobs, 3-6 organs, 1-3 bones, 1-3 small lesions; painted on a
//                  0.5 mm grid and projected there (no inverse crime);
//   body-ellipses N  the random ellipse phantoms of ct/ellipse_phantom.h with seeds < 2^32 (in the
//                  training family of models/ct-body; a control);
//   ct-small       a real CT slice, pydicom's CT_small.dcm (a 85 mm crop around a vertebra, 0.66 mm
//                  pixels), HU -> attenuation inside the inscribed disc, resampled to 0.5 mm and
//                  projected there (twice as fine as the 1 mm reconstruction grid: no inverse crime);
// with 30 or 60 parallel-beam views (367 detectors of 1 mm) or a 60-view fan-beam short scan
// (ct/examples/fan_short_scan_curved.json's scanner), 1e5 incident photons.
// Scores: PSNR and SSIM over the attenuation's range, PSNR inside the body in the soft-tissue window
// (-160..240 HU, where diagnosis happens), seconds, NFE per chain, and the share of body pixels within
// 2 std of the posterior mean.
// Usage: diffrecon_ct_heldout_benchmark [--priors CARD,CARD] [--cases LIST] [--geometries parallel-30,
//          parallel-60,fan-60] [--methods daps] [--presets fast] [--samples 4] [--set M:k=v] [--no-classical]
#include "bench/sampler_rows.h"
#include "bench/timing.h"
#include "ct/ellipse_phantom.h"
#include "ct/fan_beam_geometry.h"
#include "ct/hounsfield.h"
#include "ct/hounsfield_canvas.h"
#include "ct/iterative_reconstruction.h"
#include "ct/joseph_projector.h"
#include "ct/parallel_beam_geometry.h"
#include "ct/photon_noise.h"
#include "ct/portable_random.h"
#include "ct/projection_model.h"
#include "io/image_file.h"
#include "priors/prior_file.h"
#include "validation/image_metrics.h"

#include <ATen/Parallel.h>
#include <ATen/ops/avg_pool2d.h>
#include <ATen/ops/grid_sampler_2d.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

using namespace diffrecon;
using diffrecon::bench::Row;

namespace {

constexpr double kMuWater = ct::kDefaultMuWaterPerMm;
constexpr double kPhotons = 1e5;

struct Settings : bench::SamplerSweep {
  std::vector<std::string> priors{"models/ct-body/model.json"};
  std::vector<std::string> cases{"shepp-logan", "ring-head 1", "blob-body 1", "ct-small"};
  std::vector<std::string> geometries{"parallel-30"};
  bool classical = true;
};

double mu_of_hu(double hu) { return kMuWater * (1.0 + hu / 1000.0); }

// The held-out head family: a skull ring, ventricles, soft-tissue ellipses and lesions.
ct::EllipsePhantom ring_head(uint64_t seed) {
  ct::PortableUniform random(seed * 7919 + 13);
  ct::EllipsePhantom phantom;
  const double a = random.between(70.0, 90.0), b = a * random.between(1.1, 1.3), skull = random.between(5.0, 9.0);
  const double rotation = random.between(-15.0, 15.0);
  const double bone = mu_of_hu(random.between(800.0, 1400.0)), brain = mu_of_hu(random.between(25.0, 45.0));
  phantom.ellipses.push_back({bone, a + skull, b + skull, 0.0, 0.0, rotation});
  phantom.ellipses.push_back({brain - bone, a, b, 0.0, 0.0, rotation});
  const double ventricle = random.between(-35.0, -20.0) * kMuWater / 1000.0;
  for (double side : {-1.0, 1.0}) {
    const double width = random.between(4.0, 9.0), length = random.between(18.0, 30.0);
    phantom.ellipses.push_back({ventricle, width, length, side * random.between(6.0, 12.0), random.between(-5.0, 10.0),
                                side * random.between(5.0, 25.0)});
  }
  const int soft = random.count_between(3, 8);
  for (int k = 0; k < soft; ++k) {
    const double contrast = random.sign() * random.between(5.0, 30.0) * kMuWater / 1000.0;
    const double r = random.between(8.0, 25.0), angle = random.between(0.0, 6.283185307179586);
    const double rho = random.between(0.0, 0.6);
    phantom.ellipses.push_back({contrast, r, r * random.between(0.5, 1.0), rho * a * std::cos(angle),
                                rho * b * std::sin(angle), random.between(0.0, 180.0)});
  }
  const int lesions = random.count_between(1, 3);
  for (int k = 0; k < lesions; ++k) {
    const double contrast = random.sign() * random.between(5.0, 15.0) * kMuWater / 1000.0;
    const double r = random.between(3.0, 8.0), angle = random.between(0.0, 6.283185307179586);
    const double rho = random.between(0.1, 0.7);
    phantom.ellipses.push_back({contrast, r, r, rho * a * std::cos(angle), rho * b * std::sin(angle), 0.0});
  }
  return phantom;
}

struct Case {
  std::string name;
  ct::ImageGrid grid;
  torch::Tensor truth;  // attenuation, 1/mm
  std::function<torch::Tensor(const ct::ProjectionGeometry&)> line_integrals;
};

Case ellipse_case(const std::string& name, ct::EllipsePhantom phantom) {
  const auto grid = ct::ImageGrid::square(256, 1.0);
  return {name, grid, ct::rasterize(phantom, grid, 4),
          [phantom](const ct::ProjectionGeometry& g) { return ct::analytic_sinogram(phantom, g, 4); }};
}

// A fine-grid image (attenuation on a grid of 0.5 mm) as a case on the 1 mm grid of half its pixels:
// the truth is its 2 x 2 average, the line integrals are projected on the fine grid.
Case fine_image_case(const std::string& name, const torch::Tensor& mu_fine, const ct::ImageGrid& fine) {
  const ct::ImageGrid coarse{fine.rows / 2, fine.columns / 2, 2 * fine.pixel_size_mm, fine.centre_x_mm, fine.centre_y_mm};
  const auto truth = at::avg_pool2d(mu_fine.view({1, 1, fine.rows, fine.columns}), 2).squeeze();
  return {name, coarse, truth, [mu_fine, fine](const ct::ProjectionGeometry& g) {
            return ct::make_projector(g, fine)->forward(mu_fine);
          }};
}

Case blob_body(const std::string& name, uint64_t seed) {
  ct::PortableUniform random(seed * 104729 + 7);
  const auto fine = ct::ImageGrid::square(512, 0.5);
  ct::HounsfieldCanvas canvas(fine, 1);
  // Inside the star-shaped blob around (cx, cy) of mean radius r.
  auto blob = [&](double cx, double cy, double r, double lumpiness) {
    double harmonics[4][2];
    for (auto& h : harmonics) h[0] = random.between(0.5, 1.0) * lumpiness, h[1] = random.between(0.0, 6.283185307179586);
    const auto dx = canvas.x_mm() - cx, dy = canvas.y_mm() - cy;
    const auto theta = torch::atan2(dy, dx);
    auto radius = torch::full_like(theta, r);
    for (int k = 0; k < 4; ++k) radius = radius + r * harmonics[k][0] * torch::cos(double(k + 2) * theta + harmonics[k][1]);
    return (dx * dx + dy * dy).sqrt() <= radius;
  };
  const double body_r = random.between(85.0, 105.0);
  const auto body = blob(0.0, 0.0, body_r, 0.08);
  const double fat_hu = random.between(-110.0, -70.0), tissue_hu = random.between(30.0, 55.0);
  canvas.paint(body, fat_hu);
  const double rim = random.between(6.0, 15.0);
  const auto inner = body.logical_and(blob(0.0, 0.0, body_r - rim, 0.08));
  canvas.paint(inner, tissue_hu);
  auto inside_point = [&](double margin) {
    const double angle = random.between(0.0, 6.283185307179586), rho = random.between(0.0, body_r - rim - margin);
    return std::make_pair(rho * std::cos(angle), rho * std::sin(angle));
  };
  const int lungs = random.count_between(0, 2);
  for (int k = 0; k < lungs; ++k) {
    const double hu = random.between(-880.0, -750.0), r = random.between(25.0, 40.0);
    const auto [x, y] = inside_point(r);
    canvas.paint(blob(x, y, r, 0.15).logical_and(inner), hu);
  }
  const int organs = random.count_between(3, 6);
  for (int k = 0; k < organs; ++k) {
    const double hu = random.between(10.0, 80.0), r = random.between(10.0, 30.0);
    const auto [x, y] = inside_point(r);
    canvas.paint(blob(x, y, r, 0.2).logical_and(inner), hu);
  }
  const int bones = random.count_between(1, 3);
  for (int k = 0; k < bones; ++k) {
    const double hu = random.between(400.0, 1200.0), r = random.between(6.0, 14.0);
    const auto [x, y] = inside_point(r);
    canvas.paint(blob(x, y, r, 0.15).logical_and(inner), hu);
  }
  const int lesions = random.count_between(1, 3);
  for (int k = 0; k < lesions; ++k) {
    const double contrast = random.sign() * random.between(10.0, 30.0), r = random.between(3.0, 8.0);
    const auto [x, y] = inside_point(r);
    const auto soft = canvas.hounsfield().gt(0.0).logical_and(canvas.hounsfield().lt(100.0));
    canvas.add(canvas.ellipse(x, y, r, r).logical_and(soft), torch::full({}, contrast));
  }
  const auto mu = ct::hounsfield_to_attenuation(canvas.image(), kMuWater).clamp_min(0.0);
  return fine_image_case(name, mu, fine);
}

Case real_slice_case() {
  const auto image = read_image("/usr/lib/python3/dist-packages/pydicom/data/test_files/CT_small.dcm");
  auto hu = image.data.squeeze().to(torch::kFloat32);  // ITK applies the rescale: Hounsfield units
  const double spacing = image.geometry.spacing.at(0);
  const int64_t n = hu.size(0);
  // The slice inside its inscribed disc, air outside, resampled to 0.5 mm pixels; the reconstruction
  // grid has 128 pixels of 1 mm with the slice in its middle.
  const auto fine = ct::ImageGrid::square(256, 0.5);
  const auto axis = (torch::arange(fine.rows, torch::kFloat32) - 0.5f * float(fine.rows - 1)) * float(fine.pixel_size_mm);
  const auto x = axis.view({1, -1}).expand({fine.rows, fine.columns}), y = axis.view({-1, 1}).expand({fine.rows, fine.columns});
  const double half = 0.5 * double(n - 1) * spacing;
  const auto grid = torch::stack({x / half, y / half}, -1).unsqueeze(0);
  auto sampled = at::grid_sampler_2d((hu + 1000.0).view({1, 1, n, n}), grid, 0, 0, true).squeeze() - 1000.0;
  const auto inside = (x * x + y * y) < float(half * half);
  sampled = torch::where(inside, sampled, torch::full_like(sampled, -1000.0));
  return fine_image_case("ct-small", ct::hounsfield_to_attenuation(sampled, kMuWater).clamp_min(0.0), fine);
}

Case make_case(const std::string& spec) {
  if (spec == "shepp-logan") return ellipse_case(spec, ct::modified_shepp_logan(128.0, kMuWater / 0.2));
  if (spec == "ct-small") return real_slice_case();
  const auto space = spec.find(' ');
  const auto family = spec.substr(0, space);
  const uint64_t seed = space == std::string::npos ? 1 : std::stoull(spec.substr(space + 1));
  if (family == "ring-head") return ellipse_case(spec, ring_head(seed));
  if (family == "blob-body") return blob_body(spec, seed);
  if (family == "body-ellipses") return ellipse_case(spec, ct::random_ellipse_phantom(seed));
  throw std::invalid_argument("unknown case '" + spec + "' (shepp-logan, ring-head N, blob-body N, body-ellipses N, ct-small)");
}

ct::ProjectionGeometry make_geometry(const std::string& name) {
  if (name == "parallel-30") return ct::ParallelBeamGeometry::uniform(30, 367, 1.0);
  if (name == "parallel-60") return ct::ParallelBeamGeometry::uniform(60, 367, 1.0);
  // The clinical scanner of ct/examples/fan_short_scan_curved.json, with 60 views instead of 240.
  if (name == "fan-60") return ct::FanBeamGeometry::short_scan(60, 736, 0.6, 595.0, 1085.6, ct::DetectorShape::Curved);
  throw std::invalid_argument("unknown geometry '" + name + "' (parallel-30, parallel-60, fan-60)");
}

// One line of the summary printed at the end: a method's row and its soft-tissue PSNR inside the body.
struct SummaryLine {
  Row row;
  double soft_psnr;
};

void run_case(const Settings& settings, const Case& c, const std::string& geometry_name,
              const std::vector<LoadedPrior>& priors, std::vector<SummaryLine>& summary) {
  const auto geometry = make_geometry(geometry_name);
  const uint64_t noise_seed = std::hash<std::string>{}(c.name) % 100000 + 7919;
  const auto sinogram = ct::add_photon_noise(c.line_integrals(geometry), kPhotons, noise_seed);
  const auto projector = ct::make_projector(geometry, c.grid);
  const Problem problem = ct::measured_problem(projector, sinogram, kPhotons);
  const auto& truth = c.truth;
  const double range = (truth.max() - truth.min()).item<double>();
  const auto truth_hu = ct::attenuation_to_hounsfield(truth, kMuWater);
  const auto body = truth_hu > -500.0;
  auto soft_psnr = [&](const torch::Tensor& x) {
    auto window = [](const torch::Tensor& hu) { return hu.clamp(-160.0, 240.0); };
    const auto error = (window(ct::attenuation_to_hounsfield(x, kMuWater)) - window(truth_hu)).masked_select(body);
    return 10.0 * std::log10(400.0 * 400.0 / error.square().mean().item<double>());
  };
  auto score = [&](const torch::Tensor& x) { return std::make_pair(psnr(x, truth, range), ssim(x, truth, range)); };
  // Called once per method with its posterior mean (when it has several chains): the soft-tissue score too.
  std::vector<double> soft_scores;
  auto calibration = [&](const torch::Tensor& mean, const torch::Tensor& std) {
    soft_scores.push_back(soft_psnr(mean));
    return ((mean - truth).abs() <= 2 * std).logical_and(body).sum().item<double>() / body.sum().item<double>();
  };
  const std::string name = c.name + ", " + geometry_name;
  const auto fbp = ct::first_estimate(sinogram, {geometry, c.grid});
  bench::keep_png(settings.keep, name + " truth", truth, truth.max().item<double>());
  std::vector<Row> rows;
  if (settings.classical) {
    Row best{name, "TV"};
    best.psnr = -1e9;
    double best_soft = 0;
    for (double lambda : {0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0}) {
      ct::TvReconstructionOptions tv;
      tv.lambda = lambda;
      tv.iterations = 300;
      tv.initial = fbp.clamp_min(0.0);
      const auto start = std::chrono::steady_clock::now();
      const auto image = ct::tv_reconstruction(problem.op(), problem.measurement(), tv).x;
      const double seconds = bench::seconds_since(start);
      const double p = psnr(image, truth, range);
      if (p > best.psnr) {
        best.psnr = p, best.ssim = ssim(image, truth, range), best.seconds = seconds;
        best.method = "TV (lambda " + c10::str(lambda) + ")";
        best_soft = soft_psnr(image);
      }
    }
    bench::print_row(best);
    summary.push_back({best, best_soft});
  }
  for (const auto& prior : priors) {
    const size_t before = rows.size();
    soft_scores.clear();
    bench::run_samplers(settings, name + ", prior " + prior.card.name, problem, fbp, prior, nullptr,
                        ProjectionPreconditioner::ColumnSums, score, calibration, rows, truth.max().item<double>());
    for (size_t k = before; k < rows.size(); ++k)
      summary.push_back({rows[k], k - before < soft_scores.size() ? soft_scores[k - before] : std::nan("")});
  }
}

}  // namespace

int main(int argc, char** argv) {
  Settings settings;
  settings.methods = {"daps"};
  int threads = 2;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--priors") settings.priors = bench::split_list(value());
    else if (arg == "--cases") settings.cases = bench::split_list(value());
    else if (arg == "--geometries") settings.geometries = bench::split_list(value());
    else if (arg == "--methods") settings.methods = bench::split_list(value());
    else if (arg == "--presets") settings.presets = bench::split_list(value());
    else if (arg == "--samples") settings.samples = std::stoll(value());
    else if (arg == "--seed") settings.seed = std::stoull(value());
    else if (arg == "--threads") threads = std::stoi(value());
    else if (arg == "--no-classical") settings.classical = false;
    else if (arg == "--keep") settings.keep = value();
    else if (arg == "--set") bench::add_overrides(settings, value());
    else {
      std::fprintf(stderr, "unknown option %s (see the comment at the top of bench/ct_heldout_benchmark.cpp)\n", arg.c_str());
      return 2;
    }
  }
  at::set_num_threads(threads);
  std::vector<LoadedPrior> priors;
  for (const auto& card : settings.priors) priors.push_back(load_prior(card));
  std::printf("threads %d, samples %lld, seed %llu, photons %g\n", threads, static_cast<long long>(settings.samples),
              static_cast<unsigned long long>(settings.seed), kPhotons);
  bench::print_header("CT on held-out images");
  std::vector<SummaryLine> summary;
  for (const auto& geometry : settings.geometries)
    for (const auto& spec : settings.cases) run_case(settings, make_case(spec), geometry, priors, summary);
  std::printf("\nSummary (soft tissue: PSNR inside the body, HU windowed to -160..240; posterior rows: the mean of %lld "
              "chains)\n\n| case | method | PSNR (dB) | SSIM | soft-tissue PSNR (dB) | within 2 std | seconds |\n"
              "|---|---|---|---|---|---|---|\n",
              static_cast<long long>(settings.samples));
  for (const auto& line : summary) {
    const auto& r = line.row;
    std::printf("| %s | %s | %.2f | %.4f | %.2f | %s | %.1f |\n", r.image.c_str(), r.method.c_str(), r.psnr, r.ssim,
                line.soft_psnr, r.calibration < 0 ? "-" : c10::str(std::round(r.calibration * 1000) / 1000).c_str(),
                r.seconds);
  }
  return 0;
}
