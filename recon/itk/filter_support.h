// Internal to recon/itk's sources: what every DiffRecon filter does around a pipeline job. Errors
// become the filter's ITK exceptions; LibTorch's threads follow the filter's work units; progress
// becomes ProgressEvents, and AbortGenerateData stops the job between two steps.
#pragma once

#include "recon/itk/image_tensors.h"
#include "recon/itk/posterior_options.h"
#include "recon/itk/reconstruction_exception.h"
#include "recon/pipeline/reconstruction.h"
#include "solvers/solver_report.h"

#include "itkMetaDataDictionary.h"
#include "itkProcessObject.h"

#include <memory>
#include <string>

namespace diffrecon::itk_support {

// Rethrows the exception in flight as the filter's ITK exception: ITK's own pass unchanged (an
// abort stays itk::ProcessAborted), InputError becomes InvalidReconstructionInputException, the
// rest ReconstructionException; the message starts with the filter's class name.
[[noreturn]] void rethrow_as_itk(const itk::ProcessObject& filter, const char* file, unsigned line);

// The pipeline's posterior settings from the filter's options: the card given, or the shipped prior
// `shipped_prior` ("mri-brain", "ct-body"); InputError for an unknown sampler, preset or parameter.
PosteriorSettings posterior_settings(const PosteriorOptions& options, const std::string& shipped_prior);

// The record as the output's metadata: DiffRecon_Derivation (the DICOM Derivation Description),
// DiffRecon_Method, DiffRecon_Parameters, DiffRecon_PriorId, DiffRecon_PriorSHA256, DiffRecon_Seed,
// DiffRecon_NFE, DiffRecon_Samples (each only when the record has it), all std::string.
void write_record(itk::MetaDataDictionary& dictionary, const ReconstructionRecord& record);

// A reconstruction filter's outputs from its job's result ([H, W] or [D, H, W]): output 0 the image,
// output 1 the posterior std map or, without one, an empty buffer; each carries the record.
template <typename TImage, typename TStdImage>
void write_outputs(TImage& image_output, TStdImage& std_output, const torch::Tensor& image, const torch::Tensor& std_map,
                   const ReconstructionRecord& record) {
  itk_tensors::fill_from(image_output, image);
  write_record(image_output.GetMetaDataDictionary(), record);
  if (std_map.defined()) {
    itk_tensors::fill_from(std_output, std_map);
    write_record(std_output.GetMetaDataDictionary(), record);
    return;
  }
  auto empty = std_output.GetLargestPossibleRegion();
  auto size = empty.GetSize();
  size.Fill(0);
  empty.SetSize(size);
  std_output.SetBufferedRegion(empty);
}

// LibTorch's intra-op threads set for the scope to the filter's work units, at most its threader's
// maximum number of threads (ITK's global default unless the user set one), and restored
// afterwards: while a filter's job runs, ITK's pool is idle, so the two pools never run at once.
class TorchThreadScope {
 public:
  explicit TorchThreadScope(const itk::ProcessObject& filter);
  ~TorchThreadScope();
  TorchThreadScope(const TorchThreadScope&) = delete;
  TorchThreadScope& operator=(const TorchThreadScope&) = delete;

 private:
  int previous_;
};

// Progress of a job over `slices` slices, as the filter's ProgressEvents (cumulative fraction in
// [0, 1]); every report first checks AbortGenerateData and throws itk::ProcessAborted when set.
class FilterProgress {
 public:
  FilterProgress(itk::ProcessObject& filter, int64_t slices);

  // The observer to give the job: sampler steps, solver iterations and finished slices.
  JobObserver observer();
  // For solvers the job drives through an IterationCallback (the MRI classical methods).
  IterationCallback iteration_callback(int total_iterations);

  void report(double fraction_of_slice);  // within the current slice
  void report_job(double fraction);       // of the whole job

 private:
  itk::ProcessObject& filter_;
  std::shared_ptr<int64_t> slices_done_;
  int64_t slices_;
};

}  // namespace diffrecon::itk_support
