// Internal to recon/itk's sources: how the CT filters lay images and sinograms out as ITK images.
// Images: x column, y row, placed in patient space by ct::patient_placement (as `diffrecon ct`
// writes them); sinograms: x detector, y view (recon/pipeline/ct_files.h); z: a stack, whose spacing
// and origin pass from input to output unchanged.
#pragma once

#include "core/error.h"
#include "ct/geometry_json.h"
#include "recon/itk/image_tensors.h"
#include "recon/pipeline/ct_files.h"

namespace diffrecon::itk_ct {

template <typename TImage> int64_t slices_of(const TImage& image) {
  return TImage::ImageDimension == 3 ? int64_t(image.GetLargestPossibleRegion().GetSize()[TImage::ImageDimension - 1]) : 1;
}

// Gives `output` the size (x_count, y_count, the input's slices) and `placement` in x, y, with the
// input's z spacing and origin.
template <typename TImage>
void lay_out(TImage& output, const TImage& input, int64_t x_count, int64_t y_count, const ImageGeometry& placement) {
  auto region = input.GetLargestPossibleRegion();
  auto size = region.GetSize();
  auto index = region.GetIndex();
  index.Fill(0);
  size[0] = x_count;
  size[1] = y_count;
  region.SetSize(size);
  region.SetIndex(index);
  output.SetLargestPossibleRegion(region);
  output.SetSpacing(input.GetSpacing());
  output.SetOrigin(input.GetOrigin());
  auto direction = output.GetDirection();
  direction.SetIdentity();
  output.SetDirection(direction);
  itk_tensors::set_geometry(output, placement);
}

template <typename TImage> void lay_out_image(TImage& output, const TImage& input, const ct::ImageGrid& grid) {
  lay_out(output, input, grid.columns, grid.rows, ct_image_file_geometry(grid));
}

template <typename TImage>
void lay_out_sinogram(TImage& output, const TImage& input, const ct::ProjectionGeometry& projection) {
  lay_out(output, input, ct::detector_count(projection), ct::view_count(projection), sinogram_file_geometry(projection));
}

// InputError naming `what` unless the input is x_count x y_count (x ... per slice).
template <typename TImage>
void require_size(const TImage& image, int64_t x_count, int64_t y_count, const std::string& what, const std::string& expected) {
  const auto size = image.GetLargestPossibleRegion().GetSize();
  if (int64_t(size[0]) != x_count || int64_t(size[1]) != y_count)
    throw InputError(what + ": expected " + std::to_string(x_count) + " x " + std::to_string(y_count) + " (" + expected +
                     ") per slice, got " + itk_tensors::size_text(image));
}

template <typename TImage> void require_sinogram(const TImage& image, const ct::ProjectionGeometry& projection) {
  require_size(image, ct::detector_count(projection), ct::view_count(projection), "input sinogram",
               "detectors x views of " + ct::describe(projection));
}

template <typename TImage> void require_image(const TImage& image, const ct::ImageGrid& grid) {
  require_size(image, grid.columns, grid.rows, "input image", "columns x rows of the geometry's image grid");
}

}  // namespace diffrecon::itk_ct
