#include "ct/ramp_filter.h"

#include <torch/fft.h>

#include <cmath>
#include <stdexcept>

namespace diffrecon::ct {
namespace {
constexpr double kPi = 3.14159265358979323846;

// Frequency response (rfft bins) of the windowed, band-limited ramp for a padded length `length`.
torch::Tensor filter_response(int64_t length, double spacing, RampFilter filter, DetectorSampling sampling,
                              double cutoff) {
  auto kernel = torch::zeros({length}, torch::kFloat64);
  double* h = kernel.data_ptr<double>();
  for (int64_t m = 0; m < length; ++m) {
    const int64_t n = m < length / 2 ? m : m - length;  // circular index
    double value = 0.0;
    if (n == 0) value = 1.0 / (4.0 * spacing * spacing);
    else if (n % 2 != 0) value = -1.0 / std::pow(kPi * double(n) * spacing, 2);
    if (sampling == DetectorSampling::EvenInAngle && n != 0) {
      const double g = double(n) * spacing;
      value *= std::pow(g / std::sin(g), 2);
    }
    h[m] = value;
  }
  auto response = torch::real(torch::fft::rfft(kernel));
  const auto frequency = torch::arange(response.size(0), torch::kFloat64) / double(length);  // cycles per sample, 0..1/2
  const auto f = frequency / cutoff;
  response = response * (f <= 0.5).to(torch::kFloat64);
  switch (filter) {
    case RampFilter::RamLak: break;
    case RampFilter::SheppLogan: response = response * torch::sinc(f); break;
    case RampFilter::Cosine: response = response * torch::cos(kPi * f); break;
    case RampFilter::Hann: response = response * torch::cos(kPi * f).square(); break;
  }
  return response;
}
}  // namespace

RampFilter parse_ramp_filter(const std::string& name) {
  if (name == "ram-lak" || name == "ramlak") return RampFilter::RamLak;
  if (name == "shepp-logan") return RampFilter::SheppLogan;
  if (name == "cosine") return RampFilter::Cosine;
  if (name == "hann") return RampFilter::Hann;
  throw std::invalid_argument("unknown ramp filter '" + name + "' (expected ram-lak, shepp-logan, cosine or hann)");
}

const char* ramp_filter_name(RampFilter filter) {
  switch (filter) {
    case RampFilter::RamLak: return "ram-lak";
    case RampFilter::SheppLogan: return "shepp-logan";
    case RampFilter::Cosine: return "cosine";
    case RampFilter::Hann: break;
  }
  return "hann";
}

int64_t padded_filter_length(int64_t detector_count) {
  int64_t length = 64;
  while (length < 2 * detector_count) length *= 2;
  return length;
}

torch::Tensor ramp_filter(const torch::Tensor& projections, double spacing, RampFilter filter, DetectorSampling sampling,
                          double cutoff) {
  if (!(spacing > 0.0)) throw std::invalid_argument("ramp_filter: spacing must be > 0");
  if (!(cutoff > 0.0 && cutoff <= 1.0)) throw std::invalid_argument("ramp_filter: the frequency cutoff must be in (0, 1]");
  if (projections.dim() < 1) throw std::invalid_argument("ramp_filter: needs at least one dimension");
  const int64_t detectors = projections.size(-1);
  const int64_t length = padded_filter_length(detectors);
  const auto response = filter_response(length, spacing, filter, sampling, cutoff).to(projections.device());
  auto spectrum = torch::fft::rfft(projections.to(torch::kFloat64), length, -1);
  auto filtered = torch::fft::irfft(spectrum * response, length, -1).narrow(-1, 0, detectors) * spacing;
  return filtered.to(projections.scalar_type());
}

}  // namespace diffrecon::ct
