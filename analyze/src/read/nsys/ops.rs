//! The GPU ops of an export: kernels (`CUPTI_ACTIVITY_KIND_KERNEL`), copies and sets (`_MEMCPY`, `_MEMSET`),
//! with implausible rows left out and counted for the notes.


use rustc_hash::FxHashMap;

use crate::error::Result;
use crate::model::{graph_op_name, Kernel, MemKind, MemOp, Trace, NONE};

use super::plausible::{implausible, Excluded};
use super::sqlite::{Interner, Reader, StringTable};

/// Columns read from `CUPTI_ACTIVITY_KIND_KERNEL`.
pub const KERNEL_COLUMNS: [&str; 14] = [
    "start", "end", "deviceId", "streamId", "correlationId", "globalPid", "demangledName", "shortName", "gridX", "gridY",
    "gridZ", "blockX", "blockY", "blockZ",
];
/// Columns read from `CUPTI_ACTIVITY_KIND_GRAPH_TRACE` (one row per execution of a CUDA graph, written by
/// `nsys profile --cuda-graph-trace=graph`, the default: the kernels inside the graph are not traced).
pub const GRAPH_COLUMNS: [&str; 7] = ["start", "end", "deviceId", "streamId", "correlationId", "globalPid", "graphId"];
/// Columns read from `CUPTI_ACTIVITY_KIND_MEMCPY` and `_MEMSET`.
pub const MEMOP_COLUMNS: [&str; 8] = ["start", "end", "deviceId", "streamId", "correlationId", "globalPid", "bytes", "copyKind"];

/// Kernels, CUDA graph executions (graph-level traces), memcpys and memsets.
pub(crate) fn read_ops(rd: &Reader<'_>, strings: &StringTable, interner: &mut Interner, trace: &mut Trace) -> Result<()> {
    let kt = "CUPTI_ACTIVITY_KIND_KERNEL";
    let kcols = KERNEL_COLUMNS;
    let mut configs: FxHashMap<([u32; 3], [u32; 3]), u32> = FxHashMap::default();
    let dim = |x: i64| x.clamp(0, u32::MAX as i64) as u32;
    let mut excluded = Excluded::default();
    rd.scan(kt, &kcols, "", |v| {
        let g = |i: usize| rd.int(v[i], kt, kcols[i]).map(|x| x.unwrap_or(0));
        let start = rd.req(v[0], kt, "start")?;
        let end = rd.req(v[1], kt, "end")?;
        if let Some(why) = implausible(start, end, g(2)?, g(3)?, None) {
            excluded.add(kt, why);
            return Ok(());
        }
        let demangled = rd.int(v[6], kt, "demangledName")?;
        let short = rd.int(v[7], kt, "shortName")?;
        let name = interner.intern_sid(strings, demangled.or(short));
        let short_name = interner.intern_sid(strings, short.or(demangled));
        let cfg = ([dim(g(8)?), dim(g(9)?), dim(g(10)?)], [dim(g(11)?), dim(g(12)?), dim(g(13)?)]);
        let n = configs.len() as u32;
        let config = *configs.entry(cfg).or_insert_with(|| {
            trace.launch_configs.push(cfg);
            n
        });
        trace.kernels.push(Kernel {
            start,
            end,
            correlation: g(4)?,
            global_pid: g(5)?,
            device: g(2)? as i32,
            stream: g(3)? as i32,
            name,
            short_name,
            config,
        });
        Ok(())
    })?;
    // Graph-level CUDA graph executions: GPU ops like kernels (one per replay, named after the graph), so busy
    // time, gaps, attribution to the launching `cudaGraphLaunch` and the `graph` class see them.
    let gt = "CUPTI_ACTIVITY_KIND_GRAPH_TRACE";
    let gcols = GRAPH_COLUMNS;
    let mut graph_runs = 0u64;
    rd.scan(gt, &gcols, "", |v| {
        let g = |i: usize| rd.int(v[i], gt, gcols[i]).map(|x| x.unwrap_or(0));
        let (start, end) = (rd.req(v[0], gt, "start")?, rd.req(v[1], gt, "end")?);
        if let Some(why) = implausible(start, end, g(2)?, g(3)?, None) {
            excluded.add(gt, why);
            return Ok(());
        }
        let name = interner.intern(&graph_op_name(g(6)?));
        // No launch configuration of its own: `Trace::launch_config` reads NONE as zeros.
        trace.kernels.push(Kernel { start, end, correlation: g(4)?, global_pid: g(5)?, device: g(2)? as i32, stream: g(3)? as i32, name, short_name: name, config: NONE });
        graph_runs += 1;
        Ok(())
    })?;
    if graph_runs > 0 {
        trace.info.notes.push(format!(
            "{graph_runs} CUDA graph execution(s) traced at graph level ({gt}): each counts as one GPU op named [CUDA graph <id>] (class graph) in every table; the kernels inside the graphs are not in this trace, so per-kernel attribution inside graphs needs nsys profile --cuda-graph-trace=node"
        ));
    }
    for (table, is_set) in [("CUPTI_ACTIVITY_KIND_MEMCPY", false), ("CUPTI_ACTIVITY_KIND_MEMSET", true)] {
        let cols = MEMOP_COLUMNS;
        rd.scan(table, &cols, "", |v| {
            let g = |i: usize| rd.int(v[i], table, cols[i]).map(|x| x.unwrap_or(0));
            let (start, end) = (rd.req(v[0], table, "start")?, rd.req(v[1], table, "end")?);
            if let Some(why) = implausible(start, end, g(2)?, g(3)?, Some(g(6)?)) {
                excluded.add(table, why);
                return Ok(());
            }
            trace.memops.push(MemOp {
                start,
                end,
                correlation: g(4)?,
                global_pid: g(5)?,
                bytes: g(6)?,
                device: g(2)? as i32,
                stream: g(3)? as i32,
                kind: if is_set { MemKind::Set } else { MemKind::Copy(g(7)?.clamp(-1, 1 << 16) as i32) },
            });
            Ok(())
        })?;
    }
    excluded.notes(&mut trace.info.notes);
    if interner.dangling > 0 {
        trace.info.notes.push(format!(
            "{} kernel name lookup(s) refer to ids missing from StringIds; those kernels are named [unknown string id]",
            interner.dangling
        ));
    }
    Ok(())
}

