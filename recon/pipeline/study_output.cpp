#include "recon/pipeline/study_output.h"

#include "io/image_file.h"
#include "recon/pipeline/report.h"
#include "validation/text_label.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>

namespace diffrecon {
namespace fs = std::filesystem;
namespace {

using nlohmann::json;

torch::Tensor as_volume(const torch::Tensor& t) {
  auto v = t.detach().to(torch::kCPU);
  return v.dim() == 2 ? v.unsqueeze(0) : v;
}

// A panel with its label written underneath (white on black), when the request names panels. One
// text scale for every panel (so the strips have one height): 2 when every label fits the panel's
// width at that size, else 1, with labels cut to fit.
int64_t caption_scale(const StudyOutputRequest& request, int64_t width) {
  size_t longest = 1;
  for (const auto& p : request.previews) longest = std::max(longest, p.label.size());
  return (width - 4) >= 12 * static_cast<int64_t>(longest) ? 2 : 1;
}

torch::Tensor with_caption(const torch::Tensor& panel, const StudyOutputRequest& request, size_t index) {
  if (request.previews.empty()) return panel;
  const int64_t width = panel.size(1), scale = caption_scale(request, width);
  auto label = request.previews[index].label;
  const int64_t fits = std::max<int64_t>(1, (width - 4) / (6 * scale));
  if (static_cast<int64_t>(label.size()) > fits) label.resize(static_cast<size_t>(fits));
  const auto text = render_text(label, scale);
  const int64_t used = std::min<int64_t>(text.size(1), width - 2);
  auto strip = torch::zeros({7 * scale + 6, width}, torch::kFloat32);
  strip.narrow(0, 3, text.size(0)).narrow(1, 2, used).copy_(text.narrow(1, 0, used));
  return torch::cat({panel, strip}, 0);
}

// The panels through one window, side by side, as values in [0, 1] for write_png.
torch::Tensor preview_of(const StudyOutputRequest& request) {
  std::vector<torch::Tensor> panels;
  for (const auto& panel : request.previews) panels.push_back(panel.image);
  if (panels.empty()) {
    auto volume = as_volume(request.image);
    for (int64_t k = 0; k < volume.size(0); ++k) panels.push_back(volume[k]);
  }
  torch::Tensor reference;
  for (const auto& p : panels)
    if (p.defined()) {
      reference = p;
      break;
    }
  if (!reference.defined()) throw std::invalid_argument("study output: no preview image");
  double low = -160.0, high = 240.0;  // CT soft tissue (W400 L40)
  const bool mr = request.modality == DicomModality::MR;
  if (mr) {
    low = 0.0;
    high = DisplayWindow::from_percentile(reference.detach().to(torch::kCPU).abs().to(torch::kFloat32)).high;
    if (!(high > 0)) high = 1.0;
  }
  std::vector<torch::Tensor> shown;
  for (size_t n = 0; n < panels.size(); ++n) {
    const auto& p = panels[n];
    if (!p.defined()) {
      shown.push_back(with_caption(torch::zeros(reference.sizes(), torch::kFloat32), request, n));
      continue;
    }
    auto values = p.detach().to(torch::kCPU);
    values = (mr || values.is_complex() ? values.abs() : values).to(torch::kFloat32);
    if (values.sizes() != reference.sizes())
      throw std::invalid_argument("study output: preview panels differ in size (" + c10::str(values.sizes()) + " vs " +
                                  c10::str(reference.sizes()) + ")");
    shown.push_back(with_caption(((values - low) / (high - low)).clamp(0.0, 1.0), request, n));
  }
  return shown.size() == 1 ? shown.front() : tile_images(torch::stack(shown), static_cast<int64_t>(shown.size()));
}

json report_of(const StudyOutputRequest& request, const StudyOutput& output) {
  std::vector<std::string> files;
  for (const auto& series : output.series) files.push_back(fs::relative(series.folder, output.folder).string() + "/");
  files.push_back("preview.png");
  json report = report_json(request.record, files);
  report["study_instance_uid"] = output.study_instance_uid;
  const bool mr = request.modality == DicomModality::MR;
  report["modality"] = mr ? "MR" : "CT";
  auto volume = as_volume(request.image);
  report["size"] = {{"slices", volume.size(0)}, {"rows", volume.size(1)}, {"columns", volume.size(2)}};
  const auto& g = request.geometry;
  report["geometry"] = {{"spacing_mm", g.spacing}, {"origin_mm", g.origin}, {"direction", g.direction},
                        {"frame", "DICOM patient (LPS); axis 0 along a row, 1 down a column, 2 across slices"}};
  report["series"] = json::array();
  for (const auto& s : output.series) {
    json entry{{"folder", fs::relative(s.folder, output.folder).string()},
               {"series_instance_uid", s.series_instance_uid},
               {"instances", s.file_names.size()}};
    entry["quantisation"] = mr ? json{{"stored", "round(magnitude * scale)"}, {"scale", s.scale}}
                               : json{{"stored", "HU - rescale_intercept"}, {"rescale_slope", 1.0},
                                      {"rescale_intercept", s.rescale_intercept}};
    report["series"].push_back(entry);
  }
  report["preview"] = {{"file", "preview.png"}, {"panels", json::array()}};
  for (const auto& p : request.previews) report["preview"]["panels"].push_back(p.label);
  return report;
}

}  // namespace

bool is_complete_study_output(const fs::path& folder) {
  return fs::is_directory(folder) && fs::is_regular_file(folder / kStudyReportName);
}

StudyOutput write_study_output(const StudyOutputRequest& request) {
  if (!request.image.defined()) throw std::invalid_argument("study output '" + request.folder.string() + "': no image");
  if (request.uncertainty.defined() && as_volume(request.uncertainty).sizes() != as_volume(request.image).sizes())
    throw std::invalid_argument("study output '" + request.folder.string() + "': the uncertainty map " +
                                c10::str(request.uncertainty.sizes()) + " differs in shape from the image " +
                                c10::str(request.image.sizes()));
  AtomicOutput output(request.folder, request.overwrite);
  const auto temporary = output.temporary_path();
  fs::create_directories(temporary / "dicom");

  DicomSeriesWriter writer(request.study, request.uid_root, request.uid_key);
  StudyOutput result;
  result.folder = request.folder;
  result.study_instance_uid = writer.study_instance_uid();
  const auto& record = request.record;
  DicomSeries image;
  image.modality = request.modality;
  image.volume = request.image;
  image.geometry = request.geometry;
  image.series_number = 1;
  image.series_description = "DiffRecon " + record.method + " " + request.series_name;
  image.derivation_description = record.derivation();
  image.image_comments = record.parameter_text();
  const auto image_folder = "001_" + request.series_name;
  result.series.push_back(writer.write(temporary / "dicom" / image_folder, image));
  if (request.uncertainty.defined()) {
    DicomSeries spread = image;
    spread.volume = request.uncertainty;
    spread.series_number = 2;
    spread.series_description = "DiffRecon " + record.method + " std";
    spread.image_comments = "posterior standard deviation, same units as series 1; " + record.parameter_text();
    if (request.modality == DicomModality::MR) {
      spread.mr_scale = result.series.front().scale;  // stored values compare directly with the image's
    } else {
      spread.window_centre = 50.0;  // 0 .. 100 HU of standard deviation
      spread.window_width = 100.0;
    }
    result.series.push_back(writer.write(temporary / "dicom" / "002_std", spread));
  }
  for (auto& s : result.series) {
    s.folder = request.folder / "dicom" / s.folder.filename();
    for (const auto& name : s.file_names) result.dicom_files.push_back(s.folder / name);
  }
  write_png(temporary / "preview.png", preview_of(request), DisplayWindow{0.0, 1.0}, Overwrite::Refuse);
  {
    std::ofstream file(temporary / kStudyReportName);
    file << report_of(request, result).dump(2) << "\n";
    if (!file) throw OutputError("cannot write '" + (request.folder / kStudyReportName).string() + "'");
  }
  output.commit();
  return result;
}

}  // namespace diffrecon
