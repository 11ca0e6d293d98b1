#!/usr/bin/env python3
"""Plain sums over a PyTorch-profiler (Kineto) trace, written independently of latency-anatomy: the oracle of its
Kineto reader (analyze/tests/kineto.rs).

Usage: kineto_oracle.py TRACE.json[.gz] [STEP_NAME_PREFIX]

Prints one JSON object:
  kernels:   {"<device>\\t<name>": [instances, total_ns]}  (cat "kernel", ph "X")
  memops:    {"<device>": [count, bytes, total_ns]}          (cat gpu_memcpy and gpu_memset)
  busy:      {"<device>": ns}                                 union of kernel and memop intervals
  launched:  kernels whose args.correlation is that of a cuda_runtime/cuda_driver call that launches work
  ranges:    number of user_annotation events
  steps:     for each user_annotation whose name starts with STEP_NAME_PREFIX: [wall_ns, kernels launched inside it]
Times: each ts and dur (microseconds, decimal text) is converted to nanoseconds once, rounded to the nearest with
ties away from zero (Decimal ROUND_HALF_UP); an event ends at its rounded ts plus its rounded dur.
"""
import gzip
import json
import sys
from collections import defaultdict
from decimal import Decimal, ROUND_HALF_UP


def ns(v):
    return int((Decimal(v) * 1000).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def is_launch(name):
    n = name.lower()
    if "synchronize" in n and "launch" not in n:
        return False
    return any(w in n for w in ("launch", "memcpy", "memset", "graph", "prefetch"))


def main():
    path = sys.argv[1]
    prefix = sys.argv[2] if len(sys.argv) > 2 else None
    opener = gzip.open if open(path, "rb").read(2) == b"\x1f\x8b" else open
    with opener(path, "rb") as f:
        trace = json.load(f, parse_float=Decimal)
    events = trace["traceEvents"] if isinstance(trace, dict) else trace
    kernels = defaultdict(lambda: [0, 0])
    memops = defaultdict(lambda: [0, 0, 0])
    intervals = defaultdict(list)
    launch_calls = {}
    ranges = []
    kernel_launches = []
    for e in events:
        if not isinstance(e, dict) or e.get("ph") != "X":
            continue
        cat = e.get("cat")
        args = e.get("args") or {}
        if cat in ("kernel", "gpu_memcpy", "gpu_memset"):
            start, dur = ns(e["ts"]), ns(e["dur"])
            dev = args.get("device", e.get("pid"))
            intervals[dev].append((start, start + dur))
            if cat == "kernel":
                k = kernels[f"{dev}\t{e['name']}"]
                k[0] += 1
                k[1] += dur
                kernel_launches.append(args.get("correlation"))
            else:
                m = memops[str(dev)]
                m[0] += 1
                m[1] += int(args.get("bytes", 0))
                m[2] += dur
        elif cat in ("cuda_runtime", "cuda_driver") and is_launch(e.get("name", "")):
            launch_calls[args.get("correlation")] = (e["pid"], e["tid"], ns(e["ts"]), ns(e["ts"]) + ns(e["dur"]))
        elif cat == "user_annotation":
            ranges.append(e)
    busy = {}
    for dev, iv in intervals.items():
        iv.sort()
        total, cur_s, cur_e = 0, None, None
        for s, t in iv:
            if cur_e is None or s > cur_e:
                if cur_e is not None:
                    total += cur_e - cur_s
                cur_s, cur_e = s, t
            else:
                cur_e = max(cur_e, t)
        if cur_e is not None:
            total += cur_e - cur_s
        busy[str(dev)] = total
    steps = []
    if prefix is not None:
        for r in ranges:
            if not r.get("name", "").startswith(prefix):
                continue
            s, t = ns(r["ts"]), ns(r["ts"]) + ns(r["dur"])
            inside = 0
            for c in kernel_launches:
                call = launch_calls.get(c)
                if call and call[0] == r["pid"] and call[1] == r["tid"] and s <= call[2] and call[3] <= t:
                    inside += 1
            steps.append([t - s, inside])
    print(json.dumps({
        "kernels": kernels,
        "memops": memops,
        "busy": busy,
        "launched": sum(1 for c in kernel_launches if c in launch_calls),
        "ranges": len(ranges),
        "steps": steps,
    }))


if __name__ == "__main__":
    main()
