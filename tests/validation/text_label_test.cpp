#include "validation/text_label.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace diffrecon {
namespace {

TEST(TextLabel, GlyphsHaveTheirShapesAndSizes) {
  const auto one = render_text("1");
  ASSERT_EQ(one.sizes(), (std::vector<int64_t>{7, 6}));
  // "1": the stem in column 2 on every row but the base row's full bar.
  for (int64_t row = 0; row < 7; ++row) EXPECT_EQ(one[row][2].item<float>(), 1.0f) << row;
  EXPECT_EQ(one[6].sum().item<float>(), 3.0f);
  EXPECT_EQ(one.select(1, 5).sum().item<float>(), 0.0f);  // the gap column
  const auto text = render_text("PSNR 25.02 dB", 2);
  EXPECT_EQ(text.sizes(), (std::vector<int64_t>{14, 2 * 6 * 13}));
  EXPECT_TRUE(torch::equal(render_text("db"), render_text("DB")));  // lower case drawn as capitals
  EXPECT_EQ(render_text(" ").sum().item<float>(), 0.0f);
  EXPECT_EQ(render_text("~").sum().item<float>(), 0.0f);  // no glyph: blank
  EXPECT_FALSE(has_glyph('~'));
  for (char c : std::string("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:/()%")) {
    EXPECT_TRUE(has_glyph(c)) << c;
    EXPECT_GT(render_text(std::string(1, c)).sum().item<float>(), 0.0f) << c;
  }
  // Distinct glyphs for look-alikes.
  EXPECT_FALSE(torch::equal(render_text("0"), render_text("O")));
  EXPECT_FALSE(torch::equal(render_text("8"), render_text("B")));
  EXPECT_THROW(render_text("A", 0), std::invalid_argument);
}

}  // namespace
}  // namespace diffrecon
