// Precompiled header for every DiffRecon target (see cmake/DiffReconHelpers.cmake).
// Deliberately narrow: tensors, dtypes and FFTs. Measured on the 2-core build machine, a typical
// translation unit compiles in ~2.5 s with this header precompiled, ~6 s with <torch/torch.h>
// precompiled (a 570 MB PCH is slow to load) and ~6 s with no PCH. Files that need more (nn,
// autograd functions, jit) include it themselves.
#pragma once
#include <torch/types.h>
// clang-format off: fft.h relies on types.h being included first
#include <torch/fft.h>
