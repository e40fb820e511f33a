// Ramp filtering of projections along the detector axis, the "filtered" in filtered back-projection.
//
// The kernel is the band-limited ramp sampled in space (Kak & Slaney 1988, eq. 3.61):
// h[0] = 1/(4 d^2), h[n odd] = -1/(pi n d)^2, h[n even] = 0, for sample spacing d, which avoids the
// DC bias of sampling |omega| directly. Rows are zero-padded to max(64, next_pow2(2 K)) samples so
// the circular FFT convolution does not wrap around, and the result is multiplied by d so it
// approximates the convolution integral. Windows multiply the ramp's frequency response, with f in
// cycles per sample (|f| <= 1/2): Shepp-Logan sinc(f) = sin(pi f)/(pi f), cosine cos(pi f), Hann
// cos^2(pi f). A frequency cutoff c in (0, 1] (a fraction of the Nyquist frequency, as ODL's
// frequency_scaling) stretches the window to f / c and zeroes frequencies above c / 2.
#pragma once

#include <torch/types.h>

#include <string>

namespace diffrecon::ct {

enum class RampFilter { RamLak, SheppLogan, Cosine, Hann };

// "ram-lak", "shepp-logan", "cosine", "hann"; parse throws std::invalid_argument listing them.
RampFilter parse_ramp_filter(const std::string& name);
const char* ramp_filter_name(RampFilter filter);

// How the detector is sampled: evenly in length (parallel beam, flat fan-beam detectors) or evenly
// in angle (curved fan-beam detectors), where the kernel becomes h_gamma(g) = (g / sin g)^2 h(g)
// (Kak & Slaney eq. 3.121) and d is the angular spacing in radians.
enum class DetectorSampling { EvenInLength, EvenInAngle };

int64_t padded_filter_length(int64_t detector_count);

// Filters the last dimension of `projections` [..., K] with sample spacing `spacing`. Float32 in,
// float32 out (computed in float64).
torch::Tensor ramp_filter(const torch::Tensor& projections, double spacing, RampFilter filter,
                          DetectorSampling sampling = DetectorSampling::EvenInLength, double cutoff = 1.0);

}  // namespace diffrecon::ct
