// diffrecon prior train: trains the built-in U-Net on slices of volumes or on image files, writing a
// model folder (model card, EMA weights, checkpoint, loss CSV and plot) that `--resume` continues.
#include "io/atomic_output.h"
#include "ct/ellipse_phantom.h"
#include "io/image_file.h"
#include "priors/model_card.h"
#include "priors/prior_trainer.h"
#include "recon/cli/progress_bar.h"
#include "recon/cli/prior_command.h"
#include "recon/cli/runtime_options.h"
#include "core/sha256.h"
#include "validation/line_plot.h"

#include <ATen/Parallel.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace diffrecon::cli {
namespace fs = std::filesystem;
namespace {

const CommandSpec& train_spec() {
  static const CommandSpec spec{
      "prior train",
      {"prior train --out DIR (--volumes FILE[,FILE...] | --images DIR) [options]"},
      "",
      {{"output", {{"--out", "DIR", "the model folder: card, weights, checkpoint, loss log (required)"}}},
       {"data (one of)",
        {{"--volumes", "FILES", "3-D volumes (NIfTI/MHA), comma-separated; 2-D slices are drawn along --axes"},
         {"--images", "DIR", "a folder of 2-D images (PNG, NIfTI, MHA)"},
         {"--phantoms", "ct-ellipses", "random CT ellipse phantoms (ct/ellipse_phantom.h), attenuation mapped to\n(mu - mu_water) / mu_water (HU / 1000); training seeds are >= 2^32, so\nphantoms with small seeds stay held out for evaluation"},
         {"--phantom-size", "N", "generated phantom size in pixels at 1 mm (default 256)"},
         {"--axes", "LIST", "volume axes to slice along (default 0,1,2)"},
         {"--complex", "", "train a complex prior (2 channels): magnitudes get a random smooth phase"},
         {"--patch", "N", "random square training crops of N pixels (default 64; 0 = whole slices)"},
         {"--percentile", "P", "each slice is scaled so this percentile of |x| is 1 (default 99)"},
         {"--pixel-mm", "MIN,MAX", "resample each volume slice to a random pixel size in [MIN, MAX] mm (area\naveraging; only coarser than the volume's own spacing)"},
         {"--contrast", "P", "probability that a volume slice gets a random synthetic MR contrast (tissue\nclasses by intensity, each with a random signal; default 0)"},
         {"--deform", "P", "probability that a volume slice is warped (random scaling, rotation, shear and\nelastic field, SynthSeg-style; default 0)"},
         {"--bias-field", "STD", "largest std of a random smooth multiplicative bias field exp(b) (default 0)"},
         {"--gamma", "STD", "std of log(gamma) of a random intensity gamma (default 0)"}}},
       {"network",
        {{"--width", "N", "feature channels at full resolution (default 32)"},
         {"--multipliers", "LIST", "width multiplier per resolution level (default 1,2,2,2)"},
         {"--blocks", "N", "residual blocks per level (default 1)"},
         {"--coordinates", "", "give the network (y, x) coordinate channels"}}},
       {"training",
        {{"--steps", "N", "train until N cumulative steps (default 2000)"},
         {"--hours", "H", "stop earlier after H hours of this run"},
         {"--batch", "N", "images per step (default 16)"},
         {"--lr", "X", "Adam learning rate (default 5e-4)"},
         {"--ema", "X", "EMA decay of the shipped weights (default 0.999)"},
         {"--sigma-mean", "M", "mean of log(sigma) over training noise levels (EDM's P_mean, default -1.2;\nlower spends more steps on light noise)"},
         {"--low-noise", "F[,M,S]", "draw a fraction F of the noise levels from a second log-normal with log-mean M\nand log-std S (default -3, 1), where reconstructions end (docs/priors.md)"},
         {"--seed", "S", "seed for weights, batches and noise (default 0)"},
         {"--checkpoint-every", "N", "write the model folder every N steps (default 250)"},
         {"--name", "NAME", "name in the model card (default: the folder name)"},
         {"--resume", "", "continue the checkpoint in --out"},
         {"--force", "", "replace an existing --out folder"}}},
       runtime_option_group()},
      ""};
  return spec;
}

struct TrainRequest {
  fs::path out;
  std::vector<fs::path> volumes;
  std::optional<fs::path> image_folder;
  std::string phantoms;            // "ct-ellipses" or empty
  int64_t phantom_size = 256;
  SliceSourceOptions slices;
  UNetConfig network;
  TrainingOptions training;
  int64_t steps = 2000;
  double hours = 0;
  int64_t checkpoint_every = 250;
  std::string name;
  bool resume = false;
  bool force = false;
  std::vector<std::string> history;  // earlier runs of a resumed model (from its card)
  int64_t start_step = 0;
};

std::vector<fs::path> split_paths(const std::string& text) {
  std::vector<fs::path> paths;
  std::stringstream stream(text);
  std::string item;
  while (std::getline(stream, item, ','))
    if (!item.empty()) paths.emplace_back(item);
  return paths;
}

std::string join(const std::vector<int64_t>& values) {
  std::string text;
  for (size_t i = 0; i < values.size(); ++i) text += (i ? "," : "") + std::to_string(values[i]);
  return text;
}

// The canonical command that reproduces the run (recorded in the model card).
std::string canonical_command(const TrainRequest& r) {
  std::ostringstream command;
  command << "diffrecon prior train --out " << r.out.string();
  if (!r.volumes.empty()) {
    command << " --volumes ";
    for (size_t i = 0; i < r.volumes.size(); ++i) command << (i ? "," : "") << r.volumes[i].string();
    command << " --axes " << join(r.slices.axes);
  }
  if (r.image_folder) command << " --images " << r.image_folder->string();
  if (!r.phantoms.empty()) command << " --phantoms " << r.phantoms << " --phantom-size " << r.phantom_size;
  if (r.slices.complex) command << " --complex";
  if (r.slices.max_pixel_mm > 0) command << " --pixel-mm " << r.slices.min_pixel_mm << ',' << r.slices.max_pixel_mm;
  if (r.slices.synthetic_contrast > 0) command << " --contrast " << r.slices.synthetic_contrast;
  if (r.slices.deformation > 0) command << " --deform " << r.slices.deformation;
  if (r.slices.bias_field > 0) command << " --bias-field " << r.slices.bias_field;
  if (r.slices.gamma_std > 0) command << " --gamma " << r.slices.gamma_std;
  command << " --patch " << r.slices.patch_size << " --percentile " << r.slices.percentile << " --width "
          << r.network.base_width << " --multipliers " << join(r.network.width_multipliers) << " --blocks "
          << r.network.blocks_per_level << (r.network.coordinate_channels ? " --coordinates" : "") << " --steps "
          << r.steps << " --batch " << r.training.batch_size << " --lr " << r.training.learning_rate << " --ema "
          << r.training.ema_decay << " --seed " << r.training.seed;
  if (r.training.p_mean != TrainingOptions{}.p_mean) command << " --sigma-mean " << r.training.p_mean;
  if (r.training.low_noise_fraction > 0)
    command << " --low-noise " << r.training.low_noise_fraction << ',' << r.training.low_noise_mean << ','
            << r.training.low_noise_std;
  return command.str();
}

TrainRequest parse(CommandLine& line) {
  TrainRequest r;
  const auto out = line.take_option("--out");
  if (!out) throw UsageError("prior train: --out DIR is required\n\n" + train_spec().help());
  r.out = *out;
  if (auto volumes = line.take_option("--volumes")) r.volumes = split_paths(*volumes);
  if (auto images = line.take_option("--images")) r.image_folder = fs::path(*images);
  r.phantoms = line.take_option("--phantoms").value_or("");
  if (!r.phantoms.empty() && r.phantoms != "ct-ellipses")
    throw UsageError("prior train: --phantoms expects ct-ellipses, got '" + r.phantoms + "'");
  r.phantom_size = line.take_int_option("--phantom-size", 16).value_or(256);
  if (int(!r.volumes.empty()) + int(r.image_folder.has_value()) + int(!r.phantoms.empty()) != 1)
    throw UsageError("prior train: give exactly one of --volumes FILES, --images DIR or --phantoms ct-ellipses");
  if (!r.phantoms.empty() && r.slices.complex) throw UsageError("prior train: CT phantoms are real; drop --complex");
  if (auto axes = line.take_int_list_option("--axes", 0)) r.slices.axes = *axes;
  r.slices.complex = line.take_flag("--complex");
  r.slices.patch_size = line.take_int_option("--patch", 0).value_or(64);
  r.slices.percentile = line.take_double_option("--percentile", 0.0, true).value_or(99.0);
  if (auto pixel = line.take_double_list_option("--pixel-mm", 0.0)) {
    if (pixel->size() != 2 || (*pixel)[0] > (*pixel)[1])
      throw UsageError("prior train: --pixel-mm expects MIN,MAX with MIN <= MAX");
    r.slices.min_pixel_mm = (*pixel)[0];
    r.slices.max_pixel_mm = (*pixel)[1];
  }
  r.network.channels = r.slices.complex ? 2 : 1;
  r.slices.synthetic_contrast = line.take_double_option("--contrast", 0.0).value_or(0.0);
  if (r.slices.synthetic_contrast > 1) throw UsageError("prior train: --contrast expects a probability in [0, 1]");
  r.slices.deformation = line.take_double_option("--deform", 0.0).value_or(0.0);
  if (r.slices.deformation > 1) throw UsageError("prior train: --deform expects a probability in [0, 1]");
  r.slices.bias_field = line.take_double_option("--bias-field", 0.0).value_or(0.0);
  r.slices.gamma_std = line.take_double_option("--gamma", 0.0).value_or(0.0);
  r.network.base_width = line.take_int_option("--width", 8).value_or(32);
  if (auto multipliers = line.take_int_list_option("--multipliers", 1)) r.network.width_multipliers = *multipliers;
  r.network.blocks_per_level = line.take_int_option("--blocks", 1).value_or(1);
  r.network.coordinate_channels = line.take_flag("--coordinates");
  r.steps = line.take_int_option("--steps", 1).value_or(2000);
  r.hours = line.take_double_option("--hours", 0.0, true).value_or(0.0);
  r.training.batch_size = line.take_int_option("--batch", 1).value_or(16);
  r.training.learning_rate = line.take_double_option("--lr", 0.0, true).value_or(5e-4);
  r.training.ema_decay = line.take_double_option("--ema", 0.0).value_or(0.999);
  r.training.p_mean = line.take_double_option("--sigma-mean", -10.0).value_or(r.training.p_mean);
  if (auto low = line.take_double_list_option("--low-noise", -20.0)) {
    if (low->empty() || low->size() == 2 || low->size() > 3 || (*low)[0] < 0 || (*low)[0] > 1 ||
        (low->size() == 3 && !((*low)[2] > 0)))
      throw UsageError("prior train: --low-noise expects F or F,M,S with F in [0, 1] and S > 0");
    r.training.low_noise_fraction = (*low)[0];
    if (low->size() == 3) r.training.low_noise_mean = (*low)[1], r.training.low_noise_std = (*low)[2];
  }
  r.training.seed = static_cast<uint64_t>(line.take_int_option("--seed", 0).value_or(0));
  r.checkpoint_every = line.take_int_option("--checkpoint-every", 1).value_or(250);
  r.name = line.take_option("--name").value_or(r.out.filename().string());
  r.resume = line.take_flag("--resume");
  r.force = line.take_flag("--force");
  try {
    r.network.validate();
    r.training.validate();
  } catch (const std::invalid_argument& error) {
    throw UsageError(std::string("prior train: ") + error.what());
  }
  if (r.slices.patch_size > 0 && r.slices.patch_size % r.network.size_multiple() != 0)
    throw UsageError("prior train: --patch must be a multiple of " + std::to_string(r.network.size_multiple()) +
                     " for " + std::to_string(r.network.levels()) + " resolution levels");
  return r;
}

// CT attenuation in the prior's range: (mu - mu_water) / mu_water, i.e. HU / 1000 (air -1, water 0, bone ~1).
constexpr double kMuWater = ct::RandomEllipseOptions{}.mu_water_per_mm;

std::shared_ptr<const TrainingImageSource> load_images(const TrainRequest& r) {
  if (!r.phantoms.empty()) {
    const int64_t size = r.phantom_size;
    if (r.slices.patch_size > size) throw UsageError("prior train: --patch exceeds --phantom-size");
    auto generate = [size](uint64_t seed) {
      const auto phantom = ct::random_ellipse_phantom(seed | (uint64_t{1} << 32));
      const auto mu = ct::rasterize(phantom, ct::ImageGrid::square(size, 256.0 / static_cast<double>(size)), 2);
      return (mu - kMuWater) / kMuWater;
    };
    return std::make_shared<GeneratedImageSource>(generate, 1, true, r.slices.patch_size);
  }
  std::vector<torch::Tensor> volumes;
  std::vector<double> spacings;  // empty for 2-D image folders: 1 mm each
  auto options = r.slices;
  if (r.image_folder) {
    if (!fs::is_directory(*r.image_folder))
      throw UsageError("prior train: --images '" + r.image_folder->string() + "' is not a folder");
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(*r.image_folder))
      if (entry.is_regular_file()) files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
      auto image = read_image(file).data;
      if (image.dim() != 2) throw UsageError("prior train: '" + file.string() + "' is not a 2-D image");
      volumes.push_back(image.abs().unsqueeze(0));
    }
    if (volumes.empty()) throw UsageError("prior train: no images in '" + r.image_folder->string() + "'");
    options.axes = {0};
    options.min_pixel_mm = options.max_pixel_mm = 0.0;  // --pixel-mm resamples volume slices only
  } else {
    for (const auto& file : r.volumes) {
      auto image = read_image(file);
      if (image.data.dim() != 3) throw UsageError("prior train: '" + file.string() + "' is not a 3-D volume");
      // The atlases are isotropic: their finest spacing is the pixel size of every slice.
      spacings.push_back(*std::min_element(image.geometry.spacing.begin(), image.geometry.spacing.end()));
      volumes.push_back(image.data.abs());
    }
  }
  return std::make_shared<VolumeSliceSource>(std::move(volumes), options, std::move(spacings));
}

std::vector<std::pair<int64_t, double>> read_loss_log(const fs::path& path) {
  std::vector<std::pair<int64_t, double>> log;
  std::ifstream in(path);
  std::string row;
  std::getline(in, row);  // header
  while (std::getline(in, row)) {
    const auto comma = row.find(',');
    if (comma == std::string::npos) continue;
    log.emplace_back(std::stoll(row.substr(0, comma)), std::stod(row.substr(comma + 1)));
  }
  return log;
}

template <typename Writer>
void write_atomically(const fs::path& path, Writer&& write) {
  AtomicOutput output(path, Overwrite::Allow);
  write(output.temporary_path());
  output.commit();
}

void write_model_folder(const TrainRequest& r, const PriorTrainer& trainer,
                        const std::vector<std::pair<int64_t, double>>& loss_log) {
  write_atomically(r.out / "checkpoint.pt", [&](const fs::path& p) { trainer.save_checkpoint(p); });
  write_atomically(r.out / "weights.pt", [&](const fs::path& p) { trainer.ema_denoiser().network().save(p); });
  ModelCard card;
  card.name = r.name;
  card.description = std::string(r.slices.complex ? "complex (real, imaginary)" : "real") +
                     " EDM denoiser, built-in U-Net, trained by diffrecon prior train";
  card.weights = "weights.pt";
  card.sha256 = sha256_file_hex(r.out / "weights.pt");
  card.channels = r.network.channels;
  card.complex = r.slices.complex;
  card.sigma_data = r.training.sigma_data;
  card.sigma_min = 0.002;
  card.sigma_max = 80.0;
  card.network = r.network;
  if (!r.phantoms.empty()) {
    card.normalization.kind = "fixed";
    card.normalization.scale = kMuWater;
    card.normalization.offset = kMuWater;
  } else {
    card.normalization.kind = "percentile";
    card.normalization.percentile = r.slices.percentile;
  }
  card.training.data = !r.phantoms.empty() ? "random CT ellipse phantoms (ct/ellipse_phantom.h), " +
                                                 std::to_string(r.phantom_size) + " px over 256 mm, seeds >= 2^32"
                       : r.image_folder ? r.image_folder->string() : [&] {
    std::string names;
    for (const auto& v : r.volumes) names += (names.empty() ? "" : ",") + v.string();
    return names + " (slices along axes " + join(r.slices.axes) + ")";
  }();
  card.training.command = canonical_command(r);
  card.training.history = r.history;
  card.training.history.push_back("steps " + std::to_string(r.start_step) + "-" +
                                  std::to_string(trainer.completed_steps()) + ": " + card.training.command);
  card.training.steps = trainer.completed_steps();
  card.training.hours = trainer.training_seconds() / 3600.0;
  card.training.patch_size = r.slices.patch_size;
  card.training.seed = r.training.seed;
  card.training.machine = std::to_string(at::get_num_threads()) + " CPU threads";
  write_atomically(r.out / "model.json", [&](const fs::path& p) { std::ofstream(p) << card.to_json(); });
  write_atomically(r.out / "loss.csv", [&](const fs::path& p) {
    std::ofstream csv(p);
    csv << "step,loss\n";
    for (const auto& [step, loss] : loss_log) csv << step << ',' << loss << '\n';
  });
  std::vector<double> losses;
  for (const auto& entry : loss_log) losses.push_back(entry.second);
  const auto window = std::max<int64_t>(1, static_cast<int64_t>(losses.size()) / 50);
  write_png(r.out / "loss.png", render_line_plot(moving_average(losses, window)), DisplayWindow{0.0, 1.0},
            Overwrite::Allow);
}

}  // namespace

int run_prior_train(const std::vector<std::string>& arguments) {
  CommandLine line(arguments, train_spec());
  if (line.take_flag("--help")) {
    std::fputs(train_spec().help().c_str(), stdout);
    return 0;
  }
  const auto runtime = take_runtime_options(line);
  auto request = parse(line);
  line.expect_consumed("prior train");

  const bool exists = fs::exists(request.out);
  if (exists && !request.resume && !request.force)
    throw UsageError("prior train: output folder '" + request.out.string() +
                     "' exists (use --resume to continue it or --force to replace it)");
  if (request.resume && !fs::is_regular_file(request.out / "checkpoint.pt"))
    throw UsageError("prior train: --resume needs '" + (request.out / "checkpoint.pt").string() + "'");
  auto source = load_images(request);
  PriorTrainer trainer(request.network, request.training, source, runtime.device);
  std::vector<std::pair<int64_t, double>> loss_log;
  if (request.resume) {
    trainer.load_checkpoint(request.out / "checkpoint.pt", request.out / "weights.pt");
    request.start_step = trainer.completed_steps();
    if (fs::is_regular_file(request.out / "model.json")) {
      const auto previous = ModelCard::read(request.out / "model.json").training;
      request.history = previous.history;
      if (request.history.empty())  // cards written before the history was kept
        request.history.push_back("steps 0-" + std::to_string(previous.steps) + ": " + previous.command);
    }
    loss_log = read_loss_log(request.out / "loss.csv");
    while (!loss_log.empty() && loss_log.back().first > trainer.completed_steps()) loss_log.pop_back();
  } else {
    if (exists) fs::remove_all(request.out);
    fs::create_directories(request.out);
  }
  std::fprintf(stderr, "training %s: %ld parameters, %ld channels, patch %ld, from step %ld to %ld\n",
               request.name.c_str(), static_cast<long>(trainer.ema_denoiser().network().parameter_count()),
               static_cast<long>(request.network.channels), static_cast<long>(request.slices.patch_size),
               static_cast<long>(trainer.completed_steps()), static_cast<long>(request.steps));

  ProgressBar progress("prior train", request.steps);
  const auto start = std::chrono::steady_clock::now();
  double recent = 0;
  int64_t recent_count = 0;
  while (trainer.completed_steps() < request.steps) {
    const auto result = trainer.step();
    loss_log.emplace_back(result.step, result.loss);
    recent += result.loss;
    ++recent_count;
    char status[64];
    std::snprintf(status, sizeof status, "loss %.4f", recent / static_cast<double>(recent_count));
    progress.update(result.step, status);
    if (recent_count >= 50) recent = 0, recent_count = 0;
    const double hours = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / 3600.0;
    const bool out_of_time = request.hours > 0 && hours >= request.hours;
    if (result.step % request.checkpoint_every == 0 || result.step == request.steps || out_of_time)
      write_model_folder(request, trainer, loss_log);
    if (out_of_time) break;
  }
  char summary[160];
  std::snprintf(summary, sizeof summary, "%ld steps in total, %.2f hours of training; model in %s",
                static_cast<long>(trainer.completed_steps()), trainer.training_seconds() / 3600.0,
                (request.out / "model.json").c_str());
  progress.finish(summary);
  return 0;
}

}  // namespace diffrecon::cli
