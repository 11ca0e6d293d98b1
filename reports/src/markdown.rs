//! The markdown report (`report.md`) and the stdout summary.

use std::fmt::Write;

use schema::Tables;

use crate::units::{fmt_bytes, fmt_ns, fmt_pct};

/// Rendering options.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ReportOptions {
    /// Rows in the top-kernels and top-ranges tables. Default is 15.
    pub top: usize,
    /// Longest kernel or range name shown before it is cut with "…". Default is 90 characters.
    pub max_name: usize,
}

impl ReportOptions {
    /// Options with `top` rows in the top tables.
    pub fn with_top(top: usize) -> Self {
        ReportOptions { top, ..Default::default() }
    }
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions { top: 15, max_name: 90 }
    }
}

/// Escapes text for a markdown table cell: no name can break the table, start HTML, or format text.
pub fn escape_cell(s: &str, max: usize) -> String {
    let mut out = String::with_capacity(s.len().min(max) + 8);
    for (n, c) in s.chars().enumerate() {
        if n >= max {
            out.push('…');
            break;
        }
        match c {
            '|' => out.push_str("\\|"),
            '\\' => out.push_str("\\\\"),
            '`' => out.push_str("&#96;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '*' | '_' | '[' | ']' | '#' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() || is_invisible_format(c) => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Bidirectional overrides, isolates, marks and zero-width characters: they reorder or hide text in a rendered
/// report (a kernel named `x\u{202E}gpj.exe` displays as `xexe.jpg`), so they never reach it.
fn is_invisible_format(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

/// Appends a markdown table (then a blank line); `align_right` per column.
pub(crate) fn table(out: &mut String, header: &[&str], align_right: &[bool], rows: &[Vec<String>]) {
    let _ = writeln!(out, "| {} |", header.join(" | "));
    let sep: Vec<&str> = align_right.iter().map(|&r| if r { "--:" } else { "---" }).collect();
    let _ = writeln!(out, "|{}|", sep.join("|"));
    for r in rows {
        let _ = writeln!(out, "| {} |", r.join(" | "));
    }
    out.push('\n');
}

/// Devices that ran GPU work (from the ops: `timeline.csv` has one row per device with ops).
fn devices_with_work(t: &Tables) -> Vec<i64> {
    t.timeline.iter().map(|d| d.device).collect()
}

/// "2 GPU(s)" for the summary line: the devices the export describes, or, when it describes fewer than ran
/// work (nsys 2026.2 writes no TARGET_INFO_GPU), the devices seen in the ops, saying the names are missing.
fn gpu_count(t: &Tables) -> String {
    let named = t.info.gpus.len();
    let seen = devices_with_work(t);
    if seen.len() <= named {
        return format!("{named} GPU(s)");
    }
    if named == 0 {
        format!("{} GPU(s) (device ids from the ops; this export does not record GPU names)", seen.len())
    } else {
        format!("{} GPU(s) ({named} described by the export)", seen.len())
    }
}

/// What the trace's ranges are called: NVTX in an nsys export, annotations (`record_function`, `user_annotation`)
/// in a PyTorch profiler trace.
fn ranges_label(t: &Tables) -> &'static str {
    if t.input_kind == schema::tables::INPUT_KINETO {
        "Annotations (user_annotation)"
    } else {
        "NVTX"
    }
}

fn gpu_line(t: &Tables) -> String {
    if t.info.gpus.is_empty() {
        let seen = devices_with_work(t);
        if seen.is_empty() {
            return "unknown (no TARGET_INFO_GPU)".into();
        }
        let ids: Vec<String> = seen.iter().map(|d| d.to_string()).collect();
        return format!("{} device(s) ran work (ids {}); names not recorded (the export has no TARGET_INFO_GPU)", seen.len(), ids.join(", "));
    }
    let mut names: Vec<String> = Vec::new();
    for g in &t.info.gpus {
        let label = if g.memory_bandwidth_bps > 0 {
            format!("{} ({}/s peak DRAM)", g.name, fmt_bytes(g.memory_bandwidth_bps as f64))
        } else {
            g.name.clone()
        };
        names.push(label);
    }
    // Collapse identical GPUs: "8 × NVIDIA H100".
    let mut grouped: Vec<(String, usize)> = Vec::new();
    for n in names {
        match grouped.iter_mut().find(|(m, _)| *m == n) {
            Some(g) => g.1 += 1,
            None => grouped.push((n, 1)),
        }
    }
    grouped
        .into_iter()
        .map(|(n, c)| if c > 1 { format!("{c} × {}", escape_cell(&n, 200)) } else { escape_cell(&n, 200) })
        .collect::<Vec<_>>()
        .join(", ")
}

fn opt(v: Option<f64>, f: impl Fn(f64) -> String) -> String {
    v.map(f).unwrap_or_else(|| "–".into())
}

/// Sentences computed from the ncu tables: per phase, the share of GPU time by verdict; without phases, which
/// launches are memory-bound and how close to peak bandwidth.
pub fn ncu_findings(t: &Tables) -> Vec<String> {
    let mut out = Vec::new();
    if !t.ncu_phases.is_empty() {
        let mut phases: Vec<&str> = Vec::new();
        for r in &t.ncu_phases {
            if !phases.contains(&r.phase.as_str()) {
                phases.push(&r.phase);
            }
        }
        for p in phases {
            let rows: Vec<_> = t.ncu_phases.iter().filter(|r| r.phase == p && r.bound != "unprofiled").collect();
            let Some(top) = rows.first() else { continue };
            let bw = top.dram_pct_of_peak.map(|b| format!(" at {} of peak DRAM bandwidth", fmt_pct(b))).unwrap_or_default();
            let unprof = t.ncu_phases.iter().find(|r| r.phase == p && r.bound == "unprofiled").map(|r| r.pct_phase_time).unwrap_or(0.0);
            out.push(format!(
                "**{}**: {} of GPU time in {} kernels{bw}{}.",
                escape_cell(p, 40),
                fmt_pct(top.pct_phase_time),
                top.bound,
                if unprof > 0.0 { format!(" ({} of the phase was not profiled by ncu)", fmt_pct(unprof)) } else { String::new() }
            ));
        }
    } else if !t.ncu_kernels.is_empty() {
        let n = t.ncu_kernels.len();
        for bound in ["memory-bound", "compute-bound", "latency-bound"] {
            let ks: Vec<_> = t.ncu_kernels.iter().filter(|k| k.bound == bound).collect();
            if ks.is_empty() {
                continue;
            }
            let detail: Vec<String> = ks
                .iter()
                .take(6)
                .map(|k| {
                    let bw = k.dram_pct_of_peak.map(|b| format!(", DRAM {}", fmt_pct(b))).unwrap_or_default();
                    format!("#{} {} ({}{bw})", k.id, escape_cell(&k.base_name, 40), k.bound_reason)
                })
                .collect();
            out.push(format!("{} of {n} launches are **{bound}**: {}{}.", ks.len(), detail.join("; "), if ks.len() > 6 { "; …" } else { "" }));
        }
    }
    out
}

fn ncu_section(out: &mut String, t: &Tables, o: &ReportOptions) {
    if t.ncu_kernels.is_empty() {
        return;
    }
    let _ = writeln!(out, "## Nsight Compute: memory traffic, FLOPs and roofline per kernel
");
    for f in ncu_findings(t) {
        let _ = writeln!(out, "- {f}");
    }
    out.push('\n');
    let joined = !t.ncu_phases.is_empty();
    let mut header = vec!["ID", "Kernel"];
    if joined {
        header.push("Phase");
    }
    header.extend(["Duration", "DRAM bytes", "DRAM BW", "% of peak", "GFLOP/s", "FLOP/byte", "SM %", "Memory %", "Verdict"]);
    let mut align = vec![true, false];
    if joined {
        align.push(false);
    }
    align.extend([true, true, true, true, true, true, true, true, false]);
    let rows: Vec<Vec<String>> = t
        .ncu_kernels
        .iter()
        .take(o.top.max(20))
        .map(|k| {
            let mut r = vec![k.id.to_string(), escape_cell(&k.base_name, 50)];
            if joined {
                r.push(escape_cell(&k.phase, 20));
            }
            r.extend([
                opt(k.duration_ns, fmt_ns),
                opt(k.dram_bytes, fmt_bytes),
                opt(k.dram_gb_s, |v| format!("{v:.1} GB/s")),
                opt(k.dram_pct_of_peak, fmt_pct),
                opt(k.gflop_s, |v| format!("{v:.1}")),
                opt(k.arithmetic_intensity, |v| format!("{v:.2}")),
                opt(k.sm_pct, fmt_pct),
                opt(k.memory_pct, fmt_pct),
                k.bound.clone(),
            ]);
            r
        })
        .collect();
    table(out, &header, &align, &rows);
    if t.ncu_kernels.len() > o.top.max(20) {
        let _ = writeln!(out, "{} more launches in `ncu_kernels.csv`.\n", t.ncu_kernels.len() - o.top.max(20));
    }
    let _ = writeln!(out, "FLOPs count an FMA as 2 (`fadd + fmul + 2·ffma`, per precision); tensor-core work is in `ncu_kernels.csv` (`tensor_ops`, `tensor_inst`). A kernel is memory- or compute-bound when that unit runs at ≥ 60% of its peak (Speed Of Light), latency-bound when neither does.\n");
    if !t.ncu_phases.is_empty() {
        let _ = writeln!(out, "**GPU time by verdict, per phase** (nsys time of each kernel, verdict of the same kernel in ncu)\n");
        let rows: Vec<Vec<String>> = t
            .ncu_phases
            .iter()
            .map(|r| vec![escape_cell(&r.phase, 30), r.bound.clone(), fmt_pct(r.pct_phase_time), fmt_ns(r.total_ns as f64), r.kernels.to_string(), fmt_bytes(r.dram_bytes_est), opt(r.dram_pct_of_peak, fmt_pct)])
            .collect();
        table(out, &["Phase", "Verdict", "Share", "GPU time", "Kernels", "DRAM bytes (est.)", "DRAM % of peak"], &[false, false, true, true, true, true, true], &rows);
    }
    for n in &t.ncu_notes {
        let _ = writeln!(out, "- **Note (ncu):** {}", escape_cell(n, 300));
    }
}

fn traffic_section(out: &mut String, t: &Tables) {
    let interesting = t.traffic.iter().any(|r| r.kernel_dram_bytes.is_some() || r.predicted_bytes.is_some() || r.copy_bytes > 0);
    if !interesting {
        return;
    }
    let _ = writeln!(out, "## Memory traffic per phase\n");
    let rows: Vec<Vec<String>> = t
        .traffic
        .iter()
        .map(|r| {
            vec![
                escape_cell(&r.phase, 30),
                fmt_ns(r.kernel_ns as f64),
                opt(r.kernel_dram_bytes, fmt_bytes),
                opt(r.kernel_gb_s, |v| format!("{v:.1} GB/s")),
                format!("{} ({})", fmt_bytes(r.copy_bytes as f64), fmt_ns(r.copy_ns as f64)),
                if r.peak_gb_s > 0.0 { format!("{:.0} GB/s", r.peak_gb_s) } else { "–".into() },
                opt(r.predicted_bytes, fmt_bytes),
                opt(r.predicted_min_ns, fmt_ns),
                opt(r.explained_pct, fmt_pct),
            ]
        })
        .collect();
    table(
        out,
        &["Phase", "Kernel time", "Kernel DRAM bytes (ncu)", "Achieved", "Copies", "Peak", "Model predicts", "At peak BW", "Explained"],
        &[false, true, true, true, true, true, true, true, true],
        &rows,
    );
    let _ = writeln!(out, "Kernel DRAM bytes extrapolate ncu's bytes per launch to every execution nsys recorded (kernels ncu did not profile are left out; `profiled_ns` in `traffic.csv`). *Model predicts*: each decode step reads all weights plus the KV cache so far, each prefill reads the weights and writes the prompt's KV cache; *At peak BW* is that many bytes at peak DRAM bandwidth, and *Explained* its share of the phase's kernel time.\n");
}

/// Marks where the step chart goes in the steps section (an HTML comment: invisible when no chart is drawn).
pub const STEPS_CHART_MARK: &str = "<!-- steps chart -->";

/// `point phase` (or the phase alone when the steps are in no point): a step summary row's label.
pub fn step_label(r: &schema::tables::StepSummaryRow) -> String {
    if r.point.is_empty() { r.phase.clone() } else { format!("{} {}", r.point, r.phase) }
}

fn steps_section(out: &mut String, t: &Tables) {
    if t.step_summary.is_empty() {
        return;
    }
    let _ = writeln!(out, "## Where each step's time goes
");
    let _ = writeln!(
        out,
        "{} step(s) in `steps.csv`: each `prefill` and each decode step, measured runs only below (warmups left out). A step's wall time is GPU busy with its own ops (by class), GPU idle between them, and host-only time before its first op or after its last.\n",
        t.steps.len()
    );
    let rows: Vec<Vec<String>> = t
        .step_summary
        .iter()
        .map(|r| {
            let mut classes: Vec<(&str, f64)> = r.class_busy().into_iter().filter(|(_, v)| *v > 0.0).collect();
            classes.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
            let busy = r.gpu_busy_ns_per_step;
            let split = classes.iter().take(2).map(|(c, v)| format!("{c} {}", fmt_pct(if busy > 0.0 { v * 100.0 / busy } else { 0.0 }))).collect::<Vec<_>>().join(", ");
            vec![
                escape_cell(&step_label(r), 60),
                r.steps.to_string(),
                fmt_ns(r.wall_p50_ns as f64),
                fmt_ns(r.wall_p90_ns as f64),
                format!("{}{}", fmt_pct(r.gpu_busy_pct), if split.is_empty() { String::new() } else { format!(" ({split})") }),
                fmt_pct(r.gpu_idle_pct),
                fmt_pct(r.host_only_pct),
                format!("{:.1}", r.launches_per_step),
                if r.launches_per_step > 0.0 { fmt_ns(r.launch_api_ns_per_launch) } else { "–".into() },
                match (r.hbm_floor_ns, r.floor_ratio) {
                    (Some(f), Some(x)) => format!("{} ({x:.2}×)", fmt_ns(f as f64)),
                    _ => "–".into(),
                },
                format!("**{}**", r.bound),
            ]
        })
        .collect();
    table(
        out,
        &["Point and phase", "Steps", "Wall p50", "Wall p90", "GPU busy", "GPU idle", "Host-only", "Launches / step", "API / launch", "HBM floor (wall ÷ floor)", "Bound"],
        &[false, true, true, true, true, true, true, true, true, true, false],
        &rows,
    );
    for r in &t.step_summary {
        let _ = writeln!(out, "- **{}** — {}: {}.", escape_cell(&step_label(r), 60), r.bound, escape_cell(&r.bound_reason, 400));
    }
    if t.step_summary.iter().any(|r| r.gpu_overhang_pct > 0.0) {
        let _ = writeln!(out, "\nSome steps' GPU work outlives the step (asynchronous launches): busy + idle + host-only then exceed the wall time by `gpu_overhang_ns`.");
    }
    let _ = writeln!(out, "\nBusy, idle and host-only are shares of the summed wall time; rules of the verdict in docs/attribution.md (Step anatomy). Tables: `steps.csv`, `step_summary.csv`.\n\n{STEPS_CHART_MARK}\n");
}

/// Renders the markdown report of one analysis.
pub fn render_markdown(t: &Tables, o: &ReportOptions) -> String {
    if t.input_kind == "ncu" {
        let mut out = String::new();
        let file = std::path::Path::new(&t.info.file).file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
        let _ = writeln!(out, "# Kernel roofline — {}\n", escape_cell(&file, 200));
        let _ = writeln!(out, "{} profiled launch(es) from Nsight Compute.\n", t.ncu_kernels.len());
        ncu_section(&mut out, t, o);
        let _ = writeln!(out, "Tables: `ncu_kernels.csv`, `tables.json`.");
        return out;
    }
    let mut out = String::new();
    let s = &t.summary;
    let file = std::path::Path::new(&t.info.file).file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
    let _ = writeln!(out, "# GPU time attribution — {}\n", escape_cell(&file, 200));
    if t.info.source.is_empty() {
        let _ = writeln!(out, "- **nsys version:** {} (export schema {})", escape_cell(&t.info.nsys_version, 60), escape_cell(&t.info.schema_version, 60));
    } else {
        let _ = writeln!(out, "- **Source:** {}", escape_cell(&t.info.source, 300));
    }
    if let (Some(rank), Some(world)) = (t.info.rank, t.info.world_size) {
        let _ = writeln!(out, "- **Rank:** {rank} of {world}");
    }
    let _ = writeln!(out, "- **GPUs:** {}", gpu_line(t));
    if s.kernels == 0 && s.memops == 0 {
        let _ = writeln!(out, "- **No GPU activity:** this export has no CUDA kernels and no memory operations{}.", if s.nvtx_ranges > 0 { format!(" ({} NVTX ranges, CPU only)", s.nvtx_ranges) } else { String::new() });
    } else {
        let _ = writeln!(out, "- **Kernels:** {} executions of {} kernels, {} of GPU time; {} memcpy/memset ({}).", s.kernels, s.kernel_names, fmt_ns(s.kernel_ns as f64), s.memops, fmt_ns(s.memop_ns as f64));
        if s.nvtx_ranges > 0 {
            let _ = writeln!(out, "- **Attributed to NVTX ranges:** {} of kernel time ({} of {} kernels launched inside a range).", fmt_pct(s.attributed_pct), fmt_ns(s.attributed_ns as f64), fmt_ns(s.kernel_ns as f64));
        } else {
            let _ = writeln!(out, "- **NVTX:** the trace has no NVTX ranges, so no time can be attributed to phases.");
        }
        if !s.phases.is_empty() {
            let _ = writeln!(out, "- **Phases found:** {}.", s.phases.join(", "));
        }
    }
    for n in &t.info.notes {
        let _ = writeln!(out, "- **Note:** {}", escape_cell(n, 400));
    }
    out.push('\n');
    steps_section(&mut out, t);

    if !t.kernels.is_empty() {
        let _ = writeln!(out, "## Top kernels\n");
        let multi = t.timeline.len() > 1;
        let mut header = vec![];
        if multi {
            header.push("GPU");
        }
        header.extend(["Kernel", "Class", "Time %", "Total", "Instances", "Avg", "Med", "Min", "Max"]);
        let mut align = vec![];
        if multi {
            align.push(true);
        }
        align.extend([false, false, true, true, true, true, true, true, true]);
        let rows: Vec<Vec<String>> = t
            .kernels
            .iter()
            .take(o.top)
            .map(|k| {
                let mut r = vec![];
                if multi {
                    r.push(k.device.to_string());
                }
                r.extend([
                    escape_cell(&k.name, o.max_name),
                    k.class.clone(),
                    fmt_pct(k.pct_gpu_time),
                    fmt_ns(k.total_ns as f64),
                    k.instances.to_string(),
                    fmt_ns(k.avg_ns),
                    fmt_ns(k.med_ns),
                    fmt_ns(k.min_ns as f64),
                    fmt_ns(k.max_ns as f64),
                ]);
                r
            })
            .collect();
        table(&mut out, &header, &align, &rows);
        if t.kernels.len() > o.top {
            let _ = writeln!(out, "{} more kernels in `kernels.csv`.\n", t.kernels.len() - o.top);
        }
    }

    if !t.classes.is_empty() {
        let _ = writeln!(out, "## Kernel classes\n");
        let phases: Vec<&str> = {
            let mut v: Vec<&str> = Vec::new();
            for c in &t.classes {
                if !v.contains(&c.phase.as_str()) {
                    v.push(&c.phase);
                }
            }
            v
        };
        for p in phases {
            let rows: Vec<Vec<String>> = t
                .classes
                .iter()
                .filter(|c| c.phase == p)
                .map(|c| vec![c.class.clone(), fmt_pct(c.pct_phase_time), fmt_ns(c.total_ns as f64), c.instances.to_string()])
                .collect();
            let title = if p == "all" { "whole trace".to_string() } else { format!("phase `{}`", escape_cell(p, 60)) };
            let _ = writeln!(out, "**{title}**\n");
            table(&mut out, &["Class", "Share", "Time", "Ops"], &[false, true, true, true], &rows);
        }
    }

    if !t.nvtx_ranges.is_empty() {
        let _ = writeln!(out, "## NVTX ranges\n");
        let _ = writeln!(out, "GPU time is attributed by launch: a kernel belongs to a range when the API call that launched it lies inside the range on the same thread. *Innermost* counts each kernel once, in its deepest range; *inclusive* counts it in every enclosing range (as `nsys stats -r nvtxkernsum`). *GPU projection* spans the first launched op's start to the last op's end.\n");
        let rows: Vec<Vec<String>> = t
            .nvtx_ranges
            .iter()
            .take(o.top)
            .map(|r| {
                vec![
                    escape_cell(&r.range, o.max_name),
                    r.instances.to_string(),
                    fmt_ns(r.cpu_total_ns as f64),
                    fmt_ns(r.gpu_total_ns as f64),
                    fmt_ns(r.gpu_inclusive_ns as f64),
                    r.kernels.to_string(),
                    fmt_ns(r.gpu_proj_total_ns as f64),
                ]
            })
            .collect();
        table(
            &mut out,
            &["Range", "Instances", "CPU time", "GPU (innermost)", "GPU (inclusive)", "Kernels", "GPU projection"],
            &[false, true, true, true, true, true, true],
            &rows,
        );
        if t.nvtx_ranges.len() > o.top {
            let _ = writeln!(out, "{} more ranges in `nvtx_ranges.csv`.\n", t.nvtx_ranges.len() - o.top);
        }
    }

    if !t.memory.is_empty() {
        let _ = writeln!(out, "## Memory operations\n");
        let rows: Vec<Vec<String>> = t
            .memory
            .iter()
            .map(|m| {
                vec![
                    m.device.to_string(),
                    m.kind.clone(),
                    m.count.to_string(),
                    fmt_bytes(m.bytes as f64),
                    fmt_ns(m.total_ns as f64),
                    format!("{:.2} GB/s", m.achieved_gb_s),
                    if m.peak_gb_s > 0.0 { format!("{:.0} GB/s", m.peak_gb_s) } else { "–".into() },
                ]
            })
            .collect();
        table(&mut out, &["GPU", "Kind", "Count", "Bytes", "Time", "Achieved", "Peak DRAM"], &[true, false, true, true, true, true, true], &rows);
        let _ = writeln!(out, "Host↔device copies are limited by the link (PCIe/NVLink), not DRAM; compare only DtoD and memset with the DRAM peak.\n");
    }

    if !t.timeline.is_empty() {
        let _ = writeln!(out, "## GPU utilization and idle time\n");
        let rows: Vec<Vec<String>> = t
            .timeline
            .iter()
            .map(|d| {
                vec![
                    d.device.to_string(),
                    escape_cell(&d.gpu, 40),
                    fmt_ns(d.span_ns as f64),
                    fmt_ns(d.busy_ns as f64),
                    fmt_pct(d.utilization_pct),
                    format!("{} ({})", fmt_ns(d.idle_ns as f64), d.idle_gaps),
                    fmt_ns(d.largest_gap_ns as f64),
                    format!("{} / {}", d.short_kernels, d.kernels),
                    fmt_ns(d.launch_latency_med_ns),
                ]
            })
            .collect();
        table(
            &mut out,
            &["GPU", "Name", "Span", "Busy", "Utilization", "Idle (gaps)", "Largest gap", "Launch-bound kernels", "Median launch latency"],
            &[true, false, true, true, true, true, true, true, true],
            &rows,
        );
        let _ = writeln!(out, "Busy time is the union of kernel and copy intervals over all streams (overlap counted once). A kernel is *launch-bound* when it ran shorter than its launch call took on the CPU.\n");
        if !t.gaps.is_empty() {
            let rows: Vec<Vec<String>> = t
                .gaps
                .iter()
                .filter(|g| g.rank <= 5)
                .map(|g| vec![g.device.to_string(), g.rank.to_string(), fmt_ns(g.gap_ns as f64), escape_cell(&g.before, 50), escape_cell(&g.after, 50)])
                .collect();
            let _ = writeln!(out, "**Largest idle gaps**\n");
            table(&mut out, &["GPU", "#", "Gap", "Preceding op", "Following op"], &[true, true, true, false, false], &rows);
        }
    }
    ncu_section(&mut out, t, o);
    traffic_section(&mut out, t);
    let mut files = vec!["kernels.csv", "nvtx_ranges.csv", "classes.csv", "memory.csv", "timeline.csv", "gaps.csv"];
    if !t.ncu_kernels.is_empty() {
        files.push("ncu_kernels.csv");
    }
    if !t.ncu_phases.is_empty() {
        files.push("ncu_phases.csv");
    }
    if !t.traffic.is_empty() {
        files.push("traffic.csv");
    }
    if !t.steps.is_empty() {
        files.extend(["steps.csv", "step_summary.csv"]);
    }
    files.push("tables.json");
    let _ = writeln!(out, "Tables: {}.", files.iter().map(|f| format!("`{f}`")).collect::<Vec<_>>().join(", "));
    out
}

/// A short plain-text summary for the terminal.
pub fn render_summary(t: &Tables, top: usize) -> String {
    let mut out = String::new();
    if t.input_kind == "ncu" {
        let _ = writeln!(out, "{} — {} launch(es) profiled by Nsight Compute", t.info.file, t.ncu_kernels.len());
        for k in t.ncu_kernels.iter().take(top.max(10)) {
            let name: String = k.base_name.chars().filter(|c| !c.is_control()).take(50).collect();
            let _ = writeln!(
                out,
                "  #{:<4} {:<14} {:>11}  DRAM {:>7}  {}  {}",
                k.id,
                k.bound,
                opt(k.duration_ns, fmt_ns),
                opt(k.dram_pct_of_peak, fmt_pct),
                name,
                k.bound_reason
            );
        }
        return out;
    }
    let s = &t.summary;
    if t.info.source.is_empty() {
        let _ = writeln!(out, "{} — nsys {}, {}", t.info.file, t.info.nsys_version, gpu_count(t));
    } else {
        let rank = match (t.info.rank, t.info.world_size) {
            (Some(r), Some(w)) if w > 1 => format!(", rank {r} of {w}"),
            _ => String::new(),
        };
        let _ = writeln!(out, "{} — {}{rank}, {}", t.info.file, t.info.source, gpu_count(t));
    }
    if s.kernels == 0 && s.memops == 0 {
        let what = if s.nvtx_ranges > 0 { format!("{} NVTX ranges, CPU only", s.nvtx_ranges) } else { "nothing to attribute".to_string() };
        let _ = writeln!(out, "no CUDA kernels or memory operations in this export ({what})");
        summary_steps(&mut out, t);
        return out;
    }
    let _ = writeln!(out, "{} kernels ({} names), {} kernel time; {} memcpy/memset ({})", s.kernels, s.kernel_names, fmt_ns(s.kernel_ns as f64), s.memops, fmt_ns(s.memop_ns as f64));
    for k in t.kernels.iter().take(top) {
        let name: String = k.short_name.chars().filter(|c| !c.is_control()).take(60).collect();
        let _ = writeln!(out, "  {:>6}  {:>11}  {:<13} {}", fmt_pct(k.pct_gpu_time), fmt_ns(k.total_ns as f64), k.class, name);
    }
    if s.nvtx_ranges > 0 {
        let _ = writeln!(out, "{}: {} ranges; {} of kernel time launched inside a range", ranges_label(t), s.nvtx_ranges, fmt_pct(s.attributed_pct));
    } else {
        let _ = writeln!(out, "{}: none in this trace", ranges_label(t));
    }
    for p in &s.phases {
        let total: i64 = t.classes.iter().filter(|c| &c.phase == p).map(|c| c.total_ns).sum();
        let top_class = t.classes.iter().find(|c| &c.phase == p);
        if let Some(c) = top_class {
            let _ = writeln!(out, "  phase {p}: {} GPU time, {} {}", fmt_ns(total as f64), fmt_pct(c.pct_phase_time), c.class);
        }
    }
    for d in &t.timeline {
        let _ = writeln!(out, "GPU {}: {} busy of {} span ({}), {} idle gaps", d.device, fmt_ns(d.busy_ns as f64), fmt_ns(d.span_ns as f64), fmt_pct(d.utilization_pct), d.idle_gaps);
    }
    summary_steps(&mut out, t);
    out
}

/// The step summary in a few terminal lines (at most 8 points × phases; the rest in `step_summary.csv`).
fn summary_steps(out: &mut String, t: &Tables) {
    const SHOWN: usize = 8;
    for r in t.step_summary.iter().take(SHOWN) {
        let label: String = step_label(r).chars().filter(|c| !c.is_control()).take(60).collect();
        let _ = writeln!(
            out,
            "steps {label}: {} × {} p50 — {} (GPU busy {}, idle {}, host-only {})",
            r.steps,
            fmt_ns(r.wall_p50_ns as f64),
            r.bound,
            fmt_pct(r.gpu_busy_pct),
            fmt_pct(r.gpu_idle_pct),
            fmt_pct(r.host_only_pct)
        );
    }
    if t.step_summary.len() > SHOWN {
        let _ = writeln!(out, "steps: {} more point/phase rows in step_summary.csv", t.step_summary.len() - SHOWN);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_names_are_escaped() {
        let e = escape_cell("a|b`c<script>x\ny*z_", 100);
        assert_eq!(e, "a\\|b&#96;c&lt;script&gt;x y\\*z\\_");
        assert!(!e.contains('\n'));
        assert_eq!(escape_cell("abcdef", 3), "abc…");
        assert_eq!(escape_cell("x\u{202E}gpj.exe\u{2066}", 100), "x\u{FFFD}gpj.exe\u{FFFD}");
    }
}
