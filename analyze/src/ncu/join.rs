//! Matching ncu launches to nsys kernels. The two tools print the same kernel differently: ncu 2025 drops
//! namespaces and writes `(bool)1` as `1`; the return type (`void`, `std::enable_if<…>::type`) differs. Both
//! are reduced to a base name (the function name without namespaces, template arguments or parameters), which
//! is then matched, with the grid/block shape and the launch order breaking ties.

/// The base function name of a (demangled) kernel name: `void cutlass::Kernel2<…>(T1::Params)` → `Kernel2`,
/// `std::enable_if<!T7, void>::type internal::gemvx::kernel<…>(T13)` → `kernel`.
pub fn base_name(name: &str) -> String {
    // Cut at the parameter list: the last '(' at template depth 0.
    let mut depth = 0i32;
    let mut cut = name.len();
    let b = name.as_bytes();
    let mut i = name.len();
    while i > 0 {
        i -= 1;
        match b[i] {
            b'>' => depth += 1,
            b'<' => depth -= 1,
            b')' => depth += 1,
            b'(' => {
                depth -= 1;
                if depth == 0 && i > 0 {
                    cut = i;
                    break;
                }
            }
            _ => {}
        }
    }
    let head = if cut < name.len() && name[cut..].starts_with('(') { &name[..cut] } else { name };
    // Drop template arguments (balanced <...>), keeping the text at depth 0.
    let mut out = String::new();
    let mut d = 0i32;
    for c in head.chars() {
        match c {
            '<' => d += 1,
            '>' => d -= 1,
            _ if d == 0 => out.push(c),
            _ => {}
        }
    }
    // The last word after spaces (drops return types) and after '::' (drops namespaces).
    let last = out.split_whitespace().last().unwrap_or("");
    last.rsplit("::").next().unwrap_or(last).trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nsys_and_ncu_names_reduce_to_the_same_base() {
        let pairs = [
            ("void cutlass::Kernel2<cutlass_80_tensorop_bf16_s16816gemm_relu_bf16_64x64_32x6_tn_align8>(T1::Params)", "void Kernel2<cutlass_80_tensorop_bf16_s16816gemm_relu_bf16_64x64_32x6_tn_align8>(Params)"),
            ("std::enable_if<!T7, void>::type internal::gemvx::kernel<int, int, __nv_bfloat16, (bool)0, (bool)1>(T13)", "enable_if<!T7, void>::type kernel<int, int, __nv_bfloat16, 0, 1>(T13)"),
            ("void flash::flash_fwd_splitkv_kernel<Flash_fwd_kernel_traits<(int)128, (int)64>, (bool)0>(Flash_fwd_params)", "void flash_fwd_splitkv_kernel<Flash_fwd_kernel_traits<128, 64>, false>(Flash_fwd_params)"),
        ];
        for (nsys, ncu) in pairs {
            assert_eq!(base_name(nsys), base_name(ncu), "{nsys} vs {ncu}");
        }
        assert_eq!(base_name("void cutlass::Kernel2<x>(T1::Params)"), "Kernel2");
        assert_eq!(base_name("std::enable_if<!T7, void>::type internal::gemvx::kernel<int>(T13)"), "kernel");
        assert_eq!(base_name("saxpy"), "saxpy");
        assert_eq!(base_name("ampere_sgemm_128x64_nn"), "ampere_sgemm_128x64_nn");
        assert_eq!(base_name("void at::native::(anonymous namespace)::fused_dropout_kernel_vec<double, 1, 4>(at::cuda::detail::TensorInfo<double, unsigned int>)"), "fused_dropout_kernel_vec");
    }
}
