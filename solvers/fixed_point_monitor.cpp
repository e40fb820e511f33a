#include "solvers/fixed_point_monitor.h"

#include "core/tensor_math.h"

#include <algorithm>

namespace diffrecon {

FixedPointMonitor::FixedPointMonitor(double tolerance, IterationCallback callback,
                                     std::function<double(const torch::Tensor&)> objective)
    : tolerance_(tolerance), callback_(std::move(callback)), objective_(std::move(objective)) {}

bool FixedPointMonitor::record(int iteration, const torch::Tensor& previous, const torch::Tensor& next) {
  change_ = l2_norm(next - previous).item<double>() / std::max(l2_norm(next).item<double>(), 1e-300);
  iterations_ = iteration;
  converged_ = change_ <= tolerance_;
  if (callback_ && !callback_({iteration, change_, [&] { return objective_(next); }})) return false;
  return !converged_;
}

SolverResult FixedPointMonitor::finish(torch::Tensor x) const {
  SolverResult result;
  result.objective = objective_(x);
  result.x = std::move(x);
  result.iterations = iterations_;
  result.converged = converged_;
  result.residual = change_;
  return result;
}

}  // namespace diffrecon
