// Precompiled header for every DiffRecon target (see cmake/DiffReconHelpers.cmake).
// Deliberately narrow: tensors, dtypes and FFTs, which compile faster than <torch/torch.h>
// precompiled (docs/benchmarks.md, "Build"). Files that need more (nn, autograd functions, jit)
// include it themselves.
#pragma once
#include <torch/types.h>
// clang-format off: fft.h relies on types.h being included first
#include <torch/fft.h>
