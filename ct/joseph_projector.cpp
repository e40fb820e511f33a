#include "ct/joseph_projector.h"

#include "recon/core/autograd_adjoint.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>

namespace diffrecon::ct {
namespace {

JosephProjector::Trace trace_ray(const Ray& ray, const ImageGrid& grid) {
  JosephProjector::Trace trace{};
  const double px = ray.x_mm, py = ray.y_mm, dx = ray.direction_x, dy = ray.direction_y;
  int64_t steps, span;  // number of steps, and the size of the interpolated axis
  if (std::abs(dx) >= std::abs(dy)) {
    // Joseph (1982): at every column centre x_j the ray is at y = py + (x_j - px) dy/dx; the path
    // length between column centres is pixel_size / |dx| (dx = cos of the angle to the x axis).
    trace.steps_over_columns = true;
    trace.start = grid.row_of_y(py + (grid.x_of_column(0.0) - px) * dy / dx);
    trace.slope = -dy / dx;  // rows count downwards while y counts upwards
    trace.weight = grid.pixel_size_mm / std::abs(dx);
    steps = grid.columns;
    span = grid.rows;
  } else {
    trace.steps_over_columns = false;
    trace.start = grid.column_of_x(px + (grid.y_of_row(0.0) - py) * dx / dy);
    trace.slope = -dx / dy;
    trace.weight = grid.pixel_size_mm / std::abs(dy);
    steps = grid.rows;
    span = grid.columns;
  }
  // Steps where the interpolation touches the image: coordinate in [-1, span) (with one row or
  // column of zero padding on each side, floor(coordinate) + 1 is then a valid padded index).
  trace.first = 1;
  trace.last = 0;
  for (int64_t n = 0; n < steps; ++n) {
    const double coordinate = trace.start + double(n) * trace.slope;
    if (coordinate >= -1.0 && coordinate < double(span)) {
      if (trace.first > trace.last) trace.first = n;
      trace.last = n;
    }
  }
  return trace;
}

// Sum over the ray of the linearly interpolated image. `image` is zero-padded by one on each side.
template <typename scalar_t>
double ray_sum(const JosephProjector::Trace& t, const scalar_t* image, int64_t padded_columns) {
  double sum = 0.0;
  if (t.steps_over_columns) {
    for (int64_t j = t.first; j <= t.last; ++j) {
      const double r = t.start + double(j) * t.slope;
      const double floor_r = std::floor(r);
      const double w = r - floor_r;
      const scalar_t* p = image + (int64_t(floor_r) + 1) * padded_columns + j + 1;
      sum += (1.0 - w) * double(p[0]) + w * double(p[padded_columns]);
    }
  } else {
    for (int64_t i = t.first; i <= t.last; ++i) {
      const double c = t.start + double(i) * t.slope;
      const double floor_c = std::floor(c);
      const double w = c - floor_c;
      const scalar_t* p = image + (i + 1) * padded_columns + int64_t(floor_c) + 1;
      sum += (1.0 - w) * double(p[0]) + w * double(p[1]);
    }
  }
  return sum * t.weight;
}

// The transpose of ray_sum: adds value * (the same weights) into the padded image.
void ray_scatter(const JosephProjector::Trace& t, double value, double* image, int64_t padded_columns) {
  value *= t.weight;
  if (t.steps_over_columns) {
    for (int64_t j = t.first; j <= t.last; ++j) {
      const double r = t.start + double(j) * t.slope;
      const double floor_r = std::floor(r);
      const double w = r - floor_r;
      double* p = image + (int64_t(floor_r) + 1) * padded_columns + j + 1;
      p[0] += (1.0 - w) * value;
      p[padded_columns] += w * value;
    }
  } else {
    for (int64_t i = t.first; i <= t.last; ++i) {
      const double c = t.start + double(i) * t.slope;
      const double floor_c = std::floor(c);
      const double w = c - floor_c;
      double* p = image + (i + 1) * padded_columns + int64_t(floor_c) + 1;
      p[0] += (1.0 - w) * value;
      p[1] += w * value;
    }
  }
}

void check_dtype(const torch::Tensor& t, const char* what) {
  if (t.scalar_type() != torch::kFloat32 && t.scalar_type() != torch::kFloat64) {
    throw OperatorError(std::string("JosephProjector.") + what + ": expects float32 or float64, got " +
                        std::string(c10::toString(t.scalar_type())));
  }
}

}  // namespace

JosephProjector::JosephProjector(ProjectionGeometry geometry, ImageGrid grid)
    : LinearOperator("JosephProjector", Space{grid.shape(), Field::Real}, Space{sinogram_shape(geometry), Field::Real}),
      geometry_(std::move(geometry)),
      grid_(grid) {
  grid_.validate("JosephProjector");
  validate(geometry_, "JosephProjector");
  if (const auto* fan = std::get_if<FanBeamGeometry>(&geometry_)) {
    // Whole-line integrals are only the measured ones if nothing lies behind the source.
    double farthest = 0.0;
    for (double sx : {-0.5, 0.5}) {
      for (double sy : {-0.5, 0.5}) {
        farthest = std::max(farthest, std::hypot(grid_.centre_x_mm + sx * grid_.width_mm(),
                                                 grid_.centre_y_mm + sy * grid_.height_mm()));
      }
    }
    if (fan->source_to_isocentre_mm <= farthest) {
      throw OperatorError("JosephProjector: the fan-beam source (" + std::to_string(fan->source_to_isocentre_mm) +
                          " mm from the isocentre) must lie outside the image, whose farthest corner is " +
                          std::to_string(farthest) + " mm away");
    }
  }
  for (const Ray& ray : rays(geometry_)) traces_.push_back(trace_ray(ray, grid_));
}

torch::Tensor JosephProjector::apply_forward(const torch::Tensor& x) const {
  check_dtype(x, "forward");
  const auto device = x.device();
  const auto batch_shape = x.sizes().slice(0, x.dim() - 2).vec();
  auto images = x.detach().to(torch::kCPU).reshape({-1, grid_.rows, grid_.columns});
  auto padded = torch::constant_pad_nd(images, {1, 1, 1, 1}).contiguous();
  const int64_t batch = images.size(0), rays = int64_t(traces_.size());
  auto sinogram = torch::empty({batch, rays}, images.options());
  const int64_t padded_columns = grid_.columns + 2, padded_size = (grid_.rows + 2) * padded_columns;
  AT_DISPATCH_FLOATING_TYPES(images.scalar_type(), "JosephProjector.forward", [&] {
    const scalar_t* in = padded.data_ptr<scalar_t>();
    scalar_t* out = sinogram.data_ptr<scalar_t>();
    at::parallel_for(0, batch * rays, 256, [&](int64_t begin, int64_t end) {
      for (int64_t index = begin; index < end; ++index) {
        const int64_t b = index / rays, r = index % rays;
        out[index] = scalar_t(ray_sum(traces_[r], in + b * padded_size, padded_columns));
      }
    });
  });
  auto shape = batch_shape;
  for (auto d : range_shape()) shape.push_back(d);
  return sinogram.reshape(shape).to(device);
}

torch::Tensor JosephProjector::apply_adjoint(const torch::Tensor& y) const {
  check_dtype(y, "adjoint");
  const auto device = y.device();
  const auto batch_shape = y.sizes().slice(0, y.dim() - 2).vec();
  auto sinograms = y.detach().to(torch::kCPU).reshape({-1, int64_t(traces_.size())}).contiguous();
  const int64_t batch = sinograms.size(0), rays = int64_t(traces_.size());
  const int64_t views = view_count(geometry_), detectors = rays / views;
  const int64_t padded_columns = grid_.columns + 2, padded_size = (grid_.rows + 2) * padded_columns;
  // Rays of different views scatter into the same pixels, so each work item (an image of the batch
  // and a block of views) owns a partial image; the blocks are fixed by the thread count and summed
  // in order, which keeps the result deterministic.
  const int64_t threads = std::max<int64_t>(1, at::get_num_threads());
  const int64_t blocks = std::min<int64_t>(views, std::max<int64_t>(1, (threads + batch - 1) / batch));
  auto partial = torch::zeros({batch, blocks, padded_size}, torch::kFloat64);
  double* partial_data = partial.data_ptr<double>();
  AT_DISPATCH_FLOATING_TYPES(sinograms.scalar_type(), "JosephProjector.adjoint", [&] {
    const scalar_t* in = sinograms.data_ptr<scalar_t>();
    at::parallel_for(0, batch * blocks, 1, [&](int64_t begin, int64_t end) {
      for (int64_t item = begin; item < end; ++item) {
        const int64_t b = item / blocks, block = item % blocks;
        double* image = partial_data + item * padded_size;
        const int64_t first_view = block * views / blocks, end_view = (block + 1) * views / blocks;
        for (int64_t r = first_view * detectors; r < end_view * detectors; ++r) {
          const double value = double(in[b * rays + r]);
          if (value != 0.0) ray_scatter(traces_[r], value, image, padded_columns);
        }
      }
    });
  });
  auto summed = partial.sum(1).reshape({batch, grid_.rows + 2, padded_columns});
  auto image = summed.slice(1, 1, grid_.rows + 1).slice(2, 1, grid_.columns + 1).to(sinograms.scalar_type());
  auto shape = batch_shape;
  for (auto d : domain_shape()) shape.push_back(d);
  return image.reshape(shape).contiguous().to(device);
}

OperatorPtr make_projector(const ProjectionGeometry& geometry, const ImageGrid& grid) {
  return with_adjoint_gradient(std::make_shared<JosephProjector>(geometry, grid));
}

}  // namespace diffrecon::ct
