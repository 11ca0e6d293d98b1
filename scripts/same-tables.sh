#!/usr/bin/env bash
# Proof that a change left every output unchanged: runs two builds of latency-anatomy on every nsys export in
# ../shared/realdata, every .ncu-rep there, and a generated 500k-kernel export, then compares every file each
# writes (tables in CSV, JSON and Parquet, report.md, charts) byte for byte. Then both re-render (`report DIR`)
# a small capture run made once by the new binary (tiny model, nsys when present): sweep.md, index.md,
# comparison.md and each point's report.md and charts, from the same files; and the joins: ncu pages merged, nsys
# with ncu data, nsys with a sweep CSV (traffic.csv's predicted bytes).
#
#   scripts/same-tables.sh OLD_BINARY NEW_BINARY [WORK_DIR]
#
# Build the old binary from the commit before the change (e.g. `git worktree add /tmp/old REV && cargo build
# --release --manifest-path /tmp/old/Cargo.toml --target-dir /tmp/old-target`). Exits 1 and lists the files that
# differ, 0 when everything is identical. Files a build writes that the other does not are listed too.
set -euo pipefail
old=$(realpath "$1"); new=$(realpath "$2")
work=${3:-$(mktemp -d)}
here=$(cd "$(dirname "$0")/.." && pwd)
data="$here/../shared/realdata"
[ -d "$data" ] || { echo "same-tables: $data is missing (the real exports beside the checkout)" >&2; exit 2; }
mkdir -p "$work"
inputs=()
while IFS= read -r f; do inputs+=("$f"); done < <(find "$data" \( -name '*.sqlite' -o -name '*.ncu-rep' \) | sort)
big="$work/bench_500000.sqlite"
if [ ! -f "$big" ]; then
  echo "building $big ..."
  "$new" bench make-trace --from "$data/MohanadOdema+DLProf/nsys_profile.sqlite" --kernels 500000 --out "$big" >/dev/null
fi
inputs+=("$big")
status=0
for f in "${inputs[@]}"; do
  id=$(printf '%s' "$f" | md5sum | cut -c1-10)
  for which in old new; do
    bin=$old; [ "$which" = new ] && bin=$new
    rm -rf "$work/$which/$id"
    # A failure is an output too: its exit code and message are compared like the files.
    mkdir -p "$work/$which/$id.status"
    set +e
    "$bin" analyze "$f" --out "$work/$which/$id" --format csv,json,parquet -q 2> "$work/$which/$id.status/stderr"
    echo $? > "$work/$which/$id.status/exit"
    set -e
  done
  if ! diff -rq "$work/old/$id.status" "$work/new/$id.status" >/dev/null; then
    echo "DIFF  $f (exit code or error message)"
    sed 's/^/      old: /' "$work/old/$id.status/stderr"; sed 's/^/      new: /' "$work/new/$id.status/stderr"
    status=1
    continue
  fi
  [ -d "$work/old/$id" ] || { echo "same  $f (both fail alike)"; continue; }
  if diff -rq "$work/old/$id" "$work/new/$id" >/dev/null; then
    echo "same  $f"
  else
    echo "DIFF  $f"
    diff -rq "$work/old/$id" "$work/new/$id" | sed 's/^/      /' || true
    status=1
  fi
done
# Joins: ncu pages merged, an nsys export with ncu data of another run (nothing matches: every kernel
# unprofiled), and an nsys export with a sweep CSV (the model's predicted bytes in traffic.csv).
ncu13="$data/CodeGandee+llm-perf-opt/ncu-v2/kernel_0013_178ff748c21ea29399b8568af3cd1f02"
dlprof="$data/MohanadOdema+DLProf/nsys_profile.sqlite"
sweep_csv="$work/sweep-point.csv"
printf 'seq_len,batch,prefill_p50_ms,prefill_ms_per_tok,prefill_tok_s,decode_p50_ms_per_tok,decode_tok_s,total_tok_s,vram_mb,flag,prefill_p90_ms,prefill_p99_ms,ttft_p50_ms,ttft_p90_ms,itl_p50_ms,itl_p90_ms,e2e_p50_ms,e2e_p90_ms,kv_cache_mb,weights_mb,warmup,reps,vram_peak_mb,gen_tokens\n128,2,1.0,0.004,250000,0.5,4000,9000,100,,1.1,1.2,1.0,1.1,0.5,0.6,3.0,3.1,1.5,494.0,1,3,120,16\n' > "$sweep_csv"
synthetic="$work/synthetic.sqlite"   # prefill and decode ranges: traffic.csv gets predicted bytes per phase
rm -f "$synthetic"
python3 -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[2]); c.executescript(open(sys.argv[1]).read()); c.commit()' \
  "$here/analyze/tests/data/synthetic.sql" "$synthetic"
joins=(
  "ncu-pages|$ncu13/ncu.details.csv|--ncu|$ncu13/ncu.section_SpeedOfLight_RooflineChart.csv"
  "nsys+ncu|$dlprof|--ncu|$data/leleucas+Actual-Parameter-Collection-for-Machine-Learning-Operators/bert_nsight.csv"
  "nsys+sweep|$dlprof|--sweep-csv|$sweep_csv"
  "phases+sweep|$synthetic|--sweep-csv|$sweep_csv"
)
for j in "${joins[@]}"; do
  IFS='|' read -r -a a <<< "$j"
  label=${a[0]}; args=("${a[@]:1}")
  for which in old new; do
    bin=$old; [ "$which" = new ] && bin=$new
    rm -rf "$work/$which/join-$label"; mkdir -p "$work/$which"
    set +e
    "$bin" analyze "${args[@]}" --out "$work/$which/join-$label" --format csv,json,parquet -q 2> "$work/$which/join-$label.stderr"
    echo $? >> "$work/$which/join-$label.stderr"
    set -e
  done
  if diff -rq "$work/old/join-$label" "$work/new/join-$label" >/dev/null 2>&1 && cmp -s "$work/old/join-$label.stderr" "$work/new/join-$label.stderr"; then
    echo "same  join: $label"
  else
    echo "DIFF  join: $label"
    diff -rq "$work/old/join-$label" "$work/new/join-$label" | sed 's/^/      /' || true
    status=1
  fi
done

# A capture run folder, re-rendered by both builds from the same files (manifest.json, sweep CSVs, tables.json).
run="$work/run-src/proof"
if [ ! -f "$run/manifest.json" ]; then
  echo "capturing $run (tiny model, CPU) ..."
  rm -rf "$work/run-src"
  "$new" capture --model tiny --random-weights --device cpu --seq 128,256 --batch-sizes 1,2 --canonical 128x2 \
    --reps 2 --warmup 1 --gen-tokens 4 --no-ncu --results "$work/run-src" --run-id proof >/dev/null 2>&1 \
    || { echo "same-tables: the capture of $run failed" >&2; exit 2; }
fi
for which in old new; do
  bin=$old; [ "$which" = new ] && bin=$new
  rm -rf "$work/$which/run"; mkdir -p "$work/$which"
  cp -r "$run" "$work/$which/run"
  set +e
  "$bin" report "$work/$which/run" > /dev/null 2> "$work/$which/run.stderr"
  echo $? >> "$work/$which/run.stderr"
  set -e
done
if diff -rq "$work/old/run" "$work/new/run" >/dev/null && cmp -s "$work/old/run.stderr" "$work/new/run.stderr"; then
  echo "same  report of a capture run ($run)"
else
  echo "DIFF  report of a capture run ($run)"
  diff -rq "$work/old/run" "$work/new/run" | sed 's/^/      /' || true
  status=1
fi
exit $status
