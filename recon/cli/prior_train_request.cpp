#include "recon/cli/prior_train_request.h"

#include "ct/ellipse_phantom.h"
#include "io/image_file.h"
#include "validation/line_plot.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace diffrecon::cli {
namespace fs = std::filesystem;

const CommandSpec& train_spec() {
  static const CommandSpec spec{
      "prior train",
      {"prior train --out DIR (--volumes FILE[,FILE...] | --images DIR | --phantoms ct-ellipses|ct-anatomy) [options]",
       "prior train --vq --out DIR (--volumes ... | --images DIR | --phantoms ct-ellipses|ct-anatomy) [options]"},
      "",
      {{"output", {{"--out", "DIR", "the model folder: card, weights, checkpoint, loss log (required)"}}},
       {"data (one of)",
        {{"--volumes", "FILES", "3-D volumes (NIfTI/MHA), comma-separated; 2-D slices are drawn along --axes"},
         {"--images", "DIR", "a folder of 2-D images (PNG, NIfTI, MHA)"},
         {"--phantoms", "KIND", "random CT phantoms, attenuation mapped to (mu - mu_water) / mu_water (HU / 1000):\n"
          "ct-ellipses (ct/ellipse_phantom.h) or ct-anatomy (heads from the MRI head atlas,\n"
          "thoraxes and abdomens, and ellipses: --phantom-mix; docs/ct.md). Training seeds are\n"
          ">= 2^32, so phantoms with small seeds stay held out for evaluation"},
         {"--phantom-size", "N", "generated phantom size in pixels at 1 mm (default 256)"},
         {"--phantom-mix", "H,B,E", "ct-anatomy: weights of heads, bodies and ellipses (default 0.4,0.4,0.2)"},
         {"--head-atlas", "T1,BRAIN", "ct-anatomy: a T1 head and its brain-extracted copy (default mricron's\nch2.nii.gz,ch2bet.nii.gz)"},
         {"--axes", "LIST", "volume axes to slice along (default 0,1,2)"},
         {"--complex", "", "train a complex prior (2 channels): magnitudes get a random smooth phase"},
         {"--patch", "N", "random square training crops of N pixels (default 64; 0 = whole slices)"},
         {"--percentile", "P", "each slice is scaled so this percentile of |x| is 1 (default 99)"},
         {"--pixel-mm", "MIN,MAX", "resample each volume slice to a random pixel size in [MIN, MAX] mm (area\naveraging; only coarser than the volume's own spacing)"},
         {"--contrast", "P", "probability that a volume slice gets a random synthetic MR contrast (tissue\nclasses by intensity, each with a random signal; default 0)"},
         {"--deform", "P", "probability that a volume slice is warped (random scaling, rotation, shear and\nelastic field, SynthSeg-style; default 0)"},
         {"--bias-field", "STD", "largest std of a random smooth multiplicative bias field exp(b) (default 0)"},
         {"--gamma", "STD", "std of log(gamma) of a random intensity gamma (default 0)"}}},
       {"discrete prior (G2D2)",
        {{"--vq", "", "train a discrete prior: a VQ autoencoder first (--autoencoder-steps), then the\ntoken denoiser under the VQ-Diffusion process (--steps; docs/priors.md)"},
         {"--codebook", "K", "codebook entries (default 512)"},
         {"--code-dim", "D", "dimensions of a codebook vector (default 4)"},
         {"--vq-widths", "LIST", "autoencoder channels per level; f = 2^(levels-1) (default 16,32,64: f = 4)"},
         {"--autoencoder-steps", "N", "autoencoder training steps (default 10000)"},
         {"--autoencoder-lr", "X", "autoencoder Adam learning rate (default 2e-4)"},
         {"--token-patch", "N", "image crops of the token stage in pixels (default 64)"},
         {"--token-embedding", "N", "learned features per token class (default 32)"}}},
       {"network",
        {{"--width", "N", "feature channels at full resolution (default 32; --vq: 64)"},
         {"--multipliers", "LIST", "width multiplier per resolution level (default 1,2,2,2; --vq: 1,2,2)"},
         {"--blocks", "N", "residual blocks per level (default 1)"},
         {"--coordinates", "", "give the network (y, x) coordinate channels"}}},
       {"training",
        {{"--steps", "N", "train until N cumulative steps (default 2000)"},
         {"--hours", "H", "stop earlier after H hours of this run"},
         {"--batch", "N", "images per step (default 16)"},
         {"--lr", "X", "Adam learning rate (default 5e-4; --vq: 4e-4 for the token denoiser)"},
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

namespace {

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

}  // namespace

std::string canonical_command(const TrainRequest& r) {
  std::ostringstream command;
  command << "diffrecon prior train --out " << r.out.string();
  if (!r.volumes.empty()) {
    command << " --volumes ";
    for (size_t i = 0; i < r.volumes.size(); ++i) command << (i ? "," : "") << r.volumes[i].string();
    command << " --axes " << join(r.slices.axes);
  }
  if (r.vq)
    command << " --vq --codebook " << r.autoencoder.codebook_size << " --code-dim " << r.autoencoder.code_dim
            << " --vq-widths " << join(r.autoencoder.widths) << " --autoencoder-steps " << r.autoencoder_steps
            << " --autoencoder-lr " << r.autoencoder_training.learning_rate << " --token-patch " << r.token_patch
            << " --token-embedding " << r.network.channels;
  if (r.image_folder) command << " --images " << r.image_folder->string();
  if (!r.phantoms.empty()) command << " --phantoms " << r.phantoms << " --phantom-size " << r.phantom_size;
  if (r.phantoms == "ct-anatomy") {
    const auto& m = r.phantom_mix;
    command << " --phantom-mix " << m.heads << ',' << m.bodies << ',' << m.ellipses;
    if (m.heads > 0) command << " --head-atlas " << r.head_atlas.t1.string() << ',' << r.head_atlas.brain.string();
  }
  if (r.slices.complex) command << " --complex";
  if (r.slices.max_pixel_mm > 0) command << " --pixel-mm " << r.slices.min_pixel_mm << ',' << r.slices.max_pixel_mm;
  if (r.slices.synthetic_contrast > 0) command << " --contrast " << r.slices.synthetic_contrast;
  if (r.slices.deformation > 0) command << " --deform " << r.slices.deformation;
  if (r.slices.bias_field > 0) command << " --bias-field " << r.slices.bias_field;
  if (r.slices.gamma_std > 0) command << " --gamma " << r.slices.gamma_std;
  command << " --patch " << r.slices.patch_size << " --percentile " << r.slices.percentile << " --width "
          << r.network.base_width << " --multipliers " << join(r.network.width_multipliers) << " --blocks "
          << r.network.blocks_per_level << (r.network.coordinate_channels ? " --coordinates" : "") << " --steps "
          << r.steps << " --batch " << r.training.batch_size << " --lr "
          << (r.vq ? r.token_training.learning_rate : r.training.learning_rate) << " --ema "
          << (r.vq ? r.token_training.ema_decay : r.training.ema_decay) << " --seed " << r.training.seed;
  if (r.training.p_mean != TrainingOptions{}.p_mean) command << " --sigma-mean " << r.training.p_mean;
  if (r.training.low_noise_fraction > 0)
    command << " --low-noise " << r.training.low_noise_fraction << ',' << r.training.low_noise_mean << ','
            << r.training.low_noise_std;
  return command.str();
}

TrainRequest parse_train_request(CommandLine& line) {
  TrainRequest r;
  const auto out = line.take_option("--out");
  if (!out) throw UsageError("prior train: --out DIR is required\n\n" + train_spec().help());
  r.out = *out;
  if (auto volumes = line.take_option("--volumes")) r.volumes = split_paths(*volumes);
  if (auto images = line.take_option("--images")) r.image_folder = fs::path(*images);
  r.phantoms = line.take_option("--phantoms").value_or("");
  if (!r.phantoms.empty() && r.phantoms != "ct-ellipses" && r.phantoms != "ct-anatomy")
    throw UsageError("prior train: --phantoms expects ct-ellipses or ct-anatomy, got '" + r.phantoms + "'");
  r.phantom_size = line.take_int_option("--phantom-size", 16).value_or(256);
  const auto mix = line.take_option("--phantom-mix");
  const auto atlas = line.take_option("--head-atlas");
  if ((mix || atlas) && r.phantoms != "ct-anatomy")
    throw UsageError("prior train: --phantom-mix and --head-atlas apply to --phantoms ct-anatomy");
  try {
    if (mix) r.phantom_mix = PhantomMix::parse(*mix);
    if (atlas) r.head_atlas = HeadAtlasFiles::parse(*atlas);
  } catch (const InputError& e) {
    throw UsageError(std::string("prior train: ") + e.what());
  }
  if (int(!r.volumes.empty()) + int(r.image_folder.has_value()) + int(!r.phantoms.empty()) != 1)
    throw UsageError("prior train: give exactly one of --volumes FILES, --images DIR or --phantoms KIND");
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
  r.vq = line.take_flag("--vq");
  r.autoencoder.channels = r.network.channels;
  r.autoencoder.codebook_size = line.take_int_option("--codebook", 2).value_or(512);
  r.autoencoder.code_dim = line.take_int_option("--code-dim", 1).value_or(4);
  if (auto widths = line.take_int_list_option("--vq-widths", 4)) r.autoencoder.widths = *widths;
  r.autoencoder_steps = line.take_int_option("--autoencoder-steps", 1).value_or(10000);
  r.autoencoder_training.learning_rate = line.take_double_option("--autoencoder-lr", 0.0, true).value_or(2e-4);
  r.token_patch = line.take_int_option("--token-patch", 8).value_or(64);
  const auto token_embedding = line.take_int_option("--token-embedding", 1).value_or(32);
  r.network.base_width = line.take_int_option("--width", 8).value_or(r.vq ? 64 : 32);
  if (r.vq) r.network.width_multipliers = {1, 2, 2};
  if (auto multipliers = line.take_int_list_option("--multipliers", 1)) r.network.width_multipliers = *multipliers;
  r.network.blocks_per_level = line.take_int_option("--blocks", 1).value_or(1);
  r.network.coordinate_channels = line.take_flag("--coordinates");
  r.steps = line.take_int_option("--steps", 1).value_or(2000);
  r.hours = line.take_double_option("--hours", 0.0, true).value_or(0.0);
  r.training.batch_size = line.take_int_option("--batch", 1).value_or(16);
  r.training.learning_rate = line.take_double_option("--lr", 0.0, true).value_or(r.vq ? 4e-4 : 5e-4);
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
  if (r.vq) {
    if (r.network.coordinate_channels) throw UsageError("prior train: --coordinates is for continuous priors, not --vq");
    r.network.channels = token_embedding;
    r.network.input_classes = r.autoencoder.codebook_size + 1;  // the tokens and [MASK]
    r.network.output_channels = r.autoencoder.codebook_size;
    r.autoencoder_training.batch_size = r.token_training.batch_size = r.training.batch_size;
    r.autoencoder_training.seed = r.token_training.seed = r.training.seed;
    r.token_training.learning_rate = r.training.learning_rate;
    r.token_training.ema_decay = r.training.ema_decay;
  }
  try {
    r.network.validate();
    r.training.validate();
    r.autoencoder.validate();
    r.autoencoder_training.validate();
    r.token_training.validate();
  } catch (const std::invalid_argument& error) {
    throw UsageError(std::string("prior train: ") + error.what());
  }
  if (r.vq) {
    const int64_t f = r.autoencoder.downsampling(), multiple = f * r.network.size_multiple();
    if (r.slices.patch_size <= 0 || r.slices.patch_size % f != 0)
      throw UsageError("prior train: --vq needs --patch, a multiple of the autoencoder's " + std::to_string(f));
    if (r.token_patch % multiple != 0)
      throw UsageError("prior train: --token-patch must be a multiple of " + std::to_string(multiple) + " (" +
                       std::to_string(f) + " pixels per token times " + std::to_string(r.network.size_multiple()) +
                       " for the token network's levels)");
  } else if (r.slices.patch_size > 0 && r.slices.patch_size % r.network.size_multiple() != 0)
    throw UsageError("prior train: --patch must be a multiple of " + std::to_string(r.network.size_multiple()) +
                     " for " + std::to_string(r.network.levels()) + " resolution levels");
  return r;
}

// CT attenuation in the prior's range: (mu - mu_water) / mu_water, i.e. HU / 1000 (air -1, water 0, bone ~1).
namespace {
constexpr double kMuWater = ct::RandomEllipseOptions{}.mu_water_per_mm;

}  // namespace

std::shared_ptr<const TrainingImageSource> load_training_images(const TrainRequest& r, int64_t patch_size) {
  if (!r.phantoms.empty()) {
    const int64_t size = r.phantom_size;
    if (patch_size > size) throw UsageError("prior train: the training patch exceeds --phantom-size");
    const auto grid = ct::ImageGrid::square(size, 256.0 / static_cast<double>(size));
    if (r.phantoms == "ct-anatomy") {
      const auto atlas = r.phantom_mix.heads > 0 ? load_head_atlas(r.head_atlas) : nullptr;
      auto generate = [grid, atlas, mix = r.phantom_mix](uint64_t seed) {
        return phantom_hounsfield("mix", seed | (uint64_t{1} << 32), grid, atlas.get(), mix) / 1000.0;
      };
      // A body or head takes 55-75 ms to paint at 256 x 256 (an ellipse phantom 15 ms), as much as the
      // network's step on its patch: four patches per phantom (docs/ct.md, "Training anatomy").
      return std::make_shared<GeneratedImageSource>(generate, 1, true, patch_size, patch_size > 0 ? 4 : 1);
    }
    auto generate = [grid](uint64_t seed) {
      const auto phantom = ct::random_ellipse_phantom(seed | (uint64_t{1} << 32));
      const auto mu = ct::rasterize(phantom, grid, 2);
      return (mu - kMuWater) / kMuWater;
    };
    return std::make_shared<GeneratedImageSource>(generate, 1, true, patch_size);
  }
  std::vector<torch::Tensor> volumes;
  std::vector<double> spacings;  // empty for 2-D image folders: 1 mm each
  auto options = r.slices;
  options.patch_size = patch_size;
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

LossLog read_loss_log(const fs::path& path) {
  LossLog log;
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

void write_loss_files(const fs::path& folder, const std::string& stem, const LossLog& log) {
  write_atomically(folder / (stem + ".csv"), [&](const fs::path& p) {
    std::ofstream csv(p);
    csv << "step,loss\n";
    for (const auto& [step, loss] : log) csv << step << ',' << loss << '\n';
  });
  std::vector<double> losses;
  for (const auto& entry : log) losses.push_back(entry.second);
  const auto window = std::max<int64_t>(1, static_cast<int64_t>(losses.size()) / 50);
  write_png(folder / (stem + ".png"), render_line_plot(moving_average(losses, window)), DisplayWindow{0.0, 1.0},
            Overwrite::Allow);
}

void describe_training(ModelCard& card, const TrainRequest& r, int64_t steps, double hours) {
  if (!r.phantoms.empty()) {
    card.normalization.kind = "fixed";
    card.normalization.scale = kMuWater;
    card.normalization.offset = kMuWater;
  } else {
    card.normalization.kind = "percentile";
    card.normalization.percentile = r.slices.percentile;
  }
  card.training.data = r.phantoms == "ct-anatomy"
                           ? "random CT heads (atlas " + r.head_atlas.t1.string() + "), bodies and ellipse phantoms (recon/pipeline/training_phantoms.h), " +
                                 std::to_string(r.phantom_size) + " px over 256 mm, seeds >= 2^32"
                       : !r.phantoms.empty() ? "random CT ellipse phantoms (ct/ellipse_phantom.h), " +
                                                 std::to_string(r.phantom_size) + " px over 256 mm, seeds >= 2^32"
                       : r.image_folder ? r.image_folder->string() : [&] {
    std::string names;
    for (const auto& v : r.volumes) names += (names.empty() ? "" : ",") + v.string();
    return names + " (slices along axes " + join(r.slices.axes) + ")";
  }();
  card.training.command = canonical_command(r);
  card.training.history = r.history;
  card.training.history.push_back("steps " + std::to_string(r.start_step) + "-" + std::to_string(steps) + ": " +
                                  card.training.command);
  card.training.steps = steps;
  card.training.hours = hours;
  card.training.patch_size = r.vq ? r.token_patch : r.slices.patch_size;
  card.training.seed = r.training.seed;
  card.training.machine = std::to_string(at::get_num_threads()) + " CPU threads";
}

}  // namespace diffrecon::cli
