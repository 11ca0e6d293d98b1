//! Peak DRAM bandwidth of GPUs by name, for traces that do not record it (PyTorch-profiler traces never do;
//! some nsys exports do not either). Each entry cites its public source; a GPU that is not here gets no value
//! (never a guess), and `--peak-gb-s` overrides the table.
//!
//! Names are matched after normalization ([`normalize`]: lower case, `nvidia`/`geforce`/`tesla`/`amd`/`instinct`
//! and punctuation dropped), against patterns tried in order, the most specific first: `H100 PCIe` before `H100`.

/// One table entry: the words that must all appear in the normalized name, the words that must not, and the
/// peak in GB/s (10⁹ B/s).
struct Entry {
    all: &'static [&'static str],
    none: &'static [&'static str],
    gb_s: u32,
}

const fn e(all: &'static [&'static str], none: &'static [&'static str], gb_s: u32) -> Entry {
    Entry { all, none, gb_s }
}

/// The table, most specific first.
const TABLE: &[Entry] = &[
    // NVIDIA H100 datasheet (nvidia.com/en-us/data-center/h100, "H100 Tensor Core GPU" datasheet): SXM 3.35 TB/s,
    // PCIe 2 TB/s, NVL 3.9 TB/s.
    e(&["h100", "pcie"], &[], 2_000),
    e(&["h100", "nvl"], &[], 3_900),
    e(&["h100"], &[], 3_350),
    // NVIDIA H200 datasheet (nvidia.com/en-us/data-center/h200): H200 SXM and H200 NVL, 4.8 TB/s.
    e(&["h200"], &[], 4_800),
    // NVIDIA H800 product brief: H800 SXM5 3.35 TB/s, H800 PCIe 2 TB/s.
    e(&["h800", "pcie"], &[], 2_000),
    e(&["h800"], &[], 3_350),
    // NVIDIA GH200 Grace Hopper datasheet: 96 GB HBM3 at 4 TB/s (the 144 GB HBM3e version, 4.9 TB/s, is told
    // apart by memory size in [`peak_gb_s`]).
    e(&["gh200"], &[], 4_000),
    // NVIDIA A100 datasheet (nvidia.com/en-us/data-center/a100): 40 GB 1,555 GB/s; 80 GB PCIe 1,935 GB/s; 80 GB
    // SXM 2,039 GB/s.
    e(&["a100", "80gb", "pcie"], &[], 1_935),
    e(&["a100", "80gb"], &[], 2_039),
    e(&["a100"], &[], 1_555),
    // NVIDIA A10G (AWS EC2 G5 documentation; same GA102 board memory as the A10 datasheet): 600 GB/s.
    e(&["a10g"], &[], 600),
    // NVIDIA A10 datasheet: 600 GB/s.
    e(&["a10"], &[], 600),
    // NVIDIA L40S datasheet: 864 GB/s. NVIDIA L40 datasheet: 864 GB/s.
    e(&["l40s"], &[], 864),
    e(&["l40"], &[], 864),
    // NVIDIA L4 datasheet: 300 GB/s.
    e(&["l4"], &[], 300),
    // NVIDIA T4 datasheet: 320 GB/s (Tesla T4 in device names).
    e(&["t4"], &[], 320),
    // NVIDIA B200: DGX B200 datasheet, 64 TB/s of HBM3e for 8 GPUs, i.e. 8 TB/s each; HGX B200 8 TB/s per GPU.
    e(&["b200"], &[], 8_000),
    // NVIDIA GB200 NVL72 specifications: 8 TB/s per Blackwell GPU.
    e(&["gb200"], &[], 8_000),
    // NVIDIA DGX Spark (GB10) specifications: 273 GB/s LPDDR5x.
    e(&["gb10"], &["gb100"], 273),
    // NVIDIA GeForce RTX 4090 specifications (nvidia.com, 24 GB GDDR6X, 384-bit at 21 Gbps): 1,008 GB/s.
    e(&["rtx", "4090"], &[], 1_008),
    // NVIDIA GeForce RTX 5090 specifications: 32 GB GDDR7, 512-bit at 28 Gbps: 1,792 GB/s.
    e(&["rtx", "5090"], &[], 1_792),
    // NVIDIA GeForce RTX 5080 specifications: 16 GB GDDR7, 256-bit at 30 Gbps: 960 GB/s.
    e(&["rtx", "5080"], &[], 960),
    // NVIDIA GeForce RTX 5070 Ti specifications: 16 GB GDDR7, 256-bit at 28 Gbps: 896 GB/s.
    e(&["rtx", "5070", "ti"], &[], 896),
    // NVIDIA GeForce RTX 5070 specifications: 12 GB GDDR7, 192-bit at 28 Gbps: 672 GB/s.
    e(&["rtx", "5070"], &[], 672),
    // AMD Instinct MI325X data sheet (amd.com): 6 TB/s.
    e(&["mi325x"], &[], 6_000),
    // AMD Instinct MI300X data sheet (amd.com): 5.3 TB/s; a virtual function (`MI300X VF`) is the same GPU.
    e(&["mi300x"], &[], 5_300),
];

/// Lower case, vendor words and punctuation dropped, words separated by single spaces: `NVIDIA H100 80GB HBM3` →
/// `h100 80gb hbm3`, `NVIDIA A100-SXM4-80GB` → `a100 sxm4 80gb`.
pub fn normalize(name: &str) -> String {
    let lower: String = name.to_lowercase().chars().map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' }).collect();
    lower.split_whitespace().filter(|w| !matches!(*w, "nvidia" | "geforce" | "tesla" | "amd" | "instinct" | "radeon")).collect::<Vec<_>>().join(" ")
}

/// The peak DRAM bandwidth of the GPU named `name` with `total_memory_bytes` of memory (0 if unknown), GB/s, or
/// `None` when the GPU is not in the table.
pub fn peak_gb_s(name: &str, total_memory_bytes: i64) -> Option<u32> {
    let n = normalize(name);
    let words: Vec<&str> = n.split(' ').collect();
    let has = |w: &str| words.contains(&w);
    let entry = TABLE.iter().find(|e| e.all.iter().all(|w| has(w)) && !e.none.iter().any(|w| has(w)))?;
    // GH200 with 144 GB of HBM3e: 4.9 TB/s (GH200 datasheet).
    if entry.all == ["gh200"] && total_memory_bytes > 120_000_000_000 {
        return Some(4_900);
    }
    Some(entry.gb_s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_as_devices_report_them() {
        for (name, mem, want) in [
            ("NVIDIA H100 80GB HBM3", 85_018_279_936, Some(3_350)),
            ("NVIDIA H100 PCIe", 0, Some(2_000)),
            ("NVIDIA H100 NVL", 0, Some(3_900)),
            ("NVIDIA H200", 0, Some(4_800)),
            ("NVIDIA H200 NVL", 0, Some(4_800)),
            ("NVIDIA H800", 0, Some(3_350)),
            ("NVIDIA H800 PCIe", 0, Some(2_000)),
            ("NVIDIA A100-SXM4-40GB", 0, Some(1_555)),
            ("NVIDIA A100-PCIE-40GB", 0, Some(1_555)),
            ("NVIDIA A100-SXM4-80GB", 0, Some(2_039)),
            ("NVIDIA A100 80GB PCIe", 0, Some(1_935)),
            ("NVIDIA A10G", 0, Some(600)),
            ("NVIDIA A10", 0, Some(600)),
            ("NVIDIA L4", 0, Some(300)),
            ("NVIDIA L40S", 0, Some(864)),
            ("Tesla T4", 0, Some(320)),
            ("NVIDIA GeForce RTX 4090", 0, Some(1_008)),
            ("NVIDIA GeForce RTX 5090", 0, Some(1_792)),
            ("NVIDIA GeForce RTX 5070", 0, Some(672)),
            ("NVIDIA GeForce RTX 5070 Ti", 0, Some(896)),
            ("NVIDIA B200", 191_503_138_816, Some(8_000)),
            ("NVIDIA GB10", 0, Some(273)),
            ("NVIDIA GH200 480GB", 102_000_000_000, Some(4_000)),
            ("NVIDIA GH200 144G HBM3e", 150_000_000_000, Some(4_900)),
            ("AMD Instinct MI300X", 206_141_652_992, Some(5_300)),
            ("AMD Instinct MI300X VF", 205_571_227_648, Some(5_300)),
            ("AMD Instinct MI325X", 0, Some(6_000)),
            ("NVIDIA GeForce GTX 1660 Ti", 0, None),
            ("", 206_141_652_992, None),
            ("NVIDIA A1000", 0, None),
        ] {
            assert_eq!(peak_gb_s(name, mem), want, "{name}");
        }
    }
}
