#include "samplers/shared_network_passes.h"

#include "core/error.h"

#include <ATen/Parallel.h>
#include <ATen/core/grad_mode.h>
#include <torch/torch.h>

#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace diffrecon {
namespace {

// Thrown into the tasks still running once another task (or a network pass) has failed; never the
// error the caller sees.
class StoppedByAnotherTask : public Error {
 public:
  using Error::Error;
};

// The meeting point of the tasks and the thread that runs the network.
class PassGatherer {
 public:
  PassGatherer(DenoiserPtr prior, int64_t tasks) : prior_(std::move(prior)), requests_(static_cast<size_t>(tasks)), running_(tasks) {}

  // A task's network call: waits for the pass that serves it.
  torch::Tensor evaluate(int64_t task, const torch::Tensor& x, const torch::Tensor& sigma) {
    if (at::GradMode::is_enabled() && x.requires_grad())
      throw InternalError("shared network passes serve samplers that do not differentiate the network");
    std::unique_lock<std::mutex> lock(mutex_);
    if (stopped_) throw StoppedByAnotherTask("stopped: another slice failed");
    auto& request = requests_[size_t(task)];
    request.x = x;
    request.sigma = sigma;
    request.pending = true;
    ++waiting_;
    gather_.notify_one();
    served_.wait(lock, [&] { return !request.pending || stopped_; });
    if (request.pending) throw StoppedByAnotherTask("stopped: another slice failed");
    return std::move(request.result);
  }

  void task_ended(std::exception_ptr error) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (error) stopped_ = true;
    --running_;
    gather_.notify_one();
    served_.notify_all();
  }

  // Runs passes until every task has ended. Returns the pass's exception, if one failed.
  std::exception_ptr serve(SharedPassStatistics& statistics) {
    torch::NoGradGuard no_grad;
    while (true) {
      std::vector<size_t> batch;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        gather_.wait(lock, [&] { return waiting_ == running_ || stopped_; });
        if (running_ == 0) return nullptr;
        if (stopped_) {
          served_.notify_all();
          gather_.wait(lock, [&] { return running_ == 0; });
          return nullptr;
        }
        for (size_t t = 0; t < requests_.size(); ++t)
          if (requests_[t].pending) batch.push_back(t);
      }
      // Outside the lock: every task in `batch` is waiting, the others have ended.
      std::vector<torch::Tensor> inputs, sigmas;
      for (auto t : batch) {
        inputs.push_back(requests_[t].x);
        sigmas.push_back(requests_[t].sigma);
      }
      std::exception_ptr failure;
      try {
        const auto start = std::chrono::steady_clock::now();
        auto outputs = prior_->denoise(torch::cat(inputs), torch::cat(sigmas));
        statistics.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        ++statistics.passes;
        statistics.images += outputs.size(0);
        statistics.largest_pass = std::max(statistics.largest_pass, outputs.size(0));
        int64_t offset = 0;
        for (auto t : batch) {
          const auto count = requests_[t].x.size(0);
          requests_[t].result = outputs.narrow(0, offset, count);
          offset += count;
        }
      } catch (...) {
        failure = std::current_exception();
      }
      std::unique_lock<std::mutex> lock(mutex_);
      if (failure) {
        stopped_ = true;
        served_.notify_all();
        gather_.wait(lock, [&] { return running_ == 0; });
        return failure;
      }
      for (auto t : batch) {
        requests_[t].pending = false;
        requests_[t].x = requests_[t].sigma = torch::Tensor();
      }
      waiting_ -= static_cast<int64_t>(batch.size());
      served_.notify_all();
    }
  }

  const Denoiser& prior() const { return *prior_; }

 private:
  struct Request {
    torch::Tensor x, sigma, result;
    bool pending = false;
  };
  DenoiserPtr prior_;
  std::mutex mutex_;
  std::condition_variable gather_;  // the serving thread waits here
  std::condition_variable served_;  // the tasks wait here
  std::vector<Request> requests_;
  int64_t running_;
  int64_t waiting_ = 0;
  bool stopped_ = false;
};

class SharedPassDenoiser final : public Denoiser {
 public:
  SharedPassDenoiser(PassGatherer& gatherer, int64_t task) : gatherer_(gatherer), task_(task) {}
  int64_t channels() const override { return gatherer_.prior().channels(); }
  std::string description() const override { return gatherer_.prior().description(); }

 protected:
  torch::Tensor apply_denoise(const torch::Tensor& x, const torch::Tensor& sigma) const override {
    return gatherer_.evaluate(task_, x, sigma);
  }

 private:
  PassGatherer& gatherer_;
  int64_t task_;
};

}  // namespace

SharedPassStatistics run_with_shared_network_passes(const DenoiserPtr& prior, int64_t tasks,
                                                    const std::function<void(int64_t, DenoiserPtr)>& task,
                                                    int task_threads) {
  if (!prior) throw InternalError("run_with_shared_network_passes: no prior");
  if (tasks < 1 || task_threads < 1)
    throw InternalError("run_with_shared_network_passes: " + std::to_string(tasks) + " tasks on " +
                        std::to_string(task_threads) + " threads each");
  SharedPassStatistics statistics;
  PassGatherer gatherer(prior, tasks);
  std::vector<std::exception_ptr> errors(static_cast<size_t>(tasks));
  // at::set_num_threads in a task thread sets that thread's OpenMP team size (and LibTorch's default
  // for threads started later); this thread's own stays as it is, and the default is put back below.
  const int threads = at::get_num_threads();
  std::vector<std::thread> workers;
  workers.reserve(size_t(tasks));
  for (int64_t t = 0; t < tasks; ++t)
    workers.emplace_back([&, t] {
      std::exception_ptr error;
      try {
        at::set_num_threads(task_threads);
        task(t, std::make_shared<SharedPassDenoiser>(gatherer, t));
      } catch (...) {
        error = std::current_exception();
      }
      errors[size_t(t)] = error;
      gatherer.task_ended(error);
    });
  const auto pass_error = gatherer.serve(statistics);
  for (auto& worker : workers) worker.join();
  at::set_num_threads(threads);
  if (pass_error) std::rethrow_exception(pass_error);
  // The first error that is not a task stopped because of another's.
  std::exception_ptr stopped;
  for (const auto& error : errors) {
    if (!error) continue;
    try {
      std::rethrow_exception(error);
    } catch (const StoppedByAnotherTask&) {
      if (!stopped) stopped = error;
    } catch (...) {
      throw;
    }
  }
  if (stopped) std::rethrow_exception(stopped);
  return statistics;
}

}  // namespace diffrecon
