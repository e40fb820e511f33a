# Shared set-up for scripts/demo and scripts/test (sourced, not run): installs the Debian packages
# the build needs (only when some are missing), configures (again whenever DIFFRECON_CMAKE_ARGS
# changes), and builds incrementally (ccache).
# Environment: DIFFRECON_BUILD_DIR (default: build), DIFFRECON_CMAKE_ARGS (extra -D options),
# DIFFRECON_EXTRA_PACKAGES (more Debian packages, e.g. clang for the checking builds),
# DIFFRECON_BUILD_TARGETS (default: everything).

set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${DIFFRECON_BUILD_DIR:-$repo_root/build}"

# Everything the build, the tests and the demo need, all from Debian 12.
required_packages=(
  cmake ninja-build g++ ccache pkg-config
  libtorch-dev libopenblas0-pthread   # OpenBLAS: 30x faster matrix products than the reference BLAS
  libgoogle-perftools-dev             # tcmalloc: network passes reuse freed memory (docs/benchmarks.md, Throughput)
  libgtest-dev
  libinsighttoolkit5-dev libdcmtk-dev libismrmrd-dev libhdf5-dev libpng-dev zlib1g-dev
  nlohmann-json3-dev                  # model cards, CT geometry files, reports
  bart ismrmrd-tools                  # reference tools the MRI tests compare against
  dicom3tools dcmtk                   # dciodvfy validates every DICOM series the tests write; dcmdump
  orthanc curl                        # a loopback PACS the --send tests start and stop themselves
  python3-pydicom                     # its test files: one MR slice in every transfer syntax a PACS sends
  mricron-data                        # Colin27 atlas: training data for the shipped MRI prior
  insighttoolkit5-examples            # ITK example images: evaluation only, never training
  python3-skimage                     # CT benchmark reference (radon / iradon)
  slurmctld slurmd slurm-client munge # a one-node Slurm the batch tests start and stop themselves
)
# shellcheck disable=SC2206
required_packages+=(${DIFFRECON_EXTRA_PACKAGES:-})

install_missing_packages() {
  local missing=()
  for package in "${required_packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$package")
    fi
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "==> installing ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
  # Debian starts Orthanc as a system service on install (where services can start). The tests run
  # their own instances on free loopback ports; one we just installed should not keep running.
  if [[ " ${missing[*]} " == *" orthanc "* ]]; then
    if command -v systemctl > /dev/null && systemctl is-active --quiet orthanc 2> /dev/null; then
      $sudo systemctl stop orthanc && $sudo systemctl disable --quiet orthanc || true
    elif command -v service > /dev/null; then
      $sudo service orthanc stop > /dev/null 2>&1 || true
    fi
  fi
}

configure_and_build() {
  # The options the build folder was configured with; a change reconfigures (a build folder
  # configured once would silently keep the old ones).
  local stamp="$build_dir/.diffrecon-cmake-args" wanted="${DIFFRECON_CMAKE_ARGS:-}"
  if [ ! -f "$build_dir/build.ninja" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
    echo "==> configuring in $build_dir${wanted:+ with $wanted}"
    # shellcheck disable=SC2086
    cmake -S "$repo_root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release $wanted
    printf '%s' "$wanted" > "$stamp"
  fi
  echo "==> building"
  # shellcheck disable=SC2086
  cmake --build "$build_dir" ${DIFFRECON_BUILD_TARGETS:+--target $DIFFRECON_BUILD_TARGETS} -- -j "$(nproc)"
}

# LibTorch's OpenMP workers spin while they wait, which made solvers many times slower on a busy
# 2-core machine (docs/benchmarks.md, "Measurements behind code choices"). The variable must be set
# before LibTorch loads: `diffrecon` sets it and re-executes itself when it is missing
# (recon/cli/wait_policy.h); exporting it here spares that and covers the test executables.
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"

install_missing_packages
configure_and_build
