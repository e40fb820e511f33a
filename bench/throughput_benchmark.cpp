// Throughput (issue 21): how close the prior runs to the machine's peak, and where a sampler's time goes.
//  1. The peak for the network's own layer shapes: every convolution of one forward pass run alone
//     (torch::conv2d through the same LibTorch/oneDNN, inference mode, median of repeats), summed; and
//     the float32 matrix product's GFLOP/s for scale.
//  2. The prior (the card's built-in U-Net in EDM form) at each size and batch: forward without
//     gradient, and a vector-Jacobian product (what DPS and MCG run), in ms and GFLOP/s of its
//     convolutions, with the forward's share of the peak of (1).
//  3. SENSE's normal against its forward then adjoint (the CG samplers' data step), and every sampler's
//     fast preset on one 256 x 256 MRI slice (BrainT1Slice.png zero-padded, bench/simulated_scan.h: 8
//     coils, R = 4 random lines with 24 ACS, noise 0.02): seconds per chain, the part inside the network
//     (EvaluationCounter's timing) and the share outside it, NFE, PSNR.
//  4. A volume (--volume-slices, default 16, of --volume-size pixels, default 128; 4 chains per slice,
//     --volume-method, default dds, fast preset) three ways: 16 x 4 separate runs of one slice and one
//     chain (in this process: each run loads and checks the prior as a separate `diffrecon mri` would,
//     but process start-up is not counted), then one job per slice batch of --slice-batches (1: the
//     slices one by one, their 4 chains batched; more: slices sharing network passes,
//     recon/pipeline/slice_posteriors.h; 0: the default); wall time, slices per minute, the ratio to
//     the separate runs, network seconds, PSNR, and the largest difference to the first job.
// The same source is also built as diffrecon_throughput_benchmark_glibc, with the C library's malloc
// instead of tcmalloc: the allocator is the one thing that differs (bench/throughput_run runs both).
//
// Usage: diffrecon_throughput_benchmark [--prior CARD] [--sizes 128,256] [--batches 1,2,4] (512 x 512 at
//          batch 4 would need about four times the 2 GB peak of 256 x 256)
//          [--repeats N] [--threads N] [--methods dps,mcg,daps,reddiff,diffpir,dds] [--samples N]
//          [--no-network] [--no-samplers] [--set METHOD:name=value,...] [--trace FILE]
//          [--volume-slices N (0: none)] [--volume-size N] [--volume-method M] [--slice-batches 1,0 (0: default)]
#include "bench/sampler_rows.h"
#include "bench/simulated_scan.h"
#include "bench/timing.h"
#include "io/image_file.h"
#include "mri/sense_model.h"
#include "mri/sense_operator.h"
#include "priors/edm_denoiser.h"
#include "priors/prior_file.h"
#include "recon/pipeline/mri_job.h"
#include "samplers/posterior_reconstruction.h"
#include "validation/image_metrics.h"

#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>
#include <torch/csrc/autograd/profiler_legacy.h>
#include <torch/torch.h>

#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

using namespace diffrecon;

namespace {

using bench::median_ms;
using bench::split_list;

struct Settings {
  std::string prior = "models/mri-brain/model.json";
  std::vector<int64_t> sizes{128, 256};
  std::vector<int64_t> batches{1, 2, 4};
  int repeats = 5;
  bool network = true, samplers = true;
  std::string trace;  // --trace FILE: a Chrome trace of one forward and one VJP (first size, batch 1)
  bench::SamplerSweep sweep;
  int64_t volume_slices = 16, volume_size = 128;
  std::vector<int64_t> slice_batches{1, 0};  // the volume jobs to time (0: the default)
  std::string volume_method = "dds";
};

std::vector<int64_t> integers(const std::string& text) {
  std::vector<int64_t> values;
  for (const auto& item : split_list(text)) values.push_back(std::stoll(item));
  return values;
}

double matmul_gflops(int repeats) {
  c10::InferenceMode inference;
  const auto a = torch::randn({1024, 1024}), b = torch::randn({1024, 1024});
  const double ms = median_ms([&] { (void)torch::mm(a, b); }, repeats);
  return 2.0 * 1024 * 1024 * 1024 / (ms * 1e6);
}

// A vector-Jacobian product of the denoiser w.r.t. its input (what DPS and MCG run): a forward pass with
// gradient and the input-gradient pass (the weights need none), with x itself as the vector.
torch::Tensor input_vjp(const Denoiser& denoiser, const torch::Tensor& x, const torch::Tensor& sigma) {
  auto leaf = x.detach().requires_grad_(true);
  return torch::autograd::grad({denoiser.denoise(leaf, sigma)}, {leaf}, {x})[0];
}

// The time of every convolution of one forward pass, each run alone on random data of its shape: the
// fastest this LibTorch runs the network's own layer shapes (identical shapes are timed once).
double convolutions_alone_ms(const UNet& network, int64_t batch, int64_t size, int repeats) {
  c10::InferenceMode inference;
  std::map<std::tuple<int64_t, int64_t, int64_t, int64_t>, double> timed;
  double total = 0;
  for (const auto& layer : network.convolution_layers()) {
    const auto key = std::make_tuple(layer.in_channels, layer.out_channels, layer.kernel, layer.level);
    auto found = timed.find(key);
    if (found == timed.end()) {
      const int64_t side = size >> layer.level;
      const auto input = torch::randn({batch, layer.in_channels, side, side});
      const auto weight = torch::randn({layer.out_channels, layer.in_channels, layer.kernel, layer.kernel});
      const auto bias = torch::randn({layer.out_channels});
      const double ms = median_ms([&] { (void)torch::conv2d(input, weight, bias, 1, layer.kernel / 2); }, repeats);
      found = timed.emplace(key, ms).first;
    }
    total += found->second;
  }
  return total;
}

// Two levers the issue names, measured on the standard layout's passes: LibTorch's inference mode
// instead of a no-grad guard, and a network whose weights and activations are all channels-last
// (oneDNN's native layout), forward and VJP, at the largest size, batches 1 and 4. (A loaded prior
// runs its passes without gradient channels-last and its VJPs in the standard layout: EdmDenoiser.)
void layout_table(const Settings& settings, const LoadedPrior& prior) {
  const auto* edm = dynamic_cast<const EdmDenoiser*>(prior.denoiser.get());
  if (!edm) return;
  const EdmDenoiser standard(edm->network(), edm->sigma_data());  // no channels-last copy
  auto channels_last = std::make_shared<EdmDenoiser>(edm->network().clone(), edm->sigma_data());
  {
    torch::NoGradGuard no_grad;
    for (auto& p : channels_last->network().parameters())
      if (p.dim() == 4) p.set_data(p.contiguous(torch::MemoryFormat::ChannelsLast));
  }
  const auto size = settings.sizes.back();
  std::printf("\n| %lld x %lld | forward, no-grad ms | inference mode ms | channels-last ms | VJP ms | channels-last VJP ms | "
              "largest difference |\n|---|---|---|---|---|---|---|\n",
              static_cast<long long>(size), static_cast<long long>(size));
  for (int64_t batch : {int64_t{1}, int64_t{4}}) {
    const auto x = torch::randn({batch, edm->channels(), size, size});
    const auto sigma = torch::full({batch}, 0.5);
    const double no_grad_ms = median_ms([&] { torch::NoGradGuard g; (void)standard.denoise(x, sigma); }, settings.repeats);
    const double inference_ms = median_ms([&] { c10::InferenceMode g; (void)standard.denoise(x, sigma); }, settings.repeats);
    const auto x_last = x.contiguous(torch::MemoryFormat::ChannelsLast);
    const double last_ms =
        median_ms([&] { torch::NoGradGuard g; (void)channels_last->denoise(x_last, sigma); }, settings.repeats);
    const double vjp_ms = median_ms([&] { (void)input_vjp(standard, x, sigma); }, settings.repeats);
    const double last_vjp_ms = median_ms([&] { (void)input_vjp(*channels_last, x_last, sigma); }, settings.repeats);
    torch::NoGradGuard no_grad;
    const double difference = (standard.denoise(x, sigma) - channels_last->denoise(x_last, sigma)).abs().max().item<double>();
    std::printf("| batch %lld | %.1f | %.1f | %.1f | %.1f | %.1f | %.2g |\n", static_cast<long long>(batch), no_grad_ms,
                inference_ms, last_ms, vjp_ms, last_vjp_ms, difference);
    std::fflush(stdout);
  }
}

void network_table(const Settings& settings, const LoadedPrior& prior) {
  const auto* edm = dynamic_cast<const EdmDenoiser*>(prior.denoiser.get());
  if (!edm) throw std::invalid_argument("the throughput tables need a built-in U-Net prior (an EdmDenoiser)");
  const auto& network = edm->network();
  std::printf("\nfloat32 matrix product 1024 x 1024: %.1f GFLOP/s\n", matmul_gflops(settings.repeats));
  std::printf("\n%s: %lld parameters, %zu convolutions per forward pass\n", prior.card.name.c_str(),
              static_cast<long long>(network.parameter_count()), network.convolution_layers().size());
  std::printf("\n| size | batch | GFLOP | convolutions alone ms (GFLOP/s) | forward ms (GFLOP/s) | forward / peak | "
              "VJP ms (GFLOP/s) |\n|---|---|---|---|---|---|---|\n");
  for (auto size : settings.sizes) {
    for (auto batch : settings.batches) {
      const double flops = network.convolution_flops(batch, size, size);
      const double peak_ms = convolutions_alone_ms(network, batch, size, settings.repeats);
      const auto x = torch::randn({batch, edm->channels(), size, size});
      const auto sigma = torch::full({batch}, 0.5);
      const double forward_ms = median_ms(
          [&] {
            torch::NoGradGuard no_grad;
            (void)edm->denoise(x, sigma);
          },
          settings.repeats);
      // Twice the forward's convolution work.
      const double vjp_ms = median_ms([&] { (void)input_vjp(*edm, x, sigma); }, settings.repeats);
      std::printf("| %lld | %lld | %.1f | %.1f (%.0f) | %.1f (%.0f) | %.0f %% | %.1f (%.0f) |\n",
                  static_cast<long long>(size), static_cast<long long>(batch), flops * 1e-9, peak_ms,
                  flops / (peak_ms * 1e6), forward_ms, flops / (forward_ms * 1e6), 100.0 * peak_ms / forward_ms, vjp_ms,
                  2 * flops / (vjp_ms * 1e6));
      std::fflush(stdout);
    }
  }
}

// One forward without gradient and one VJP under LibTorch's profiler, as a Chrome trace (chrome://tracing).
void write_trace(const Settings& settings, const LoadedPrior& prior) {
  const auto size = settings.sizes.front();
  const auto x = torch::randn({1, prior.denoiser->channels(), size, size});
  const auto sigma = torch::full({1}, 0.5);
  for (int warm = 0; warm < 2; ++warm) {
    std::optional<torch::autograd::profiler::RecordProfile> profile;
    if (warm == 1) profile.emplace(settings.trace);
    {
      torch::NoGradGuard no_grad;
      (void)prior.denoiser->denoise(x, sigma);
    }
    (void)input_vjp(*prior.denoiser, x, sigma);
  }
  std::printf("\ntrace of one forward and one VJP at %lld x %lld written to %s\n", static_cast<long long>(size),
              static_cast<long long>(size), settings.trace.c_str());
}

// The data term's share: SENSE's normal A^H A (what the CG of DAPS, DiffPIR and DDS applies) against
// the forward then adjoint, for the line mask and for a mask with the same share of random points
// (no fully sampled axis, so the normal needs the 2-D FFT).
void sense_table(const torch::Tensor& maps, const torch::Tensor& lines, int repeats) {
  SeededRandom random(3);
  const auto points = (random.uniform({maps.size(1), maps.size(2)}) < lines.mean().item<double>()).to(torch::kFloat);
  std::printf("\n| SENSE, 8 coils, %lld x %lld | batch | forward + adjoint ms | normal ms |\n|---|---|---|---|\n",
              static_cast<long long>(maps.size(1)), static_cast<long long>(maps.size(2)));
  for (const auto& [name, mask] : {std::make_pair("random lines", lines), std::make_pair("random points", points)}) {
    const mri::SenseOperator sense(maps, mask);
    for (int64_t batch : {1, 4}) {
      const auto x = random.normal({batch, maps.size(1), maps.size(2)}, maps.options());
      const double pair_ms = median_ms([&] { (void)sense.adjoint(sense.forward(x)); }, repeats);
      const double normal_ms = median_ms([&] { (void)sense.normal(x); }, repeats);
      std::printf("| %s | %lld | %.2f | %.2f |\n", name, static_cast<long long>(batch), pair_ms, normal_ms);
    }
  }
}

void sampler_table(const Settings& settings, const LoadedPrior& prior) {
  const char* kItkData = "/usr/share/doc/insighttoolkit5-examples/examples/Data/";
  auto truth = read_image(std::string(kItkData) + "BrainT1Slice.png").data.squeeze().to(torch::kFloat);
  // Zero-padded to the 256 x 256 matrix of a clinical slice (the head inside a larger field of view).
  const int64_t pad_rows = 256 - truth.size(0), pad_columns = 256 - truth.size(1);
  truth = torch::constant_pad_nd(truth, {pad_columns / 2, pad_columns - pad_columns / 2, pad_rows / 2, pad_rows - pad_rows / 2});
  truth = torch::complex(truth, torch::zeros_like(truth));
  truth = truth / truth.abs().max();
  const int64_t height = truth.size(0), width = truth.size(1);
  const auto scan = bench::simulate_scan(truth, 4, 1, 18);
  const auto estimate = mri::first_estimate(mri::SenseModel{scan.sense, scan.kspace, scan.mask});
  const Problem problem(scan.sense, scan.kspace, NoiseModel{scan.sigma});
  const auto reference = truth.abs();
  const double range = reference.max().item<double>();
  sense_table(scan.maps, scan.mask, 10 * settings.repeats);
  std::printf("\nBrainT1Slice.png %lld x %lld, 8 coils, R = 4, 24 ACS, %lld chain(s) together\n"
              "\n| method | seconds per chain | network s | outside the network | NFE | PSNR (dB) |\n|---|---|---|---|---|---|\n",
              static_cast<long long>(height), static_cast<long long>(width), static_cast<long long>(settings.sweep.samples));
  for (const auto& method : settings.sweep.methods) {
    SamplerRecipe recipe{method, SamplerPreset::Fast, ProjectionPreconditioner::Identity, {}};
    if (auto found = settings.sweep.overrides.find(method); found != settings.sweep.overrides.end())
      recipe.overrides = found->second;
    SamplingOptions options;
    options.samples = settings.sweep.samples;
    options.seed = settings.sweep.seed;
    const auto result = reconstruct_posterior(problem, estimate, prior.card, prior.denoiser, recipe, options).sampling;
    auto magnitude = result.mean.abs();
    magnitude = magnitude * least_squares_scale(magnitude, reference);
    const double chains = static_cast<double>(settings.sweep.samples);
    std::printf("| %s (fast) | %.1f | %.1f | %.0f %% | %lld | %.2f |\n", method.c_str(), result.seconds / chains,
                result.network_seconds / chains, 100.0 * (1 - result.network_seconds / result.seconds),
                static_cast<long long>(result.nfe), psnr(magnitude, reference, range));
    std::fflush(stdout);
  }
}

// BrainT1Slice.png resized to size x size and moved by a few pixels per slice (so each slice is its
// own problem with its own mask and noise), as a multi-slice acquisition.
struct SimulatedVolume {
  MriJob job;
  torch::Tensor truth;  // [slices, H, W] magnitude
};

SimulatedVolume simulate_volume(const Settings& settings, const LoadedPrior& prior) {
  const char* kItkData = "/usr/share/doc/insighttoolkit5-examples/examples/Data/";
  auto image = read_image(std::string(kItkData) + "BrainT1Slice.png").data.squeeze().to(torch::kFloat);
  const int64_t size = settings.volume_size;
  image = torch::nn::functional::interpolate(
              image.unsqueeze(0).unsqueeze(0),
              torch::nn::functional::InterpolateFuncOptions().size(std::vector<int64_t>{size, size}).mode(torch::kBilinear).align_corners(false))
              .squeeze();
  image = image / image.max();
  SimulatedVolume volume;
  std::vector<torch::Tensor> kspaces, masks, truths;
  double sigma = 0;
  torch::Tensor maps;
  for (int64_t s = 0; s < settings.volume_slices; ++s) {
    auto truth = torch::roll(image, {s % 5 - 2, s / 5 - 1}, {0, 1});
    truths.push_back(truth);
    const auto scan = bench::simulate_scan(torch::complex(truth, torch::zeros_like(truth)), 4, 1 + uint64_t(s), 18 + uint64_t(s));
    kspaces.push_back(scan.kspace);
    masks.push_back(scan.mask);
    sigma = scan.sigma;
    maps = scan.maps;
  }
  volume.truth = torch::stack(truths);
  auto& job = volume.job;
  job.acquisition.kspace = torch::stack(kspaces);
  job.acquisition.mask = torch::stack(masks);
  job.model.maps = mri::CoilMapMethod::Given;
  job.model.given_maps = maps.unsqueeze(0);
  job.kind = MriMethodKind::Posterior;
  job.noise_sigma = sigma;
  job.posterior.prior_card = prior.card_path;
  job.posterior.recipe = {settings.volume_method, SamplerPreset::Fast, ProjectionPreconditioner::Identity, {}};
  if (auto found = settings.sweep.overrides.find(settings.volume_method); found != settings.sweep.overrides.end())
    job.posterior.recipe.overrides = found->second;
  job.posterior.samples = 4;
  job.posterior.seed = settings.sweep.seed;
  return volume;
}

double mean_psnr(const torch::Tensor& images, const torch::Tensor& truth) {
  double total = 0;
  for (int64_t s = 0; s < truth.size(0); ++s) {
    auto magnitude = images[s].abs();
    magnitude = magnitude * least_squares_scale(magnitude, truth[s]);
    total += psnr(magnitude, truth[s], truth[s].max().item<double>());
  }
  return total / double(truth.size(0));
}

void volume_table(const Settings& settings, const LoadedPrior& prior) {
  const auto volume = simulate_volume(settings, prior);
  const int64_t slices = settings.volume_slices, chains = volume.job.posterior.samples;
  std::printf("\nA %lld-slice volume, %lld x %lld, 8 coils, R = 4, %s fast, %lld chains per slice\n\n"
              "| how | wall s | slices per minute | ratio to separate runs | slice batch | network s | peak MiB | "
              "mean PSNR (dB) | largest difference to the first job |\n|---|---|---|---|---|---|---|---|---|\n",
              static_cast<long long>(slices), static_cast<long long>(settings.volume_size),
              static_cast<long long>(settings.volume_size), settings.volume_method.c_str(), static_cast<long long>(chains));
  std::fflush(stdout);
  // (a) one slice and one chain per run.
  auto started = std::chrono::steady_clock::now();
  std::vector<torch::Tensor> separate;
  for (int64_t s = 0; s < slices; ++s) {
    auto job = volume.job;
    job.acquisition.kspace = job.acquisition.kspace.narrow(0, s, 1);
    job.acquisition.mask = job.acquisition.mask.narrow(0, s, 1);
    torch::Tensor sum;
    for (int64_t c = 0; c < chains; ++c) {
      job.posterior.chains = {c};
      const auto image = run_mri_job(job).image[0];
      sum = sum.defined() ? sum + image : image;
    }
    separate.push_back(sum / double(chains));
  }
  const double separate_seconds = bench::seconds_since(started);
  // One job per slice batch.
  struct Job {
    Reconstruction result;
    double seconds;
  };
  std::vector<Job> jobs;
  for (auto slice_batch : settings.slice_batches) {
    auto job = volume.job;
    job.posterior.slice_batch = slice_batch;
    started = std::chrono::steady_clock::now();
    auto result = run_mri_job(job);
    jobs.push_back({std::move(result), bench::seconds_since(started)});
  }
  const auto first = jobs.empty() ? torch::stack(separate) : jobs.front().result.image;
  const auto row = [&](const std::string& how, double seconds, int64_t slice_batch, const ReconstructionRecord* record,
                       const torch::Tensor& images) {
    const double difference = (images - first).abs().max().item<double>() / first.abs().max().item<double>();
    std::printf("| %s | %.1f | %.2f | %.2f | %lld | %s | %s | %.2f | %.1e |\n", how.c_str(), seconds,
                60.0 * double(slices) / seconds, separate_seconds / seconds, static_cast<long long>(slice_batch),
                record ? c10::str(std::round(10 * record->network_seconds.value_or(0)) / 10).c_str() : "-",
                record ? std::to_string(record->peak_memory_bytes >> 20).c_str() : "-", mean_psnr(images, volume.truth),
                difference);
  };
  row(std::to_string(slices) + " x " + std::to_string(chains) + " separate runs", separate_seconds, 1, nullptr,
      torch::stack(separate));
  for (const auto& job : jobs) {
    const int64_t slice_batch = job.result.record.slice_batch.value_or(1);
    row(slice_batch == 1 ? "one job, slices one by one" : "one job, slices together", job.seconds, slice_batch,
        &job.result.record, job.result.image);
  }
  started = std::chrono::steady_clock::now();
  load_prior(volume.job.posterior.prior_card);
  std::printf("\nloading the prior (each separate run does): %.2f s\n", bench::seconds_since(started));
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  Settings settings;
  settings.sweep.methods = {"dps", "mcg", "daps", "reddiff", "diffpir", "dds"};
  settings.sweep.samples = 1;
  int threads = 2;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--prior") settings.prior = value();
    else if (arg == "--sizes") settings.sizes = integers(value());
    else if (arg == "--batches") settings.batches = integers(value());
    else if (arg == "--repeats") settings.repeats = std::stoi(value());
    else if (arg == "--threads") threads = std::stoi(value());
    else if (arg == "--methods") settings.sweep.methods = split_list(value());
    else if (arg == "--samples") settings.sweep.samples = std::stoll(value());
    else if (arg == "--set") bench::add_overrides(settings.sweep, value());
    else if (arg == "--no-network") settings.network = false;
    else if (arg == "--no-samplers") settings.samplers = false;
    else if (arg == "--trace") settings.trace = value();
    else if (arg == "--volume-slices") settings.volume_slices = std::stoll(value());
    else if (arg == "--volume-size") settings.volume_size = std::stoll(value());
    else if (arg == "--volume-method") settings.volume_method = value();
    else if (arg == "--slice-batches") settings.slice_batches = integers(value());
    else {
      std::fprintf(stderr, "unknown option %s (see the comment at the top of bench/throughput_benchmark.cpp)\n", arg.c_str());
      return 2;
    }
  }
  at::set_num_threads(threads);
  std::printf("threads %d, allocator: %s\n", threads, DIFFRECON_ALLOCATOR);
  const auto prior = load_prior(settings.prior);
  if (!settings.trace.empty()) write_trace(settings, prior);
  if (settings.network) network_table(settings, prior);
  if (settings.network) layout_table(settings, prior);
  if (settings.samplers) sampler_table(settings, prior);
  if (settings.volume_slices > 0) volume_table(settings, prior);
  return 0;
}
