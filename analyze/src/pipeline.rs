//! Loading and attributing in one stream: the NVTX table of a large export is decoded on reader threads and fed
//! straight into the attribution sweep ([`crate::passes::attribution::Sweep`]) while the launch join runs, so the
//! ranges are never held in memory. This is the one place where a reader and a pass meet; they meet here, above
//! both layers, so that neither imports the other (the streaming design needs them interleaved, not in sequence).

use std::path::Path;

use rusqlite::Connection;

use crate::error::{AnalyzeError, Result};
use crate::model::{RangeIn, Trace};
use crate::passes::attribution::{Attribution, Sweep};
use crate::read::nsys::nvtx::{read_nvtx, NvtxFold, NvtxNames, NvtxSource};
use crate::read::nsys::sqlite::{open, Reader};
use crate::read::nsys::{group, join_step, load_ops_unjoined, nvtx_window, Base, Progress, ReadOptions};
use crate::read::parscan::Range;
use schema::phase::Marks;

/// Loads the export at `path` and attributes its GPU ops to NVTX ranges (phases and steps named by `marks`) while
/// streaming the NVTX table: the ranges themselves are not kept ([`Trace::ranges`] is empty), so memory grows
/// with the number of GPU ops, not with the number of ranges. Kernel/memory tables and the CUDA API table are
/// read on two threads.
pub fn load_attributed(path: &Path, marks: &Marks) -> Result<(Trace, Attribution)> {
    load_attributed_with(path, marks, &|_| {})
}

/// [`load_attributed`], telling `progress` what each step did and how long it took.
pub fn load_attributed_with(path: &Path, marks: &Marks, progress: Progress<'_>) -> Result<(Trace, Attribution)> {
    load_attributed_opts(path, marks, progress, &ReadOptions::default())
}

/// [`load_attributed_with`], reading tables as `opts` says (the results do not depend on `opts`).
pub fn load_attributed_opts(path: &Path, marks: &Marks, progress: Progress<'_>, opts: &ReadOptions) -> Result<(Trace, Attribution)> {
    let phases = &marks.phases;
    let (base, api) = load_ops_unjoined(path, opts, progress)?;
    let Base { conn, tables, strings, mut interner, mut trace, .. } = base;
    let rd = Reader { conn: &conn, path, tables: &tables };
    let mut names = NvtxNames::default();
    let src = NvtxSource::new(&rd, opts, &strings)?;
    let decode = |c: &Connection, range: Range| src.decode(c, range);
    let open = || open(path, opts.io);
    // The NVTX table is decoded on the reader threads while this one joins ops to their launches (the join is not
    // parallel); the streaming sweep then takes the decoded ranges in table order.
    let pipe = crate::read::parscan::Pipeline::new(path, &src.ranges, nvtx_window(opts), &decode);
    let (launch, t, failed, out, counts) = std::thread::scope(|s| {
        pipe.spawn_workers(s, opts.threads, &open);
        let r = (|| {
            let launch = join_step(path, &conn, &tables, &mut trace, api, opts, progress)?;
            let t = std::time::Instant::now();
            let trace = &trace;
            // First try: stream rows straight into the sweep (real exports are sorted by start).
            let mut sweep = Sweep::new(trace, launch, phases.len(), None);
            let mut failed = false;
            let mut fold = NvtxFold::new(marks);
            let mut sink = |r: RangeIn| {
                failed = sweep.push(r).is_err();
                !failed
            };
            while let Some(c) = pipe.next(&conn) {
                if !fold.feed(c?, &mut interner, &mut names, &mut sink) {
                    break;
                }
            }
            let counts = fold.finish();
            if failed {
                return Ok((sweep.into_launch(), t, true, None, counts));
            }
            sweep.observe(counts.max_ts);
            Ok::<_, AnalyzeError>((Vec::new(), t, false, Some(sweep.finish()), counts))
        })();
        pipe.stop();
        r
    })?;
    let (out, counts) = match out {
        Some(out) => (out, counts),
        None => {
            // Out of order (or a never-closed range whose end matters before the table's end is known): read the
            // ranges into memory, sort them, and replay them with the last timestamp known.
            let mut all: Vec<RangeIn> = Vec::new();
            let counts = read_nvtx(&rd, opts, &strings, &mut interner, &mut names, marks, |r| {
                all.push(r);
                true
            })?;
            all.sort_by_key(|r| (r.start, r.order));
            let mut sweep = Sweep::new(&trace, launch, phases.len(), Some(counts.max_ts));
            for r in all {
                sweep.push(r).expect("sorted ranges with a known end are always taken");
            }
            (sweep.finish(), counts)
        }
    };
    let attr = Attribution::from_sweep(out, phases, |k| names.full_name(k, &interner), |k| interner.names[names.keys[k as usize].2 as usize].clone());
    progress(&format!(
        "NVTX: {} ranges ({} names) streamed and attributed{} ({:.2} s)",
        group(attr.range_instances),
        attr.range_names.len(),
        if failed { ", after sorting (rows out of time order)" } else { "" },
        t.elapsed().as_secs_f64()
    ));
    counts.notes(&mut trace.info.notes);
    trace.names = interner.names;
    Ok((trace, attr))
}

