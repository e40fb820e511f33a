// Speed of the operator core on this machine, compared side by side in one run:
//  - the BLAS LibTorch uses (OpenBLAS must be active: the reference BLAS is ~30x slower),
//  - the operator layer against the same torch calls made directly (its overhead),
//  - autograd through an adjoint-backed operator against autograd through torch ops,
//  - per-iteration cost of the classical solvers at clinical image size.
// Usage: diffrecon_core_benchmark [--threads N] [--repeats N]
// --threads sets LibTorch's intra-op threads; OpenBLAS keeps its own pool (OPENBLAS_NUM_THREADS).
#include "core/autograd_adjoint.h"
#include "core/diagonal_operator.h"
#include "core/fft_operator.h"
#include "core/operator_algebra.h"
#include "core/seeded_random.h"
#include "core/tensor_math.h"
#include "solvers/conjugate_gradient.h"
#include "solvers/total_variation.h"
#include "bench/timing.h"

#include <ATen/Parallel.h>
#include <torch/autograd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <vector>

using namespace diffrecon;
using namespace diffrecon::bench;

namespace {

void row(const char* what, double ms, const char* note) { std::printf("| %-58s | %10.2f | %s |\n", what, ms, note); }

}  // namespace

int main(int argc, char** argv) {
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  int repeats = 20;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--threads")) threads = std::stoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--repeats")) repeats = std::stoi(argv[i + 1]);
    else {
      std::fprintf(stderr, "usage: %s [--threads N] [--repeats N]\n", argv[0]);
      return 2;
    }
  }
  at::set_num_threads(threads);
  torch::NoGradGuard no_grad;
  SeededRandom random(0);
  std::printf("DiffRecon core benchmark: %d threads, median of %d runs\n\n", threads, repeats);
  std::printf("| %-58s | %10s | %s |\n", "workload", "ms", "note");
  std::printf("|%s|%s|%s|\n", std::string(60, '-').c_str(), std::string(12, '-').c_str(), "------");

  // 1. BLAS.
  auto a = random.normal({1024, 1024}), b = random.normal({1024, 1024});
  const double matmul = median_ms([&] { (void)a.mm(b); }, repeats);
  char note[128];
  std::snprintf(note, sizeof note, "%.1f GFLOP/s", 2.0 * 1024 * 1024 * 1024 / (matmul * 1e6));
  row("float32 matrix product 1024 x 1024 (BLAS)", matmul, note);

  // 2. The operator layer against direct torch calls: masked centred FFT normal on 8 x 256 x 256.
  const Shape image{256, 256};
  auto x = random.normal({8, 256, 256}, torch::TensorOptions().dtype(torch::kComplexFloat));
  auto lines = (random.uniform({256, 1}) < 0.25).to(torch::kFloat32);
  auto fft = std::make_shared<FFTOperator>(image, std::vector<int64_t>{-2, -1});
  auto op = chain({make_mask_operator(lines, image), fft});
  const std::vector<int64_t> dims{-2, -1};
  auto direct_normal = [&](const torch::Tensor& v) {
    auto k = torch::fft::fftshift(torch::fft::fftn(torch::fft::ifftshift(v, dims), c10::nullopt, dims, "ortho"), dims);
    return torch::fft::fftshift(torch::fft::ifftn(torch::fft::ifftshift(k * lines, dims), c10::nullopt, dims, "ortho"),
                                dims);
  };
  const auto [direct, layered] =
      paired_median_ms([&] { (void)direct_normal(x); }, [&] { (void)op->normal(x); }, repeats);
  row("masked centred FFT normal, 8 x 256 x 256, direct torch calls", direct, "baseline");
  std::snprintf(note, sizeof note, "%.2fx the direct calls", layered / direct);
  row("masked centred FFT normal, 8 x 256 x 256, LinearOperator", layered, note);

  // 3. Gradient of ||A x - y||^2: autograd through torch ops vs through the hand-written adjoint.
  auto y = op->forward(x);
  auto backed = with_adjoint_gradient(op);
  auto gradient_of = [&](const OperatorPtr& which) {
    return [&, which] {
      torch::AutoGradMode enable(true);
      auto v = x.clone().requires_grad_(true);
      auto loss = squared_norm(which->forward(v) - y);
      (void)torch::autograd::grad({loss}, {v});
    };
  };
  const auto [traced, adjoint_backed] = paired_median_ms(gradient_of(op), gradient_of(backed), repeats);
  row("grad ||Ax - y||^2, autograd through torch ops", traced, "baseline");
  std::snprintf(note, sizeof note, "%.2fx autograd through torch ops", adjoint_backed / traced);
  row("grad ||Ax - y||^2, autograd via with_adjoint_gradient", adjoint_backed, note);

  // 4. Solver iterations on one 256 x 256 image.
  auto single = x[0];
  auto y_single = op->forward(single);
  ConjugateGradientOptions cg;
  cg.max_iterations = 10;
  cg.tolerance = 0;
  const double cg_ms = median_ms([&] { (void)solve_least_squares(*op, y_single, 0.01, cg); }, std::max(3, repeats / 4));
  row("CG least squares iteration, 256 x 256", cg_ms / 10, "10 iterations / 10");
  TotalVariationOptions tv;
  tv.max_iterations = 10;
  tv.tolerance = 0;
  const double tv_ms =
      median_ms([&] { (void)total_variation_reconstruction(*op, y_single, tv); }, std::max(3, repeats / 4));
  row("TV primal-dual iteration, 256 x 256 (+ power iteration once)", tv_ms / 10, "10 iterations / 10");
  return 0;
}
