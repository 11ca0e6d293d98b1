#!/usr/bin/env bash
# A build-only CUDA 13.0 toolkit from PyPI wheels (no GPU and no system CUDA needed), for `--features cuda`.
# Usage: scripts/setup-cuda13.sh DIR   ->  DIR/nvidia/cu13 can serve as CUDA_HOME.
# nvcc is pinned to 13.0.x: it emits PTX ISA 9.0, which the GPU machines' driver (580, CUDA 13.0) accepts.
set -euo pipefail
D=${1:?usage: setup-cuda13.sh DIR}
C="$D/nvidia/cu13"
if [ ! -x "$C/bin/nvcc" ]; then
  # One pip call: a second --target install would skip the shared nvidia/ folder.
  python3 -m pip install -q --no-deps --target "$D" \
    nvidia-cuda-nvcc==13.0.88 nvidia-cuda-crt==13.0.88 nvidia-nvvm==13.0.88 \
    nvidia-cuda-runtime==13.0.96 nvidia-cuda-cccl==13.0.85 \
    nvidia-cuda-nvrtc==13.0.88 nvidia-curand==10.4.0.35 nvidia-cublas==13.1.0.3
fi
mkdir -p "$C/lib/stubs"
# The wheels ship versioned sonames only; the linker looks for lib<name>.so.
for so in cudart.so.13 nvrtc.so.13 curand.so.10 cublas.so.13 cublasLt.so.13; do
  ln -sf "../lib$so" "$C/lib/stubs/lib${so%.so.*}.so"
done
# No wheel carries libcuda: make a link-time stub (soname libcuda.so.1) exporting every cu* entry point of
# cuda.h. At run time the NVIDIA driver's real libcuda.so.1 is used.
for flags in "" -DCUDA_API_PER_THREAD_DEFAULT_STREAM -D__CUDA_API_VERSION_INTERNAL; do
  gcc -E -P $flags -I"$C/include" -x c "$C/include/cuda.h"
done | tr '\n' ' ' | grep -oE 'CUresult +cu[A-Za-z0-9_]+ *\(' | sed -E 's/CUresult +//; s/ *\(//' | sort -u \
  | sed 's/.*/int &(void){return 100;}/' > "$C/lib/stubs/libcuda_stub.c"
gcc -shared -fPIC -Wl,-soname,libcuda.so.1 -o "$C/lib/stubs/libcuda.so" "$C/lib/stubs/libcuda_stub.c"
echo "CUDA_HOME=$(cd "$C" && pwd)"
