//! `ncu_kernels.csv` (and `.parquet`): see the doc of [`NcuKernelRow`].

crate::table! {
    /// One row of `ncu_kernels.csv`.
    pub struct NcuKernelRow in ncu_kernels {
        file: "ncu_kernels", per_device: false, optional: true, ncu_input: true,
    }
    /// Input file (name only).
    file: String [""],
    /// Launch ID in the ncu session.
    id: u64 [""],
    /// Kernel name as ncu prints it.
    kernel_name: String [""],
    /// Normalized base name (joins with nsys).
    base_name: String [""],
    /// Grid `x,y,z` ("" when unknown).
    grid: String [""],
    /// Block `x,y,z`.
    block: String [""],
    /// Kernel duration, ns (`gpu__time_duration.sum`, else elapsed SM cycles / SM clock).
    duration_ns: Option<f64> ["ns"],
    /// DRAM bytes read.
    dram_read_bytes: Option<f64> ["bytes"],
    /// DRAM bytes written.
    dram_write_bytes: Option<f64> ["bytes"],
    /// DRAM bytes in total (`dram__bytes.sum`, else read + write).
    dram_bytes: Option<f64> ["bytes"],
    /// L2 (LTS) bytes.
    l2_bytes: Option<f64> ["bytes"],
    /// Achieved DRAM bandwidth, GB/s (10⁹ B/s): `dram_bytes / duration`.
    dram_gb_s: Option<f64> ["GB/s"],
    /// Peak DRAM bandwidth used as the denominator, GB/s.
    peak_dram_gb_s: Option<f64> ["GB/s"],
    /// `dram_gb_s / peak_dram_gb_s`, %.
    dram_pct_of_peak: Option<f64> ["%"],
    /// FP16 FLOPs (hadd + hmul + 2·hfma).
    flops_fp16: Option<f64> ["FLOP"],
    /// FP32 FLOPs (fadd + fmul + 2·ffma).
    flops_fp32: Option<f64> ["FLOP"],
    /// FP64 FLOPs (dadd + dmul + 2·dfma).
    flops_fp64: Option<f64> ["FLOP"],
    /// Sum of the three above.
    flops: Option<f64> ["FLOP"],
    /// Tensor-core ops (Σ `sm__ops_path_tensor_src_*_dst_*.sum`).
    tensor_ops: Option<f64> ["ops"],
    /// Tensor-pipe instructions (`sm__inst_executed_pipe_tensor.sum`).
    tensor_inst: Option<f64> ["inst"],
    /// Achieved FLOP/s, GFLOP/s (`flops / duration`).
    gflop_s: Option<f64> ["GFLOP/s"],
    /// Arithmetic intensity, FLOP per DRAM byte.
    arithmetic_intensity: Option<f64> ["FLOP/byte"],
    /// Peak FP32 FLOP/s, GFLOP/s (roofline section).
    peak_fp32_gflop_s: Option<f64> ["GFLOP/s"],
    /// Ridge point: peak FP32 FLOP/s ÷ peak DRAM bandwidth, FLOP/byte.
    ridge_flop_per_byte: Option<f64> ["FLOP/byte"],
    /// Compute (SM) throughput, % of peak (SOL).
    sm_pct: Option<f64> ["%"],
    /// Memory throughput, % of peak (SOL).
    memory_pct: Option<f64> ["%"],
    /// DRAM throughput, % of peak.
    dram_pct: Option<f64> ["%"],
    /// Achieved occupancy, %.
    achieved_occupancy_pct: Option<f64> ["%"],
    /// Side of the FP32 roofline the kernel sits on: `memory` (intensity below the ridge), `compute`, or "".
    roofline_side: String [""],
    /// `memory-bound`, `compute-bound`, `latency-bound` or `unknown`.
    bound: String [""],
    /// Why: the numbers behind the verdict.
    bound_reason: String [""],
    /// NVTX phase of the matched nsys kernel (filled by the join).
    phase: String [""],
    /// Matched nsys kernel name ("" when not joined).
    nsys_kernel: String [""],
}
