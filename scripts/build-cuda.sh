#!/usr/bin/env bash
# Builds `latency-anatomy` with candle's CUDA backend for Hopper (sm_90) on a machine without a GPU.
# Output: target/cuda/release/latency-anatomy (needs an NVIDIA driver with CUDA 13.0 and the CUDA 13 runtime
# libraries on LD_LIBRARY_PATH to run). Usage: scripts/build-cuda.sh [TOOLKIT_DIR (default .cuda)]
set -euo pipefail
cd "$(dirname "$0")/.."
T=${1:-.cuda}
bash scripts/setup-cuda13.sh "$T" >/dev/null
export CUDA_HOME="$(cd "$T/nvidia/cu13" && pwd)"
export PATH="$CUDA_HOME/bin:$PATH"
export CUDA_COMPUTE_CAP=90            # without it the kernels' build calls nvidia-smi
export CUDARC_CUDA_VERSION=13000
export LIBRARY_PATH="$CUDA_HOME/lib/stubs:$CUDA_HOME/lib${LIBRARY_PATH:+:$LIBRARY_PATH}"
export RUSTFLAGS="${RUSTFLAGS:-} -L $CUDA_HOME/lib/stubs -L $CUDA_HOME/lib"
cargo build --release --features cuda --target-dir target/cuda --bin latency-anatomy
ls -la target/cuda/release/latency-anatomy
