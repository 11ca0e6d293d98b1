//! Kernel classes: one documented table of name patterns.
//!
//! A kernel's class is decided by the first rule in [`RULES`] whose pattern occurs in the lower-cased kernel
//! name. The order matters: attention kernels contain `cutlass`/`gemm`-like words and must match first; the
//! `reduce` in cuBLASLt's split-K reduction belongs to the GEMM; PyTorch's `elementwise_kernel<…direct_copy…>`
//! is a copy, not an activation. Patterns were chosen on the kernel names of the real exports in
//! `../shared/realdata` (PyTorch, cuBLAS, cuDNN, CUTLASS, FlashAttention, TensorRT, nvFuser; hipBLASLt and
//! TensorRT-LLM GEMMs from the PyTorch-profiler traces) and on candle's
//! CUDA kernels (`ucopy_bf16`, `rmsnorm_bf16`, `rope_i_bf16`, `badd_f32`, `fast_sum_f32`, ...).

use serde::{Deserialize, Serialize};

/// The class of a GPU operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KernelClass {
    /// Matrix multiplication and convolution (cuBLAS, CUTLASS, nvjet, cuDNN implicit GEMM, Winograd, FFT conv).
    Gemm,
    /// Attention kernels (FlashAttention, memory-efficient attention, paged attention, fmha).
    Attention,
    /// Layer norm, RMS norm, batch/group/instance norm.
    Normalization,
    /// Activations and other elementwise arithmetic (add, mul, SiLU, GELU, pointwise fusions).
    Elementwise,
    /// Softmax.
    Softmax,
    /// Reductions, sorts, scans, top-k, pooling.
    Reduction,
    /// Rotary / positional embeddings.
    Rotary,
    /// Copies, casts, layout changes, concatenation, gather/scatter/index kernels.
    CopyCast,
    /// memcpy / memset operations (not kernels).
    Memory,
    /// Collective communication (NCCL and friends).
    Communication,
    /// A whole CUDA graph execution of a graph-level trace (its kernels are not traced one by one).
    Graph,
    /// Anything else.
    Other,
}

impl KernelClass {
    /// Every class, in display order.
    pub const ALL: [KernelClass; 12] = [
        KernelClass::Gemm,
        KernelClass::Attention,
        KernelClass::Normalization,
        KernelClass::Elementwise,
        KernelClass::Softmax,
        KernelClass::Reduction,
        KernelClass::Rotary,
        KernelClass::CopyCast,
        KernelClass::Memory,
        KernelClass::Communication,
        KernelClass::Graph,
        KernelClass::Other,
    ];

    /// The name written in tables.
    pub fn as_str(self) -> &'static str {
        match self {
            KernelClass::Gemm => "gemm",
            KernelClass::Attention => "attention",
            KernelClass::Normalization => "normalization",
            KernelClass::Elementwise => "elementwise",
            KernelClass::Softmax => "softmax",
            KernelClass::Reduction => "reduction",
            KernelClass::Rotary => "rotary",
            KernelClass::CopyCast => "copy_cast",
            KernelClass::Memory => "memory",
            KernelClass::Communication => "communication",
            KernelClass::Graph => "graph",
            KernelClass::Other => "other",
        }
    }
}

impl std::fmt::Display for KernelClass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

use KernelClass::*;

/// The classification table: `(substring of the lower-cased name, class)`, first match wins.
pub const RULES: &[(&str, KernelClass)] = &[
    // Communication first: NCCL kernel names contain "reduce" and "copy".
    ("nccl", Communication),
    ("allreduce", Communication),
    ("all_reduce", Communication),
    ("allgather", Communication),
    ("all_gather", Communication),
    ("reducescatter", Communication),
    ("reduce_scatter", Communication),
    ("alltoall", Communication),
    ("cross_device_reduce", Communication),
    // Attention before GEMM: fmha_cutlass*, flash kernels built on cutlass.
    ("flash_fwd", Attention),
    ("flash_bwd", Attention),
    ("flash::", Attention),
    ("flashattn", Attention),
    ("flash_attn", Attention),
    ("fmha", Attention),
    ("attention", Attention),
    ("attn", Attention),
    ("sdpa", Attention),
    ("mha_", Attention),
    ("xformers", Attention),
    // Rotary before elementwise (rope kernels are elementwise in form).
    ("rotary", Rotary),
    ("rope", Rotary),
    // Normalization before reduction (norm kernels reduce).
    ("layer_norm", Normalization),
    ("layernorm", Normalization),
    ("rms_norm", Normalization),
    ("rmsnorm", Normalization),
    ("batch_norm", Normalization),
    ("batchnorm", Normalization),
    ("bn_fw", Normalization),
    ("bn_bw", Normalization),
    ("group_norm", Normalization),
    ("groupnorm", Normalization),
    ("instance_norm", Normalization),
    ("softmax", Softmax),
    // Pooling before GEMM: TensorRT's `sm50_xmma_pooling_*` kernels.
    ("pooling", Reduction),
    // GEMM and convolution.
    ("gemm", Gemm),
    ("gemv", Gemm),
    ("cutlass", Gemm),
    ("cublas", Gemm),
    ("nvjet", Gemm),
    ("xmma", Gemm),
    ("wgmma", Gemm),
    ("matmul", Gemm),
    ("conv", Gemm),
    ("winograd", Gemm),
    ("fft", Gemm),
    ("scudnn", Gemm),
    // hipBLASLt / Tensile GEMMs on AMD (`Cijk_Alik_Bljk_…`: C[i,j,k] from A and B, the Tensile naming scheme).
    ("cijk_", Gemm),
    // TensorRT-LLM batched GEMMs, MXFP4/FP8 MoE experts among them (`bmm_MxE4m3_MxE2m1MxE4m3_…`).
    ("bmm_", Gemm),
    ("im2col", Gemm),
    ("dot_kernel", Gemm),
    // Copies and casts before elementwise: PyTorch wraps copies in `elementwise_kernel<…direct_copy…>`.
    ("copy", CopyCast),
    // Not a bare "cast": PyTorch's `gpu_kernel_impl_nocast<…add…>` is arithmetic.
    ("cast_", CopyCast),
    ("_cast", CopyCast),
    ("castkernel", CopyCast),
    ("convert", CopyCast),
    ("transpose", CopyCast),
    ("permut", CopyCast),
    ("catarray", CopyCast),
    ("concat", CopyCast),
    ("nchwtonhwc", CopyCast),
    ("nhwctonchw", CopyCast),
    ("index_select", CopyCast),
    ("indexselect", CopyCast),
    ("index_put", CopyCast),
    ("index_kernel", CopyCast),
    ("gather", CopyCast),
    ("scatter", CopyCast),
    ("embedding", CopyCast),
    ("where_", CopyCast),
    // Reductions, sorts, scans.
    ("reduce", Reduction),
    ("reduction", Reduction),
    ("fast_sum", Reduction),
    ("fast_max", Reduction),
    ("fast_min", Reduction),
    ("fast_arg", Reduction),
    ("argmax", Reduction),
    ("argmin", Reduction),
    ("topk", Reduction),
    ("radixsort", Reduction),
    ("sort", Reduction),
    ("scan", Reduction),
    ("nll_loss", Reduction),
    ("persistent", Reduction),
    // Elementwise arithmetic and activations.
    ("elementwise", Elementwise),
    ("pointwise", Elementwise),
    ("silu", Elementwise),
    ("gelu", Elementwise),
    ("relu", Elementwise),
    ("sigmoid", Elementwise),
    ("tanh", Elementwise),
    ("affine", Elementwise),
    ("fill", Elementwise),
    ("saxpy", Elementwise),
    ("vectoradd", Elementwise),
    ("vector_add", Elementwise),
    ("badd", Elementwise),
    ("bmul", Elementwise),
    ("bsub", Elementwise),
    ("bdiv", Elementwise),
    ("bmaximum", Elementwise),
    ("bminimum", Elementwise),
    ("usqrt", Elementwise),
    ("uexp", Elementwise),
    ("powf", Elementwise),
    ("upsample", Elementwise),
    ("interpolate", Elementwise),
];

/// Classifies a kernel by name (the demangled name; the short name works too).
pub fn classify(name: &str) -> KernelClass {
    if name.starts_with(crate::model::GRAPH_OP_PREFIX) {
        return Graph;
    }
    let lower = name.to_ascii_lowercase();
    for (pat, class) in RULES {
        if lower.contains(pat) {
            return *class;
        }
    }
    Other
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn llm_kernel_names_from_real_exports() {
        let cases = [
            ("void cutlass::Kernel2<cutlass_80_wmma_tensorop_bf16_s161616gemm_bf16_32x32_128x2_tn_align8>(T1::Params)", Gemm),
            ("fmha_cutlassF_bf16_aligned_64x64_rf_sm80(PyTorchMemEffAttention::AttentionKernel<cutlass::bfloat16_t>)", Attention),
            ("void flash::flash_fwd_splitkv_kernel<Flash_fwd_kernel_traits<(int)128>>(Flash_fwd_params)", Attention),
            ("void at::native::elementwise_kernel<(int)128, (int)4, void at::native::gpu_kernel_impl_nocast<at::native::CUDAFunctor_add<c10::BFloat16>>(at::TensorIteratorBase &)>", Elementwise),
            ("void at::native::unrolled_elementwise_kernel<at::native::direct_copy_kernel_cuda(at::TensorIteratorBase &)>", CopyCast),
            ("void at::native::<unnamed>::vectorized_layer_norm_kernel<float, float, (bool)0>(int)", Normalization),
            ("void at::native::vectorized_elementwise_kernel<(int)4, at::native::<unnamed>::silu_kernel(at::TensorIteratorBase &)>", Elementwise),
            ("void <unnamed>::softmax_warp_forward<float, float, float, (int)6, (bool)0, (bool)0>(T2 *)", Softmax),
            ("void at::native::reduce_kernel<(int)512, (int)1, at::native::ReduceOp<float, at::native::MeanOps<float>>>(T3)", Reduction),
            ("std::enable_if<!T7, void>::type internal::gemvx::kernel<int, int, __nv_bfloat16>(T13)", Gemm),
            ("void cublasLt::splitKreduce_kernel<(int)32, (int)16, int, __nv_bfloat16>(cublasLt::cublasSplitKParams<T6>)", Gemm),
            ("void at::native::<unnamed>::CatArrayBatchedCopy<at::native::<unnamed>::OpaqueType<(unsigned int)2>>(T1 *)", CopyCast),
            ("void at_cuda_detail::cub::DeviceRadixSortOnesweepKernel<long>(T1)", Reduction),
            ("nvjet_tst_256x128_64x4_1x2_h_bz_coopA_NNT", Gemm),
            ("nvfuser_pointwise_f0_c1_r0_g4", Elementwise),
            ("nvfuser_reduction_f0_c1_r0_g3", Reduction),
            ("sm80_xmma_fprop_implicit_gemm_f16f16_f16f16_f16_nhwckrsc_nhwc_tilesize128x128x32_execute_kernel_trt", Gemm),
            ("sm50_xmma_pooling_fw_4d_FP16FP32NHWC_Average_FastDiv_CAlign8_execute_kernel_trt", Reduction),
            ("void cudnn::engines_precompiled::nchwToNhwcKernel<__nv_bfloat16>(cudnn::engines_precompiled::nchw2nhwc_params_t<T3>)", CopyCast),
            ("saxpy", Elementwise),
            ("probe_group_by_GPU2", Other),
            ("ncclDevKernel_AllReduce_Sum_bf16_RING_LL(ncclDevKernelArgsStorage<4096>)", Communication),
            ("rmsnorm_bf16", Normalization),
            ("rope_i_bf16", Rotary),
            ("ucopy_bf16", CopyCast),
            ("cast_f32_bf16", CopyCast),
            ("fast_sum_f32", Reduction),
            ("badd_f32", Elementwise),
            ("Cijk_Alik_Bljk_BBS_BH_Bias_HA_S_SAV_UserArgs_MT256x32x64_MI16x16x1_SN_LDSB1_AFC1_AFEM1", Gemm),
            ("bmm_MxE4m3_MxE2m1MxE4m3_Fp32_t128x16x256u2_s3_et128x16_m128x16x32_cga1x1x1_16dp256b_rM_TN_transOut", Gemm),
            ("bmm_Bfloat16_MxE2m1MxE4m3_Fp32_t128x16x256u2_s3_et128x16_m128x16x32_cga1x1x1_16dp256b_rM_TN", Gemm),
        ];
        for (name, want) in cases {
            assert_eq!(classify(name), want, "{name}");
        }
    }
}
