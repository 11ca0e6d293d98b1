#!/usr/bin/env python3
"""Dumps every launch and metric of a .ncu-rep as NVIDIA's own reader (PyPI `ncu-report`) sees them, as JSON on
stdout: the oracle of latency-anatomy's built-in .ncu-rep reader (analyze/tests/ncu_rep.rs).

Values are written exactly: floats as the hex of their IEEE-754 double bits ("d:3ff0000000000000"; a FLOAT metric
is widened to double by the reader, as by ours), integers in decimal ("u:42"), strings as they are ("s:text").
A metric's own value is read in the metric's kind (and the kind is written); each per-instance value and
correlation id in its own type (`IMetric.value(i)`), since the elements of a list need not share the metric's kind.
Usage: python3 scripts/ncu_rep_oracle.py REPORT.ncu-rep
"""
import json
import struct
import sys

import ncu_report

M = ncu_report.IMetric


def rep(m, i=None):
    args = () if i is None else (i,)
    k = m.kind()
    if k == M.ValueKind_STRING:
        return "s:" + m.as_string(*args)
    if k in (M.ValueKind_FLOAT, M.ValueKind_DOUBLE):
        return "d:" + struct.pack(">d", m.as_double(*args)).hex()
    if k in (M.ValueKind_UINT32, M.ValueKind_UINT64):
        return "u:%d" % m.as_uint64(*args)
    return "none"


def native(v):
    """An instance value as the reader types it (`IMetric.value(i)`: each instance has its own type)."""
    if isinstance(v, str):
        return "s:" + v
    if isinstance(v, bool) or isinstance(v, int):
        return "u:%d" % v
    if isinstance(v, float):
        return "d:" + struct.pack(">d", v).hex()
    return "none"


def main(path):
    ctx = ncu_report.load_report(path)
    launches = []
    for ri in range(ctx.num_ranges()):
        r = ctx.range_by_idx(ri)
        for ai in range(r.num_actions()):
            a = r.action_by_idx(ai)
            metrics = {}
            for n in a.metric_names():
                m = a.metric_by_name(n)
                entry = {"kind": int(m.kind()), "has_value": bool(m.has_value()), "unit": m.unit()}
                if m.has_value():
                    entry["value"] = rep(m)
                n_inst = m.num_instances()
                if n_inst:
                    entry["instances"] = [native(m.value(i)) for i in range(n_inst)]
                    if m.has_correlation_ids():
                        c = m.correlation_ids()
                        entry["correlations"] = [native(c.value(i)) for i in range(c.num_instances())]
                metrics[n] = entry
            def dims(kind):
                """Grid or block as NVIDIA's reader gives it: the launch__<kind>_dim_{x,y,z} metrics, else the size."""
                names = ["launch__%s_dim_%s" % (kind, c) for c in "xyz"]
                if all(n in metrics for n in names):
                    return {"dims": [int(a.metric_by_name(n).value()) for n in names]}
                if "launch__%s_size" % kind in metrics:
                    return {"size": int(a.metric_by_name("launch__%s_size" % kind).value())}
                return {}
            launches.append({
                "grid": dims("grid"),
                "block": dims("block"),
                "function": a.name(ncu_report.IAction.NameBase_FUNCTION),
                "demangled": a.name(ncu_report.IAction.NameBase_DEMANGLED),
                "mangled": a.name(ncu_report.IAction.NameBase_MANGLED),
                "metrics": metrics,
            })
    json.dump({"launches": launches}, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
