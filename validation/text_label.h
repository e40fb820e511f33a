// Short captions burnt into preview images (method names and PSNRs under the demo's panels): a 5 x 7
// pixel font of upper-case letters, digits and a little punctuation, no font files needed. Lower-case
// letters are drawn as capitals; characters outside the font are drawn as blanks.
#pragma once

#include <torch/types.h>

#include <string>

namespace diffrecon {

// [7 * scale, 6 * scale * text.size()] grey levels in [0, 1]: 1 on the strokes, 0 elsewhere.
torch::Tensor render_text(const std::string& text, int64_t scale = 1);

// Whether `c` (after upper-casing) has a glyph.
bool has_glyph(char c);

}  // namespace diffrecon
