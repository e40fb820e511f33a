#include "recon/itk/filter_support.h"

#include "core/error.h"
#include "recon/pipeline/shipped_models.h"
#include "samplers/sampler_presets.h"

#include "itkMetaDataObject.h"
#include "itkMultiThreaderBase.h"

#include <ATen/Parallel.h>

#include <exception>

namespace diffrecon::itk_support {

void rethrow_as_itk(const itk::ProcessObject& filter, const char* file, unsigned line) {
  const std::string who = filter.GetNameOfClass();
  try {
    throw;
  } catch (const itk::ExceptionObject&) {
    throw;
  } catch (const InputError& error) {
    throw InvalidReconstructionInputException(file, line, who + ": " + error.what(), who);
  } catch (const std::exception& error) {
    throw ReconstructionException(file, line, who + ": " + error.what(), who);
  }
}

PosteriorSettings posterior_settings(const PosteriorOptions& options, const std::string& shipped_prior) {
  PosteriorSettings settings;
  settings.recipe.method = options.sampler;
  settings.recipe.preset = parse_sampler_preset(options.preset);
  settings.recipe.overrides = options.parameters;
  check_sampler_recipe(settings.recipe);
  if (options.samples < 1) throw InputError("Posterior.samples: expected at least 1 chain, got " + std::to_string(options.samples));
  if (options.chain_batch < 0)
    throw InputError("Posterior.chain_batch: expected 0 (all chains) or more, got " + std::to_string(options.chain_batch));
  settings.samples = options.samples;
  settings.batch = options.chain_batch;
  settings.seed = options.seed;
  settings.prior_card = options.prior_card.empty() ? shipped_prior_card(shipped_prior) : std::filesystem::path(options.prior_card);
  return settings;
}

void write_record(itk::MetaDataDictionary& dictionary, const ReconstructionRecord& record) {
  const auto put = [&dictionary](const char* key, const std::string& value) {
    itk::EncapsulateMetaData<std::string>(dictionary, key, value);
  };
  put("DiffRecon_Derivation", record.derivation());
  put("DiffRecon_Method", record.method);
  put("DiffRecon_Parameters", record.parameter_text());
  if (!record.prior_id.empty()) put("DiffRecon_PriorId", record.prior_id);
  if (!record.prior_sha256.empty()) put("DiffRecon_PriorSHA256", record.prior_sha256);
  if (record.seed) put("DiffRecon_Seed", std::to_string(*record.seed));
  if (record.nfe) put("DiffRecon_NFE", std::to_string(*record.nfe));
  if (record.samples) put("DiffRecon_Samples", std::to_string(*record.samples));
}

TorchThreadScope::TorchThreadScope(const itk::ProcessObject& filter) : previous_(at::get_num_threads()) {
  const int threads =
      static_cast<int>(std::min(filter.GetNumberOfWorkUnits(), filter.GetMultiThreader()->GetMaximumNumberOfThreads()));
  if (threads >= 1 && threads != previous_) at::set_num_threads(threads);
}

TorchThreadScope::~TorchThreadScope() {
  if (at::get_num_threads() != previous_) at::set_num_threads(previous_);
}

FilterProgress::FilterProgress(itk::ProcessObject& filter, int64_t slices)
    : filter_(filter), slices_done_(std::make_shared<int64_t>(0)), slices_(std::max<int64_t>(slices, 1)) {}

void FilterProgress::report(double fraction_of_slice) {
  report_job((double(*slices_done_) + std::clamp(fraction_of_slice, 0.0, 1.0)) / double(slices_));
}

void FilterProgress::report_job(double fraction) {
  if (filter_.GetAbortGenerateData()) {
    itk::ProcessAborted aborted(__FILE__, __LINE__);
    aborted.SetDescription(std::string(filter_.GetNameOfClass()) + ": aborted (AbortGenerateData)");
    throw aborted;
  }
  filter_.UpdateProgress(static_cast<float>(std::clamp(fraction, 0.0, 1.0)));
}

JobObserver FilterProgress::observer() {
  JobObserver observer;
  // A posterior job's progress stream covers all its slices (recon/pipeline/slice_posteriors.h).
  observer.sampling = [this](const std::string&, const SamplingProgress& p) {
    const double batches = std::max<int64_t>(p.chain_batches, 1);
    const double within = p.step.steps > 0 ? double(p.step.step) / double(p.step.steps) : 1.0;
    report_job((double(std::max<int64_t>(p.chain_batch, 1) - 1) + within) / batches);
  };
  observer.iteration = [this](const std::string&, int64_t iteration, int64_t total, double) {
    report(total > 0 ? double(iteration) / double(total) : 1.0);
  };
  observer.slice_done = [this](int64_t slice, int64_t) {
    *slices_done_ = slice;
    report(0.0);
  };
  return observer;
}

IterationCallback FilterProgress::iteration_callback(int total_iterations) {
  return [this, total_iterations](const IterationReport& r) {
    report(total_iterations > 0 ? double(r.iteration) / double(total_iterations) : 1.0);
    return true;
  };
}

}  // namespace diffrecon::itk_support
