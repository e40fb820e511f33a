#!/usr/bin/env bash
# GPU check (run on a machine with an NVIDIA GPU and a CUDA LibTorch, e.g. from pip's PyTorch):
# builds the numeric core with LibTorch alone and runs the whole test suite on the GPU
# (DIFFRECON_TEST_DEVICE=cuda) plus `diffrecon demo --self-check --device cuda`.
# Usage: scripts/gpu-check.sh [googletest source dir] [build dir]
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
gtest_source="${1:-$repo_root/.device/googletest}"
build_dir="${2:-/tmp/diffrecon-gpu-build}"
torch_prefix="$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')"
nvidia-smi -L || true
python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, torch.cuda.get_device_name(0))'
cmake -S "$repo_root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$torch_prefix" -DCMAKE_POLICY_VERSION_MINIMUM=3.5 \
  -DDIFFRECON_WITH_ITK=OFF -DDIFFRECON_WITH_DCMTK=OFF -DDIFFRECON_WITH_ISMRMRD=OFF -DDIFFRECON_WITH_TCMALLOC=OFF -DDIFFRECON_WITH_CUDA=ON \
  -DDIFFRECON_GTEST_SOURCE_DIR="$gtest_source"
cmake --build "$build_dir" -- -j "$(nproc)"
cd "$build_dir"
ctest --output-on-failure
./diffrecon demo --self-check --device cuda  # the full demo needs ITK, DCMTK and ISMRMRD (off here)
