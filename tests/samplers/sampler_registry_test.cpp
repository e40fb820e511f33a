// The sampler registry: every registered name builds, unknown names and unknown or ill-typed
// parameters are refused with what is accepted, and the preset tables give exactly the parameters the
// if-chain they replaced gave (recorded from the code at afdc182).
#include "gaussian_oracle.h"
#include "priors/factorised_token_prior.h"
#include "samplers/dps_sampler.h"
#include "samplers/sampler_presets.h"

namespace diffrecon {
namespace {

// The message of the InputError `make` throws; fails the test when it throws nothing or another type.
template <class Make>
std::string input_error(Make make) {
  try {
    make();
  } catch (const InputError& error) {
    return error.what();
  } catch (const std::exception& error) {
    ADD_FAILURE() << "not an InputError: " << error.what();
    return "";
  }
  ADD_FAILURE() << "nothing thrown";
  return "";
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(SamplerRegistry, EveryRegisteredNameBuildsAndNamesItself) {
  const SamplerPrior prior{testing::oracle_gaussian(),
                           std::make_shared<FactorisedTokenPrior>(torch::full({2, 4}, 0.5), VqDiffusionProcess(2))};
  EXPECT_EQ(builtin_samplers().names(),
            (std::vector<std::string>{"dps", "mcg", "daps", "reddiff", "diffpir", "dds", "g2d2"}));
  for (const auto& name : builtin_samplers().names()) {
    for (auto preset : {SamplerPreset::Fast, SamplerPreset::Full}) {
      auto sampler = make_sampler({name, preset, ProjectionPreconditioner::Identity, {}}, prior);
      EXPECT_EQ(sampler->name(), name);
      EXPECT_EQ(sampler->image_channels(), 1);
      EXPECT_EQ(sampler->evaluation_counter().calls(), 0);
    }
    EXPECT_TRUE(is_sampler_name(name));
  }
  EXPECT_FALSE(is_sampler_name("tv"));
  EXPECT_EQ(sampler_method_names(), "dps, mcg, daps, reddiff, diffpir, dds, g2d2");
}

TEST(SamplerRegistry, ContinuousMethodsRefuseADiscretePriorAlone) {
  const SamplerPrior tokens_only{nullptr,
                                 std::make_shared<FactorisedTokenPrior>(torch::full({2, 4}, 0.5), VqDiffusionProcess(2))};
  for (const auto& name : builtin_samplers().names()) {
    if (name == "g2d2") continue;
    const auto message = input_error([&] {
      make_sampler({name, SamplerPreset::Fast, ProjectionPreconditioner::Identity, {}}, tokens_only);
    });
    EXPECT_TRUE(contains(message, name + " samples with a continuous prior")) << message;
    EXPECT_TRUE(contains(message, "only g2d2")) << message;
  }
  EXPECT_NE(make_sampler({"g2d2", SamplerPreset::Fast, ProjectionPreconditioner::Identity, {}}, tokens_only), nullptr);
}

TEST(SamplerRegistry, TheDiscreteMethodRefusesAContinuousPrior) {
  const auto message = input_error([] {
    make_sampler({"g2d2", SamplerPreset::Fast, ProjectionPreconditioner::Identity, {}}, testing::oracle_gaussian());
  });
  EXPECT_TRUE(contains(message, "g2d2") && contains(message, "discrete (VQ) prior")) << message;
}

TEST(SamplerRegistry, UnknownNamesAreRefusedWithTheAcceptedOnes) {
  const auto message = input_error([] { check_sampler_recipe({"dsp", SamplerPreset::Fast, {}, {}}); });
  EXPECT_TRUE(contains(message, "'dsp'")) << message;
  EXPECT_TRUE(contains(message, "dps, mcg, daps, reddiff, diffpir, dds, g2d2")) << message;
}

TEST(SamplerRegistry, UnknownAndIllTypedParametersAreRefusedWithWhatIsAccepted) {
  auto unknown = input_error([] { check_sampler_recipe({"dps", SamplerPreset::Fast, {}, {{"zetta", "2"}}}); });
  EXPECT_TRUE(contains(unknown, "'zetta'") && contains(unknown, "step_rule, steps, zeta")) << unknown;
  auto fractional = input_error([] { check_sampler_recipe({"dps", SamplerPreset::Fast, {}, {{"steps", "1.5"}}}); });
  EXPECT_TRUE(contains(fractional, "'steps'") && contains(fractional, "whole number") && contains(fractional, "'1.5'"))
      << fractional;
  auto text = input_error([] { check_sampler_recipe({"reddiff", SamplerPreset::Fast, {}, {{"lr", "fast"}}}); });
  EXPECT_TRUE(contains(text, "'lr'") && contains(text, "a number")) << text;
  auto inner = input_error([] { check_sampler_recipe({"daps", SamplerPreset::Fast, {}, {{"inner", "2"}}}); });
  EXPECT_TRUE(contains(inner, "'inner'") && contains(inner, "langevin") && contains(inner, "exact")) << inner;
  // Values out of range are the sampler's to refuse, also as InputError.
  auto negative = input_error([] { check_sampler_recipe({"dps", SamplerPreset::Fast, {}, {{"zeta", "-1"}}}); });
  EXPECT_TRUE(contains(negative, "zeta")) << negative;
  auto preset = input_error([] { parse_sampler_preset("quick"); });
  EXPECT_EQ(preset, "sampler preset 'quick': expected fast or full");
  auto item = input_error([] { parse_sampler_overrides("steps=10,zeta"); });
  EXPECT_TRUE(contains(item, "'zeta'") && contains(item, "name=value")) << item;
  EXPECT_EQ(parse_sampler_overrides("steps=10,inner=exact"),
            (std::map<std::string, std::string>{{"steps", "10"}, {"inner", "exact"}}));
}

// parameters() as "name=value; ..." text.
std::string parameter_list(const Sampler& sampler) {
  std::string text;
  for (const auto& [name, value] : sampler.parameters()) text += (text.empty() ? "" : " ") + name + "=" + value + ";";
  return text;
}

TEST(SamplerRegistry, DapsInnerSamplerIsTypedAndKeepsTheNumericSpelling) {
  auto prior = testing::oracle_gaussian();
  auto inner = [&](const std::string& value) {
    auto sampler = make_sampler({"daps", SamplerPreset::Full, {}, {{"inner", value}}}, prior);
    for (const auto& [name, text] : sampler->parameters())
      if (name == "inner") return text;
    return std::string("?");
  };
  EXPECT_EQ(inner("langevin"), "langevin");
  EXPECT_EQ(inner("0"), "langevin");
  EXPECT_EQ(inner("exact"), "perturb-and-map-cg");
  EXPECT_EQ(inner("1"), "perturb-and-map-cg");
  EXPECT_EQ(inner("perturb-and-map-cg"), "perturb-and-map-cg");  // what reports print reads back
}

TEST(SamplerRegistry, PresetTablesGiveTheParametersTheyGaveBefore) {
  struct Expected {
    const char* method;
    const char* preset;
    const char* projection;
    const char* parameters;
  };
  const std::vector<Expected> expected = {
      {"dps", "fast", "identity", "steps=100; zeta=5; step_rule=residual-normalized; guidance=dps; schedule=vp-discrete linear 1e-4..0.02, 1000 timesteps;"},
      {"dps", "fast", "column-sums", "steps=100; zeta=5; step_rule=residual-normalized; guidance=dps; schedule=vp-discrete linear 1e-4..0.02, 1000 timesteps;"},
      {"dps", "full", "identity", "steps=1000; zeta=1; step_rule=residual-normalized; guidance=dps; schedule=vp-discrete linear 1e-4..0.02, 1000 timesteps;"},
      {"dps", "full", "column-sums", "steps=1000; zeta=1; step_rule=residual-normalized; guidance=dps; schedule=vp-discrete linear 1e-4..0.02, 1000 timesteps;"},
      {"mcg", "fast", "identity", "steps=100; alpha=1; projection=identity; lambda_start=1; lambda_end=1; guidance=dps; schedule=vp-discrete linear 1e-4..0.02, 1000 timesteps;"},
      {"mcg", "fast", "column-sums", "steps=100; alpha=1; projection=column-sums; lambda_start=1; lambda_end=0.6; guidance=dps; schedule=vp-discrete linear 1e-4..0.02, 1000 timesteps;"},
      {"mcg", "full", "identity", "steps=1000; alpha=1; projection=identity; lambda_start=1; lambda_end=1; guidance=dps; schedule=vp-discrete linear 1e-4..0.02, 1000 timesteps;"},
      {"mcg", "full", "column-sums", "steps=1000; alpha=1; projection=column-sums; lambda_start=1; lambda_end=0.6; guidance=dps; schedule=vp-discrete linear 1e-4..0.02, 1000 timesteps;"},
      {"daps", "fast", "identity", "annealing_steps=100; sigma_max=100; sigma_min=0.002; ode_steps=1; ode_sigma_min=0.0005; langevin_steps=100; lr=0.0001; lr_min_ratio=0.01; tau=0.01; estimate=ode-endpoint; inner=perturb-and-map-cg; cg_iterations=10;"},
      {"daps", "fast", "column-sums", "annealing_steps=100; sigma_max=100; sigma_min=0.002; ode_steps=1; ode_sigma_min=0.0005; langevin_steps=100; lr=0.0001; lr_min_ratio=0.01; tau=0.01; estimate=ode-endpoint; inner=perturb-and-map-cg; cg_iterations=10;"},
      {"daps", "full", "identity", "annealing_steps=200; sigma_max=100; sigma_min=0.1; ode_steps=5; ode_sigma_min=0.01; langevin_steps=100; lr=0.0001; lr_min_ratio=0.01; tau=0.01; estimate=ode-endpoint; inner=langevin;"},
      {"daps", "full", "column-sums", "annealing_steps=200; sigma_max=100; sigma_min=0.1; ode_steps=5; ode_sigma_min=0.01; langevin_steps=100; lr=0.0001; lr_min_ratio=0.01; tau=0.01; estimate=ode-endpoint; inner=langevin;"},
      {"reddiff", "fast", "identity", "steps=100; lambda=0.25; lr=0.1; obs_weight=1; weighting=linear; betas=0.9,0.99; passes=1; initial_cg_iterations=20;"},
      {"reddiff", "fast", "column-sums", "steps=100; lambda=0.25; lr=0.1; obs_weight=1; weighting=linear; betas=0.9,0.99; passes=1; initial_cg_iterations=20;"},
      {"reddiff", "full", "identity", "steps=1000; lambda=0.25; lr=0.1; obs_weight=1; weighting=linear; betas=0.9,0.99; passes=1; initial_cg_iterations=20;"},
      {"reddiff", "full", "column-sums", "steps=1000; lambda=0.25; lr=0.1; obs_weight=1; weighting=linear; betas=0.9,0.99; passes=1; initial_cg_iterations=20;"},
  };
  auto prior = testing::oracle_gaussian();
  for (const auto& e : expected) {
    auto sampler = make_sampler({e.method, parse_sampler_preset(e.preset), parse_projection_preconditioner(e.projection), {}},
                                prior);
    EXPECT_EQ(parameter_list(*sampler), e.parameters) << e.method << " " << e.preset << " " << e.projection;
  }
}

TEST(SamplerRegistry, ALibraryUserAddsASampler) {
  // A registry is a table: a copy of the built-in one takes one more entry without editing it.
  SamplerRegistry registry = builtin_samplers();
  registry.add("dps-tweedie", [](const SamplerRecipe&, const SamplerPrior& prior) -> std::unique_ptr<Sampler> {
    DpsOptions options;
    options.steps = 50;
    options.step_rule = GuidanceStepRule::Tweedie;
    return std::make_unique<DpsSampler>(prior.denoiser, options);
  });
  EXPECT_TRUE(registry.contains("dps-tweedie"));
  EXPECT_FALSE(builtin_samplers().contains("dps-tweedie"));
  auto sampler = registry.make({"dps-tweedie", SamplerPreset::Fast, {}, {}}, {testing::oracle_gaussian(), nullptr});
  EXPECT_EQ(sampler->evaluations_per_chain(), 50);
  EXPECT_THROW(registry.add("dps", {}), InternalError);
}

TEST(SamplerRegistry, RunSamplerChecksTheChannelsThroughTheSampler) {
  auto setup = testing::make_oracle(testing::oracle_gaussian(), 0.3);
  auto mean = torch::zeros({8}, torch::kFloat64);
  auto two_channels = std::make_shared<GaussianMixturePrior>(
      GaussianMixturePrior::gaussian(mean, torch::eye(8, torch::kFloat64), {2, 2, 2}));
  auto sampler = make_sampler({"reddiff", SamplerPreset::Fast, {}, {{"steps", "5"}}}, two_channels);
  auto message = input_error([&] { run_sampler(*sampler, *setup.problem, {}); });
  EXPECT_TRUE(contains(message, "2 channels") && contains(message, "have 1")) << message;
  EXPECT_THROW(make_sampler({"dps", SamplerPreset::Fast, {}, {}}, nullptr), InputError);
}

}  // namespace
}  // namespace diffrecon
