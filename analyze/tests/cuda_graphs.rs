//! CUDA graphs in both kinds of nsys trace (`analyze/tests/data/graphs.sql`): at graph level the executions
//! (`CUPTI_ACTIVITY_KIND_GRAPH_TRACE`) are GPU ops of their own, named `[CUDA graph <id>]`, class `graph`, counted in
//! busy time and attributed to the NVTX ranges around their `cudaGraphLaunch`; at node level the graph's kernels
//! carry the launch's correlation id and are attributed the same way. Expected figures come from plain SQL over the
//! fixture, not from the tool.

use test_support as common;

use latency_anatomy_analyze::{analyze_file, Options, Tables};

/// The graph-level fixture: graph 7 replayed twice (800 ns each), one per step.
const GRAPH_LEVEL: &str = "CREATE TABLE CUPTI_ACTIVITY_KIND_GRAPH_TRACE (start INTEGER NOT NULL, end INTEGER NOT NULL,
  deviceId INTEGER, contextId INTEGER, streamId INTEGER, correlationId INTEGER, globalPid INTEGER, graphId INTEGER,
  graphExecId INTEGER);
INSERT INTO CUPTI_ACTIVITY_KIND_GRAPH_TRACE VALUES
  (1100, 1900, 0, 1, 7, 2, 100 << 24, 7, 70),
  (2100, 2900, 0, 1, 7, 3, 100 << 24, 7, 70);";

/// The node-level fixture: the same two replays, each as its two kernels (graph nodes 11 and 12).
const NODE_LEVEL: &str = "INSERT INTO CUPTI_ACTIVITY_KIND_KERNEL VALUES
  (1100, 1400, 0, 1, 7, 2, 100 << 24, 5, 5, 1, 1, 1, 128, 1, 1, 11),
  (1400, 1900, 0, 1, 7, 2, 100 << 24, 7, 7, 1, 1, 1, 128, 1, 1, 12),
  (2100, 2400, 0, 1, 7, 3, 100 << 24, 5, 5, 1, 1, 1, 128, 1, 1, 11),
  (2400, 2900, 0, 1, 7, 3, 100 << 24, 7, 7, 1, 1, 1, 128, 1, 1, 12);";

fn fixture(extra: &str) -> (tempfile::TempDir, std::path::PathBuf, Tables) {
    let dir = tempfile::tempdir().unwrap();
    let sql = format!("{}\n{extra}", include_str!("data/graphs.sql"));
    let p = common::build_db(dir.path(), "graphs.sqlite", &sql);
    let t = analyze_file(&p, &Options::default()).unwrap();
    (dir, p, t)
}

fn one(c: &rusqlite::Connection, q: &str) -> i64 {
    c.query_row(q, [], |r| r.get(0)).unwrap()
}

#[test]
fn graph_level_executions_are_gpu_ops_everywhere() {
    let (_d, p, t) = fixture(GRAPH_LEVEL);
    let c = common::sql(&p);
    let graph_ns = one(&c, "SELECT sum(end - start) FROM CUPTI_ACTIVITY_KIND_GRAPH_TRACE");
    let graph_runs = one(&c, "SELECT count(*) FROM CUPTI_ACTIVITY_KIND_GRAPH_TRACE");
    let kernel_ns = one(&c, "SELECT sum(end - start) FROM CUPTI_ACTIVITY_KIND_KERNEL");
    // kernels.csv: one row for the graph, class graph.
    let g = t.kernels.iter().find(|k| k.name == "[CUDA graph 7]").expect("a row for graph 7");
    assert_eq!((g.class.as_str(), g.instances, g.total_ns), ("graph", graph_runs as u64, graph_ns));
    assert_eq!(t.summary.kernels, graph_runs as u64 + 1);
    assert_eq!(t.summary.kernel_ns, graph_ns + kernel_ns);
    // Attributed to the ranges around cudaGraphLaunch: all of it in decode, one replay per step.
    let cls = t.classes.iter().find(|r| r.phase == "decode" && r.class == "graph").expect("decode/graph");
    assert_eq!((cls.instances, cls.total_ns), (graph_runs as u64, graph_ns));
    let range = |n: &str| t.nvtx_ranges.iter().find(|r| r.range == n).unwrap_or_else(|| panic!("range {n}"));
    assert_eq!(range("decode").gpu_inclusive_ns, graph_ns);
    assert_eq!(range("step_0").gpu_total_ns, one(&c, "SELECT end - start FROM CUPTI_ACTIVITY_KIND_GRAPH_TRACE WHERE correlationId = 2"));
    assert_eq!(range("step_1").gpu_total_ns, one(&c, "SELECT end - start FROM CUPTI_ACTIVITY_KIND_GRAPH_TRACE WHERE correlationId = 3"));
    // Busy time: the union of the eager kernel and both replays (no overlaps in the fixture), idle the rest.
    let tl = &t.timeline[0];
    assert_eq!(tl.busy_ns, graph_ns + kernel_ns);
    let span = one(&c, "SELECT max(e) - min(s) FROM (SELECT start s, end e FROM CUPTI_ACTIVITY_KIND_KERNEL UNION ALL SELECT start, end FROM CUPTI_ACTIVITY_KIND_GRAPH_TRACE)");
    assert_eq!((tl.span_ns, tl.idle_ns), (span, span - graph_ns - kernel_ns));
    // The report's notes say what a graph-level trace cannot show.
    assert!(t.info.notes.iter().any(|n| n.contains("2 CUDA graph execution(s) traced at graph level") && n.contains("--cuda-graph-trace=node")), "{:?}", t.info.notes);
    assert_eq!(t.summary.kernels_with_launch, t.summary.kernels);
}

#[test]
fn node_level_kernels_are_attributed_to_their_graph_launch() {
    let (_d, p, t) = fixture(NODE_LEVEL);
    let c = common::sql(&p);
    let node_ns = one(&c, "SELECT sum(end - start) FROM CUPTI_ACTIVITY_KIND_KERNEL WHERE graphNodeId IS NOT NULL");
    let range = |n: &str| t.nvtx_ranges.iter().find(|r| r.range == n).unwrap_or_else(|| panic!("range {n}"));
    assert_eq!(range("decode").gpu_inclusive_ns, node_ns);
    assert_eq!(range("decode").kernels, one(&c, "SELECT count(*) FROM CUPTI_ACTIVITY_KIND_KERNEL WHERE graphNodeId IS NOT NULL") as u64);
    assert_eq!(range("step_0").gpu_total_ns, one(&c, "SELECT sum(end - start) FROM CUPTI_ACTIVITY_KIND_KERNEL WHERE correlationId = 2"));
    assert_eq!(range("step_1").gpu_total_ns, one(&c, "SELECT sum(end - start) FROM CUPTI_ACTIVITY_KIND_KERNEL WHERE correlationId = 3"));
    // Node-level kernels keep their own names and classes; no graph op appears, and no graph note.
    assert!(t.kernels.iter().all(|k| !k.name.starts_with("[CUDA graph")));
    assert!(t.classes.iter().any(|r| r.phase == "decode" && r.class == "normalization"));
    assert!(!t.info.notes.iter().any(|n| n.contains("graph level")));
    assert_eq!(t.summary.kernels_with_launch, t.summary.kernels);
}

/// The streaming loader (what `analyze` runs) and the load-everything path agree on both kinds of trace.
#[test]
fn streaming_equals_in_memory_with_graphs() {
    for extra in [GRAPH_LEVEL, NODE_LEVEL] {
        let (_d, p, streamed) = fixture(extra);
        let in_memory = latency_anatomy_analyze::analyze_trace(&latency_anatomy_analyze::read::nsys::load(&p).unwrap(), &Options::default());
        assert_eq!(common::json(&streamed), common::json(&in_memory));
    }
}

#[test]
fn implausible_graph_rows_are_left_out_with_a_note() {
    let (_d, _p, t) = fixture(&format!("{GRAPH_LEVEL}\nINSERT INTO CUPTI_ACTIVITY_KIND_GRAPH_TRACE VALUES (0, 200000000000000, 0, 1, 7, 9, 100 << 24, 8, 80);"));
    assert!(t.kernels.iter().all(|k| k.name != "[CUDA graph 8]"));
    assert!(t.info.notes.iter().any(|n| n.contains("CUPTI_ACTIVITY_KIND_GRAPH_TRACE") && n.contains("implausible")), "{:?}", t.info.notes);
}

/// Steps count one launch call per graph replay, and its kernels: the replay's op at graph level, the node
/// kernels at node level (figures from SQL over the fixture).
#[test]
fn steps_count_graph_launches_and_kernels_per_replay() {
    for (extra, table, nodes) in [(GRAPH_LEVEL, "CUPTI_ACTIVITY_KIND_GRAPH_TRACE", false), (NODE_LEVEL, "CUPTI_ACTIVITY_KIND_KERNEL", true)] {
        let (_d, p, t) = fixture(extra);
        let c = common::sql(&p);
        assert_eq!(t.steps.len(), 2, "step_0 and step_1 ({table})");
        for (step, corr) in [("step_0", 2), ("step_1", 3)] {
            let r = t.steps.iter().find(|r| r.step == step).unwrap();
            let where_ = format!("FROM {table} WHERE correlationId = {corr}");
            let launch = one(&c, &format!("SELECT end - start FROM CUPTI_ACTIVITY_KIND_RUNTIME WHERE correlationId = {corr}"));
            assert_eq!((r.phase.as_str(), r.launch_calls, r.graph_launches, r.launch_api_ns), ("decode", 1, 1, launch), "{table} {step}");
            assert_eq!(r.kernels, one(&c, &format!("SELECT count(*) {where_}")) as u64, "{table} {step}");
            assert_eq!(r.gpu_start_ns, Some(one(&c, &format!("SELECT min(start) {where_}"))));
            assert_eq!(r.gpu_end_ns, Some(one(&c, &format!("SELECT max(end) {where_}"))));
            // The replay's ops do not overlap in the fixture: busy is their summed time.
            assert_eq!(r.gpu_busy_ns, one(&c, &format!("SELECT sum(end - start) {where_}")));
            let top = if nodes { "normalization" } else { "graph" };
            assert_eq!(r.top_class, top, "{table}");
        }
        let s = &t.step_summary[0];
        assert_eq!((s.phase.as_str(), s.steps, s.graph_launches_per_step, s.launches_per_step), ("decode", 2, 1.0, 1.0));
        assert_eq!(s.kernels_per_step, if nodes { 2.0 } else { 1.0 });
        let per_replay = one(&c, &format!("SELECT count(*) FROM {table} WHERE correlationId IN (2, 3)")) as f64 / 2.0;
        assert_eq!(s.kernels_per_replay, Some(per_replay));
        assert!(t.steps.iter().all(|r| r.graph_kernels == r.kernels));
    }
}
