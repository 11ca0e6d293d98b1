#!/usr/bin/env python3
"""Times latency-anatomy against its peers on the same large exports, and checks that they agree.

Run by hand (not in CI), from the repository root, after `bash .ci/setup` (for nsys):

    python3 scripts/compare-peers.py                      # 50k, 500k and 5M kernels
    python3 scripts/compare-peers.py --sizes 50000 --skip-nsys-stats

For each size it builds (or reuses) `results/bench/bench_<N>.sqlite` with `latency-anatomy bench make-trace`
(tiles of a real export), then measures, each in its own process, wall time and peak RSS of:

  * the bare scan of the columns the analysis reads (`latency-anatomy bench run-one scan`), the floor;
  * `latency-anatomy analyze` (every table + report.md);
  * `nsys stats -r gpukernsum,nvtxkernsum,gpumemtimesum` (NVIDIA's, the nsys on PATH), on a copy;
  * nsys-ai 0.3.0 (PyPI, in a temporary venv, offline DuckDB sqlite extension installed as it needs):
    `skill run nvtx_kernel_map` (NVTX attribution, first run: builds its Parquet cache), `skill run top_kernels`
    (first run, then with `--no-cache`), on a copy (without the DuckDB extension it writes indexes into its input).

Then it checks that the three agree on total kernel time and the top-10 kernels, and lists where their NVTX
attribution differs (nsys stats: inclusive time per range; nsys-ai: time per innermost range, which it joins
without the process id). Results: `results/bench/peers.json` and `results/bench/peers.md`.
"""

import argparse
import csv
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / "target" / "release" / "latency-anatomy"
SYNTHETIC_SQL = ROOT / "analyze" / "tests" / "data" / "synthetic.sql"
DEFAULT_FROM = ROOT.parent / "shared" / "realdata" / "MohanadOdema+DLProf" / "nsys_profile.sqlite"
NSYS_AI = ["nsys-ai==0.3.0", "duckdb==1.5.5", "duckdb-extension-sqlite-scanner==1.5.5"]


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def measure(cmd, env=None, cwd=None):
    """Runs cmd in a child of a fresh Python (so ru_maxrss is this command's alone): (wall s, peak RSS MB, stdout)."""
    helper = (
        "import resource, subprocess, sys, time, json\n"
        "t = time.monotonic()\n"
        "p = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE)\n"
        "w = time.monotonic() - t\n"
        "r = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "sys.stderr.buffer.write(p.stderr[-4000:])\n"
        "print(json.dumps({'rc': p.returncode, 'wall_s': w, 'cpu_s': r.ru_utime + r.ru_stime, 'rss_mb': r.ru_maxrss * 1024 / 1e6, 'out': p.stdout.decode(errors='replace')}))\n"
    )
    p = subprocess.run([sys.executable, "-c", helper, *map(str, cmd)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=cwd)
    res = json.loads(p.stdout)
    if res["rc"] != 0:
        raise SystemExit(f"failed ({res['rc']}): {' '.join(map(str, cmd))}\n{p.stderr.decode(errors='replace')[-2000:]}")
    log(f"  {res['wall_s']:8.2f} s {res['rss_mb']:8.1f} MB  {' '.join(map(str, cmd))[:120]}")
    return res


def setup_nsys_ai(work):
    venv = work / "venv"
    log("installing nsys-ai 0.3.0 into a temporary venv ...")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", *NSYS_AI], check=True)
    ext = next(venv.rglob("sqlite_scanner.duckdb_extension"), None)
    if ext is None:
        raise SystemExit("duckdb-extension-sqlite-scanner did not install sqlite_scanner.duckdb_extension")
    home = work / "home"
    dest = home / ".duckdb" / "extensions" / "v1.5.5" / "linux_amd64"
    dest.mkdir(parents=True)
    shutil.copy(ext, dest)
    env = dict(os.environ, HOME=str(home), PATH=f"{venv / 'bin'}:{os.environ['PATH']}")
    return venv / "bin" / "nsys-ai", env


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def ours_figures(out):
    kernels = read_csv(out / "kernels.csv")
    per_name = defaultdict(int)
    for r in kernels:
        per_name[r["name"]] += int(r["total_ns"])
    ranges = {r["range"]: r for r in read_csv(out / "nvtx_ranges.csv")}
    return {
        "total_ns": sum(per_name.values()),
        "per_device_ns": {d: sum(int(r["total_ns"]) for r in kernels if r["device"] == d) for d in sorted({r["device"] for r in kernels})},
        "top": sorted(per_name.items(), key=lambda kv: (-kv[1], kv[0]))[:10],
        "inclusive": {k: int(v["gpu_inclusive_ns"]) for k, v in ranges.items()},
        "innermost": {k: int(v["gpu_total_ns"]) for k, v in ranges.items()},
    }


def nsys_figures(prefix):
    kern = read_csv(f"{prefix}_gpukernsum.csv")
    per_name = defaultdict(int)
    for r in kern:
        per_name[r["Name"]] += int(float(r["Total Time (ns)"]))
    incl = defaultdict(int)
    for r in read_csv(f"{prefix}_nvtxkernsum.csv"):
        if r.get("Style") != "None":
            incl[r["NVTX Range"]] += int(float(r["Total Time (ns)"]))
    return {
        "total_ns": sum(per_name.values()),
        "top": sorted(per_name.items(), key=lambda kv: (-kv[1], kv[0]))[:10],
        "inclusive": dict(incl),
    }


def ai_figures(top_json, map_json):
    top = json.loads(top_json)
    top = [r for r in top if "kernel_name" in r] if isinstance(top, list) else []
    inner = defaultdict(int)
    rows = defaultdict(int)
    for r in json.loads(map_json):
        if "kernel_name" in r:
            inner[r["nvtx_text"] or ""] += round((r["end_ms"] - r["start_ms"]) * 1e6)
            rows[r["nvtx_text"] or ""] += 1
    return {
        "total_ns": round(sum(r["total_ms"] for r in top) * 1e6),
        "top": [(r["kernel_name"], round(r["total_ms"] * 1e6)) for r in top[:10]],
        "innermost": dict(inner),
        # nsys-ai prints start/end in ms with 3 decimals: each kernel's time is known to 1 µs.
        "rows": dict(rows),
    }


def ai_name(ours_name, ai_names):
    """nsys-ai prints range names without the NVTX domain: `dom:layer` is its `layer`."""
    if ours_name in ai_names:
        return ours_name
    matches = [a for a in ai_names if ours_name.endswith(":" + a)]
    return matches[0] if len(matches) == 1 else ours_name


def compare(n, ours, nsys, ai):
    lines = [f"### {n:,} kernels", ""]
    ok = True
    if nsys:
        same = ours["total_ns"] == nsys["total_ns"]
        ok &= same
        lines.append(f"- total kernel time: ours {ours['total_ns']} ns, nsys stats {nsys['total_ns']} ns: {'equal' if same else 'DIFFERENT'}")
        same_top = [k for k, _ in ours["top"]] == [k for k, _ in nsys["top"]] and ours["top"] == nsys["top"]
        ok &= same_top
        lines.append(f"- top-10 kernels (name and total ns) vs nsys stats: {'identical' if same_top else 'DIFFERENT'}")
    if ai:
        # nsys-ai rounds totals to 0.01 ms.
        tol = 10_000 * max(1, len(ai["top"]))
        close = abs(ours["total_ns"] - ai["total_ns"]) <= tol * 100
        lines.append(f"- total kernel time (top_kernels, all rows, rounded to 0.01 ms each): nsys-ai {ai['total_ns']} ns vs ours {ours['total_ns']} ns: {'agree within rounding' if close else 'DIFFERENT'}")
        top_names_same = [k for k, _ in ours["top"]] == [k for k, _ in ai["top"]]
        lines.append(f"- top-10 kernel names vs nsys-ai: {'identical' if top_names_same else 'DIFFERENT'}")
        ok &= close and top_names_same
    if nsys:
        diffs = [(k, v, nsys["inclusive"].get(k)) for k, v in sorted(ours["inclusive"].items()) if v and nsys["inclusive"].get(k) != v]
        lines.append(f"- NVTX inclusive time per range vs nsys stats nvtxkernsum: {len(ours['inclusive']) - len(diffs)} ranges equal, {len(diffs)} differ")
        for k, a, b in diffs[:10]:
            lines.append(f"  - `{k}`: ours {a} ns, nsys {b} ns")
    if ai and ai["innermost"]:
        mine = defaultdict(int)
        for k, v in ours["innermost"].items():
            mine[ai_name(k, ai["innermost"])] += v
        keys = sorted(k for k in set(mine) | set(ai["innermost"]) if mine.get(k, 0) or ai["innermost"].get(k, 0))
        diffs = []
        for k in keys:
            a, b = mine.get(k, 0), ai["innermost"].get(k, 0)
            if abs(a - b) > 1000 * ai["rows"].get(k, 0):
                diffs.append((k, a, b))
        lines.append(
            f"- NVTX innermost-range time vs nsys-ai nvtx_kernel_map: {len(keys) - len(diffs)} ranges agree (to nsys-ai's 1 µs per kernel), {len(diffs)} differ"
        )
        for k, a, b in diffs[:10]:
            lines.append(f"  - `{k or '(none)'}`: ours {a} ns, nsys-ai {b} ns ({ai['rows'].get(k, 0)} kernel rows)")
    return ok, lines


def edge_cases(work, nsys, ai_bin, ai_env):
    """The synthetic export of the tests (two processes reusing correlation id 1, a never-closed range, a kernel
    without an API call): where the tools' NVTX attribution differs, kernel by kernel."""
    import sqlite3

    db = work / "synthetic.sqlite"
    con = sqlite3.connect(db)
    con.executescript(SYNTHETIC_SQL.read_text())
    con.close()
    out = work / "ours_synthetic"
    subprocess.run([BIN, "analyze", db, "-o", out, "-q"], check=True)
    ours = ours_figures(out)
    lines = ["### Edge cases: `analyze/tests/data/synthetic.sql`", "",
             "Two processes (100 and 200) each launch a kernel with correlation id 1; process 200's kernel runs in its range `other_proc`.", "",
             "| range | ours innermost ns | ours inclusive ns | nsys stats inclusive ns | nsys-ai innermost ns (kernel rows) |", "|---|--:|--:|--:|--:|"]
    nsys_incl, ai_inner, ai_rows = {}, {}, {}
    if nsys:
        prefix = work / "nsys_synthetic"
        subprocess.run([nsys, "stats", "-r", "gpukernsum,nvtxkernsum", "--format", "csv", "--force-export=false", "-o", prefix, db], check=True, capture_output=True)
        nsys_incl = nsys_figures(prefix)["inclusive"]
    if ai_bin:
        p = subprocess.run([ai_bin, "skill", "run", "nvtx_kernel_map", db, "--format", "json", "-p", "limit=1000"], env=ai_env, capture_output=True, text=True, check=True)
        f = ai_figures("[]", p.stdout)
        ai_inner, ai_rows = f["innermost"], f["rows"]
    for k in sorted(set(ours["innermost"]) | set(nsys_incl)):
        a = ai_name(k, ai_inner)
        lines.append(f"| `{k}` | {ours['innermost'].get(k, 0)} | {ours['inclusive'].get(k, 0)} | {nsys_incl.get(k, '—')} | {ai_inner.get(a, 0)} ({ai_rows.get(a, 0)}) |")
    return lines + [""]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[50_000, 500_000, 5_000_000])
    ap.add_argument("--from", dest="src", type=Path, default=DEFAULT_FROM)
    ap.add_argument("--dir", type=Path, default=ROOT / "results" / "bench", help="where the generated exports are (reused when present)")
    ap.add_argument("--report", type=Path, default=ROOT / "results" / "peers", help="where peers.md and peers.json go")
    ap.add_argument("--skip-nsys-stats", action="store_true")
    ap.add_argument("--skip-nsys-ai", action="store_true")
    ap.add_argument("--no-edge-cases", action="store_true", help="skip the synthetic export with two processes sharing a correlation id")
    ap.add_argument("--check-limit", type=int, default=600_000, help="compare NVTX attribution with nsys-ai up to this many kernels (its per-kernel JSON is large)")
    args = ap.parse_args()
    subprocess.run(["cargo", "build", "--release", "-q"], cwd=ROOT, check=True)
    args.dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="la-peers-"))
    nsys = shutil.which("nsys")
    if nsys is None and not args.skip_nsys_stats:
        raise SystemExit("nsys is not on PATH: run `bash .ci/setup` or pass --skip-nsys-stats")
    ai_bin, ai_env = (None, None) if args.skip_nsys_ai else setup_nsys_ai(work)
    machine = f"{os.cpu_count()} cores, {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB"
    results, report, all_ok = [], [], True
    try:
        for n in args.sizes:
            f = args.dir / f"bench_{n}.sqlite"
            if not f.is_file():
                log(f"building {f} ...")
                subprocess.run([BIN, "bench", "make-trace", "--from", args.src, "--kernels", str(n), "--out", f], check=True)
            log(f"{n} kernels ({f.stat().st_size / 1e9:.2f} GB):")
            row = {"kernels": n, "bytes": f.stat().st_size}
            # Warm, like the peers' fresh copies: read the file into the page cache first (analyze's `--io auto`
            # then reads through the cache too; a file left out of it by an earlier direct read would be read
            # directly instead).
            with open(f, "rb") as fh:
                while fh.read(1 << 24):
                    pass
            row["scan"] = measure([BIN, "bench", "run-one", "scan", f])
            out = work / f"ours_{n}"
            row["ours"] = measure([BIN, "analyze", f, "-o", out, "-q"])
            ours = ours_figures(out)
            nsys_fig = ai_fig = None
            if not args.skip_nsys_stats:
                copy = work / "nsys_copy.sqlite"
                shutil.copy(f, copy)
                prefix = work / f"nsys_{n}"
                row["nsys_stats"] = measure([nsys, "stats", "-r", "gpukernsum,nvtxkernsum,gpumemtimesum", "--format", "csv", "--force-export=false", "-o", prefix, copy])
                copy.unlink()
                nsys_fig = nsys_figures(prefix)
            if ai_bin:
                copy = work / "ai_copy.sqlite"
                shutil.copy(f, copy)
                limit = str(2 * n) if n <= args.check_limit else "50"
                row["nsys_ai_nvtx_first"] = measure([ai_bin, "skill", "run", "nvtx_kernel_map", copy, "--format", "json", "-p", f"limit={limit}"], env=ai_env)
                row["nsys_ai_top_cached"] = measure([ai_bin, "skill", "run", "top_kernels", copy, "--format", "json", "-p", "limit=100000"], env=ai_env)
                row["nsys_ai_top_nocache"] = measure([ai_bin, "skill", "run", "top_kernels", copy, "--format", "json", "--no-cache", "-p", "limit=100000"], env=ai_env)
                if n <= args.check_limit:
                    ai_fig = ai_figures(row["nsys_ai_top_nocache"]["out"], row["nsys_ai_nvtx_first"]["out"])
                for k in ("nsys_ai_nvtx_first", "nsys_ai_top_cached", "nsys_ai_top_nocache"):
                    row[k]["out"] = row[k]["out"][:200]
                for p in work.glob("ai_copy*"):
                    shutil.rmtree(p) if p.is_dir() else p.unlink()
            for k in ("scan", "ours"):
                row[k]["out"] = row[k]["out"][:200]
            ok, lines = compare(n, ours, nsys_fig, ai_fig)
            all_ok &= ok
            report += lines + [""]
            results.append(row)
        if not args.no_edge_cases:
            report += edge_cases(work, nsys if not args.skip_nsys_stats else None, ai_bin, ai_env)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    def cell(row, k):
        r = row.get(k)
        return f"{r['wall_s']:.2f} s / {r['rss_mb']:.0f} MB" if r else "—"

    table = [
        f"Machine: {machine}; nsys: {subprocess.run([nsys, '--version'], capture_output=True, text=True).stdout.strip() if nsys else 'n/a'}; warm page cache (each export read once before it is measured; the peers run on fresh copies).",
        "",
        "| kernels | export | bare scan | latency-anatomy analyze | ratio | nsys stats | nsys-ai NVTX (first run) | nsys-ai top kernels (cached / --no-cache) |",
        "|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for r in results:
        ratio = r["ours"]["wall_s"] / max(r["scan"]["wall_s"], 1e-9)
        table.append(
            f"| {r['kernels']:,} | {r['bytes'] / 2**30:.2f} GiB | {cell(r, 'scan')} | {cell(r, 'ours')} | {ratio:.2f} | {cell(r, 'nsys_stats')} | {cell(r, 'nsys_ai_nvtx_first')} | {cell(r, 'nsys_ai_top_cached')} ; {cell(r, 'nsys_ai_top_nocache')} |"
        )
    md = "\n".join(["# Peer comparison (scripts/compare-peers.py)", "", *table, "", "## Agreement", "", *report])
    args.report.mkdir(parents=True, exist_ok=True)
    (args.report / "peers.md").write_text(md + "\n")
    (args.report / "peers.json").write_text(json.dumps({"machine": machine, "results": results}, indent=1) + "\n")
    print(md)
    sys.exit(0 if all_ok else 1)


if __name__ == "__main__":
    main()
