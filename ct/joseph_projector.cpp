#include "ct/joseph_projector.h"

#include "core/autograd_adjoint.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <string>

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
    // The same expression as ray_sum evaluates, so the range check sees the same rounding.
    const double coordinate = trace.start + double(n) * trace.slope + 1.0;
    if (coordinate >= 0.0 && coordinate < double(span + 1)) {
      if (trace.first > trace.last) trace.first = n;
      trace.last = n;
    }
  }
  return trace;
}

// Sum over the ray of the linearly interpolated image, along the step axis n of `image`, a padded
// image stored so that consecutive steps are adjacent in memory: the original for rays that step
// over columns (the interpolated axis is rows, `stride` = padded columns), its transpose for rays that
// step over rows. Padding by one before the image makes floor(coordinate) + 1 >= 0, so truncating
// coordinate + 1 gives it (cheaper than std::floor, a library call without SSE4.1); the padding is
// two after the image, so a compiler that rounds this expression differently from trace_ray's
// (contracting it into an FMA, say) still reads zeros, never past the buffer.
template <typename scalar_t>
double ray_sum(const JosephProjector::Trace& t, const scalar_t* image, int64_t stride) {
  double sum = 0.0;
  for (int64_t n = t.first; n <= t.last; ++n) {
    const double coordinate = t.start + double(n) * t.slope + 1.0;
    const int64_t index = int64_t(coordinate);
    const double w = coordinate - double(index);
    const scalar_t* p = image + index * stride + n + 1;
    sum += (1.0 - w) * double(p[0]) + w * double(p[stride]);
  }
  return sum * t.weight;
}

// The transpose of ray_sum: adds value * (the same weights) into the same layout.
void ray_scatter(const JosephProjector::Trace& t, double value, double* image, int64_t stride) {
  value *= t.weight;
  for (int64_t n = t.first; n <= t.last; ++n) {
    const double coordinate = t.start + double(n) * t.slope + 1.0;
    const int64_t index = int64_t(coordinate);
    const double w = coordinate - double(index);
    double* p = image + index * stride + n + 1;
    p[0] += (1.0 - w) * value;
    p[stride] += w * value;
  }
}

// Runs body(item) for item in [0, count) on LibTorch's intra-op threads, handing items out one at a
// time from a shared counter. On a shared machine a thread may be descheduled for a whole time
// slice; with a static split (at::parallel_for's) the call then waits for its half of the work,
// while here the running threads take over the remaining items.
template <typename Body>
void parallel_items(int64_t count, const Body& body) {
  std::atomic<int64_t> next{0};
  const int64_t workers = std::max<int64_t>(1, std::min<int64_t>(at::get_num_threads(), count));
  at::parallel_for(0, workers, 1, [&](int64_t, int64_t) {
    for (int64_t item = next.fetch_add(1); item < count; item = next.fetch_add(1)) body(item);
  });
}

void check_dtype(const torch::Tensor& t, const char* what) {
  if (t.scalar_type() != torch::kFloat32 && t.scalar_type() != torch::kFloat64) {
    throw OperatorError(std::string("JosephProjector.") + what + ": expects float32 or float64, got " +
                        std::string(c10::toString(t.scalar_type())));
  }
}

}  // namespace

JosephProjector::JosephProjector(ProjectionGeometry geometry, ImageGrid grid, Backend backend)
    : LinearOperator("JosephProjector", Space{grid.shape(), Field::Real}, Space{sinogram_shape(geometry), Field::Real}),
      geometry_(std::move(geometry)),
      grid_(grid),
      backend_(backend) {
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

const std::pair<torch::Tensor, torch::Tensor>& JosephProjector::sparse_pair(torch::ScalarType dtype,
                                                                            torch::Device device) const {
  std::lock_guard<std::mutex> lock(sparse_mutex_);
  const std::string key = std::string(c10::toString(dtype)) + "@" + device.str();
  auto found = sparse_cache_.find(key);
  if (found != sparse_cache_.end()) return found->second;
  // The taps ray_sum reads, in unpadded pixel coordinates; taps on the zero padding are dropped.
  std::vector<int64_t> ray_index, pixel_index;
  std::vector<double> values;
  const int64_t rows = grid_.rows, columns = grid_.columns;
  for (int64_t r = 0; r < int64_t(traces_.size()); ++r) {
    const Trace& t = traces_[r];
    for (int64_t n = t.first; n <= t.last; ++n) {
      const double coordinate = t.start + double(n) * t.slope + 1.0;
      const int64_t index = int64_t(coordinate);
      const double w = coordinate - double(index);
      for (const auto& [line, weight] : {std::pair<int64_t, double>{index - 1, 1.0 - w}, {index, w}}) {
        const int64_t span = t.steps_over_columns ? rows : columns;
        if (line < 0 || line >= span || weight == 0.0) continue;
        ray_index.push_back(r);
        pixel_index.push_back(t.steps_over_columns ? line * columns + n : n * columns + line);
        values.push_back(weight * t.weight);
      }
    }
  }
  const auto count = int64_t(values.size());
  auto long_options = torch::TensorOptions().dtype(torch::kInt64);
  auto rays_tensor = torch::from_blob(ray_index.data(), {count}, long_options);
  auto pixels_tensor = torch::from_blob(pixel_index.data(), {count}, long_options);
  auto values_tensor = torch::from_blob(values.data(), {count}, torch::TensorOptions().dtype(torch::kFloat64)).to(dtype);
  const int64_t ray_count = int64_t(traces_.size()), pixel_count = rows * columns;
  auto matrix = torch::sparse_coo_tensor(torch::stack({rays_tensor, pixels_tensor}), values_tensor,
                                         {ray_count, pixel_count}).coalesce().to(device);
  auto transposed = torch::sparse_coo_tensor(torch::stack({pixels_tensor, rays_tensor}), values_tensor,
                                             {pixel_count, ray_count}).coalesce().to(device);
  return sparse_cache_.emplace(key, std::make_pair(matrix, transposed)).first->second;
}

torch::Tensor JosephProjector::sparse_matrix(torch::ScalarType dtype, torch::Device device) const {
  return sparse_pair(dtype, device).first;
}

torch::Tensor JosephProjector::sparse_matrix_transposed(torch::ScalarType dtype, torch::Device device) const {
  return sparse_pair(dtype, device).second;
}

// y = A x (or x = A^T y) for t [..., *domain] (or [..., *range]) through the cached sparse matrix,
// on t's device.
torch::Tensor JosephProjector::apply_sparse(const torch::Tensor& t, bool transposed) const {
  const auto& in_shape = transposed ? range_shape() : domain_shape();
  const auto& out_shape = transposed ? domain_shape() : range_shape();
  const auto batch_shape = t.sizes().slice(0, t.dim() - 2).vec();
  const auto& pair = sparse_pair(t.scalar_type(), t.device());
  const auto& matrix = transposed ? pair.second : pair.first;
  auto columns = t.detach().reshape({-1, in_shape[0] * in_shape[1]}).t();
  auto result = torch::mm(matrix, columns).t();
  auto shape = batch_shape;
  for (auto d : out_shape) shape.push_back(d);
  return result.reshape(shape).contiguous();
}

torch::Tensor JosephProjector::apply_forward(const torch::Tensor& x) const {
  check_dtype(x, "forward");
  if (backend_ == Backend::SparseMatrix || !x.device().is_cpu()) return apply_sparse(x, false);
  const auto device = x.device();
  const auto batch_shape = x.sizes().slice(0, x.dim() - 2).vec();
  auto images = x.detach().to(torch::kCPU).reshape({-1, grid_.rows, grid_.columns});
  // Row-major for rays stepping over columns, column-major (transposed) for rays stepping over rows.
  const auto padded = torch::constant_pad_nd(images, {1, 2, 1, 2}).contiguous();
  const auto transposed = padded.transpose(1, 2).contiguous();
  const int64_t batch = images.size(0), rays = int64_t(traces_.size());
  auto sinogram = torch::empty({batch, rays}, images.options());
  const int64_t padded_rows = grid_.rows + 3, padded_columns = grid_.columns + 3;
  const int64_t padded_size = padded_rows * padded_columns;
  AT_DISPATCH_FLOATING_TYPES(images.scalar_type(), "JosephProjector.forward", [&] {
    const scalar_t* by_rows = padded.data_ptr<scalar_t>();
    const scalar_t* by_columns = transposed.data_ptr<scalar_t>();
    scalar_t* out = sinogram.data_ptr<scalar_t>();
    constexpr int64_t kRaysPerItem = 128;
    const int64_t total = batch * rays;
    parallel_items((total + kRaysPerItem - 1) / kRaysPerItem, [&](int64_t item) {
      const int64_t end = std::min(total, (item + 1) * kRaysPerItem);
      for (int64_t index = item * kRaysPerItem; index < end; ++index) {
        const int64_t b = index / rays;
        const Trace& trace = traces_[index % rays];
        out[index] = trace.steps_over_columns
                         ? scalar_t(ray_sum(trace, by_rows + b * padded_size, padded_columns))
                         : scalar_t(ray_sum(trace, by_columns + b * padded_size, padded_rows));
      }
    });
  });
  auto shape = batch_shape;
  for (auto d : range_shape()) shape.push_back(d);
  return sinogram.reshape(shape).to(device);
}

torch::Tensor JosephProjector::apply_adjoint(const torch::Tensor& y) const {
  check_dtype(y, "adjoint");
  if (backend_ == Backend::SparseMatrix || !y.device().is_cpu()) return apply_sparse(y, true);
  const auto device = y.device();
  const auto batch_shape = y.sizes().slice(0, y.dim() - 2).vec();
  auto sinograms = y.detach().to(torch::kCPU).reshape({-1, int64_t(traces_.size())}).contiguous();
  const int64_t batch = sinograms.size(0), rays = int64_t(traces_.size());
  const int64_t views = view_count(geometry_), detectors = rays / views;
  const int64_t padded_rows = grid_.rows + 3, padded_columns = grid_.columns + 3;
  const int64_t padded_size = padded_rows * padded_columns;
  // Rays of different views scatter into the same pixels, so each work item (an image of the batch
  // and a block of views) owns partial images (one row-major for rays stepping over columns, one
  // transposed for the others, mirroring the forward). Blocks are fixed by the thread count (two
  // per thread, so a descheduled thread's share can be taken over) and summed in order, which
  // keeps the result deterministic for a given thread count.
  const int64_t threads = std::max<int64_t>(1, at::get_num_threads());
  const int64_t blocks =
      threads == 1 ? 1 : std::min<int64_t>(views, std::max<int64_t>(1, (2 * threads + batch - 1) / batch));
  auto by_rows = torch::zeros({batch, blocks, padded_rows, padded_columns}, torch::kFloat64);
  auto by_columns = torch::zeros({batch, blocks, padded_columns, padded_rows}, torch::kFloat64);
  double* rows_data = by_rows.data_ptr<double>();
  double* columns_data = by_columns.data_ptr<double>();
  AT_DISPATCH_FLOATING_TYPES(sinograms.scalar_type(), "JosephProjector.adjoint", [&] {
    const scalar_t* in = sinograms.data_ptr<scalar_t>();
    parallel_items(batch * blocks, [&](int64_t item) {
      {
        const int64_t b = item / blocks, block = item % blocks;
        const int64_t first_view = block * views / blocks, end_view = (block + 1) * views / blocks;
        for (int64_t r = first_view * detectors; r < end_view * detectors; ++r) {
          const double value = double(in[b * rays + r]);
          if (value == 0.0) continue;
          const Trace& trace = traces_[r];
          if (trace.steps_over_columns) ray_scatter(trace, value, rows_data + item * padded_size, padded_columns);
          else ray_scatter(trace, value, columns_data + item * padded_size, padded_rows);
        }
      }
    });
  });
  auto summed = by_rows.sum(1) + by_columns.sum(1).transpose(1, 2);
  auto image = summed.slice(1, 1, grid_.rows + 1).slice(2, 1, grid_.columns + 1).to(sinograms.scalar_type());
  auto shape = batch_shape;
  for (auto d : domain_shape()) shape.push_back(d);
  return image.reshape(shape).contiguous().to(device);
}

OperatorPtr make_projector(const ProjectionGeometry& geometry, const ImageGrid& grid, JosephProjector::Backend backend) {
  return with_adjoint_gradient(std::make_shared<JosephProjector>(geometry, grid, backend));
}

}  // namespace diffrecon::ct
