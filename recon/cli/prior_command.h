// diffrecon prior train|sample|denoise: training the built-in diffusion prior and inspecting priors.
#pragma once

#include <string>
#include <vector>

namespace diffrecon::cli {

// `arguments` are those after "prior".
int run_prior_command(const std::vector<std::string>& arguments);

// Each action's arguments (after "prior train", ...), parsed by its own option table.
int run_prior_train(const std::vector<std::string>& arguments);
int run_prior_sample(const std::vector<std::string>& arguments);
int run_prior_denoise(const std::vector<std::string>& arguments);

}  // namespace diffrecon::cli
