// A downstream project on the installed DiffRecon (find_package(DiffRecon), linking DiffRecon::pipeline):
// the README's library example - ISMRMRD -> ESPIRiT -> DDS -> DICOM study - on a small scan it
// writes itself. Usage: consumer PREFIX WORK_DIR (the shipped prior is taken from the install).
#include "io/ismrmrd_writer.h"
#include "mri/sampling_mask.h"
#include "mri/sense_operator.h"
#include "mri/simulated_coils.h"
#include "recon/pipeline/mri_input.h"
#include "recon/pipeline/mri_job.h"
#include "recon/pipeline/study_writers.h"
#include "validation/test_images.h"

#include <cstdio>
#include <filesystem>

namespace fs = std::filesystem;
using namespace diffrecon;

// A 4-coil 32 x 32 acquisition at acceleration 2 with a noise scan, as a scanner's converter writes it.
void write_scan(const fs::path& path) {
  const auto truth = piecewise_constant_phantom(32, 32, torch::kComplexFloat);
  const auto maps = mri::birdcage_sensitivities(4, 32, 32);
  const auto mask = mri::random_line_mask({32, 32, 2.0, 8, 1});
  IsmrmrdAcquisition scan;
  scan.kspace = mri::SenseOperator(maps, mask).forward(truth);
  scan.mask = mask;
  scan.noise = 0.01 * torch::randn({4, 64}, torch::kComplexFloat);
  scan.calibration_lines = 8;
  scan.acceleration = 2.0;
  write_ismrmrd(path, scan, Overwrite::Refuse);
}

int main(int argc, char** argv) {
  if (argc != 3) return 2;
  const fs::path prefix = argv[1], work = argv[2];
  write_scan(work / "scan.h5");

  // The README's library example.
  auto input = read_mri_input(work / "scan.h5");                 // k-space, noise scans, header
  MriJob job{input.acquisition};                                 // ESPIRiT maps and pre-whitening by default
  job.kind = MriMethodKind::Posterior;
  job.posterior = {prefix / "share/diffrecon/models/mri-brain/model.json", {"dds"}, /*samples=*/2};
  job.posterior.recipe.overrides = {{"steps", "3"}};             // (not in the README: seconds, not minutes)
  auto result = run_mri_job(job);                                // mean, std, provenance record
  auto study = write_mri_study(work / "study", input, result);   // DICOM mean + std series, preview, report

  const bool ok = study.series.size() == 2 && fs::exists(work / "study" / "report.json") &&
                  result.record.nfe.value_or(0) == 3 && result.record.prior_sha256.size() == 64 &&
                  torch::isfinite(result.image).all().item<bool>();
  std::printf("library example: %zu series, %zu DICOM files, NFE %lld per chain, prior %s: %s\n", study.series.size(),
              study.dicom_files.size(), static_cast<long long>(result.record.nfe.value_or(0)),
              result.record.prior_id.c_str(), ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}
