#!/usr/bin/env python3
"""Builds the peer table from the drivers' JSON results.

    python3 report.py --meta META.json --out-md FILE.md --out-json FILE.json RESULT.json...

Each RESULT.json is one driver's output line (or {"system", "skipped"|"error"}).
Prints the markdown to stdout and writes it, and a combined JSON, to the given files.
"""

import argparse
import json


def fmt_rate(v):
    return "—" if v is None else f"{v:,.0f}/s"


def fmt_ms(v):
    if v is None:
        return "—"
    return f"{v:.1f}" if v >= 10 else f"{v:.2f}"


def ratio(a, b):
    if a is None or b is None or b == 0:
        return "—"
    return f"{a / b:.1f}×" if a / b >= 10 else f"{a / b:.2f}×"


def latency(r):
    """((p50, p99) to completion, (p50, p99) to handler start) in ms."""
    e2e = r.get("phases", {}).get("e2e", {})
    done = e2e.get("to_completion") or {}
    start = e2e.get("to_worker_start") or {}
    if not done and not start:  # jobstream: one measure, submit -> Success visible
        return (r.get("e2e_p50_ms"), r.get("e2e_p99_ms")), (None, None)
    return (done.get("p50_ms"), done.get("p99_ms")), (start.get("p50_ms"), start.get("p99_ms"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--meta", required=True)
    ap.add_argument("--out-md", required=True)
    ap.add_argument("--out-json", required=True)
    ap.add_argument("results", nargs="+")
    args = ap.parse_args()

    with open(args.meta, encoding="utf-8") as f:
        meta = json.load(f)
    results = []
    for path in args.results:
        with open(path, encoding="utf-8") as f:
            text = f.read().strip()
        results.append(json.loads(text.splitlines()[-1]))

    rate = meta["workload"]["rate"]
    m = meta["machine"]
    lines = [
        f"# Peers side by side — {meta['date']}",
        "",
        f"Workload: {meta['workload']['jobs']:,} no-op jobs `{{\"seconds\": 1}}` per phase; "
        f"e2e at {rate:g} jobs/s for {meta['workload']['seconds']:g} s. "
        f"Machine: {meta['machine']['cpus']} CPUs ({meta['machine']['cpu_model']}), "
        f"{meta['machine']['kernel']}, data on {meta['machine']['tmp_fs']}. "
        "**Producers, brokers and workers all share these cores** (nothing is pinned).",
        "",
        f"Conditions: load average {m.get('loadavg_at_start', '?')} at the start, "
        f"{m.get('loadavg_at_end', '?')} at the end; a 4 KiB O_DSYNC write took "
        f"{m.get('dsync_write_4k_at_start', '?')} at the start, {m.get('dsync_write_4k_at_end', '?')} "
        "at the end (the fsync'd systems — Redis AOF, PostgreSQL, jobstream — move with it).",
        "",
        f"| system | enqueue | drain | combined | e2e p50 / p99 ms at {rate:g}/s, to completion "
        "| to handler start |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        name = r.get("system", "?")
        if "skipped" in r or "error" in r:
            why = r.get("skipped") or ("failed: " + r["error"])
            lines.append(f"| {name} | — | — | — | — | — ({why}) |")
            continue
        enq = fmt_rate(r.get("enqueue_per_s"))
        inflight = r.get("phases", {}).get("enqueue", {}).get("inflight")
        if inflight is not None and inflight != 64:
            enq += f" ({inflight} in flight)"
        done, start = latency(r)
        to_start = "n/a" if start == (None, None) else f"{fmt_ms(start[0])} / {fmt_ms(start[1])}"
        lines.append(f"| {name} | {enq} | {fmt_rate(r.get('drain_per_s'))} | "
                     f"{fmt_rate(r.get('combined_per_s'))} | "
                     f"{fmt_ms(done[0])} / {fmt_ms(done[1])} | {to_start} |")

    js = next((r for r in results if r.get("system") == "jobstream"
               and "skipped" not in r and "error" not in r), None)
    lines.append("")
    if js is None:
        lines.append("jobstream was not measured in this run, so there are no ratios.")
    else:
        lines += [
            "jobstream vs each peer (throughput: jobstream ÷ peer; latency, to completion: "
            "peer ÷ jobstream; above 1 means jobstream is better):",
            "",
            "| peer | combined | enqueue | drain | e2e p50 | e2e p99 |",
            "|---|---|---|---|---|---|",
        ]
        js_done, _ = latency(js)
        for r in results:
            if r is js or "skipped" in r or "error" in r:
                continue
            done, _ = latency(r)
            lines.append(
                f"| {r['system']} | {ratio(js.get('combined_per_s'), r.get('combined_per_s'))} | "
                f"{ratio(js.get('enqueue_per_s'), r.get('enqueue_per_s'))} | "
                f"{ratio(js.get('drain_per_s'), r.get('drain_per_s'))} | "
                f"{ratio(done[0], js_done[0])} | {ratio(done[1], js_done[1])} |")
    lines += ["", "How each system was driven:", ""]
    for r in results:
        for k, v in (r.get("config") or {}).items():
            lines.append(f"- {r['system']} — {k}: {v}")
    lines += [
        "",
        "What the columns mean: enqueue = jobs accepted per second by a producer alone "
        "(64 in flight unless noted); drain = jobs completed per second by the workers from a "
        "queue already holding all the jobs (first start → last completion; jobstream: from the "
        "request resuming its paused consumer to the last job seen in Success); combined = jobs "
        "completed per second with producer and workers running at once (first enqueue → last "
        "completion); e2e = latency at a fixed offered rate from the enqueue call to the job's "
        "completion (BullMQ: the worker's `completed` event, after the job is moved to completed "
        "in Redis; graphile-worker: its `job:success` event, the completion is then written in a "
        "batch; pg-boss: handler end, pg-boss then completes the batch without waiting; Celery: "
        "task end, acked before it ran) or to its handler starting; for jobstream, from the signed "
        "submit to Success being visible to the client.",
        "",
        "Versions:",
        "",
    ]
    for k, v in meta["versions"].items():
        lines.append(f"- {k}: {v}")
    md = "\n".join(lines) + "\n"
    print(md, end="")
    with open(args.out_md, "w", encoding="utf-8") as f:
        f.write(md)
    with open(args.out_json, "w", encoding="utf-8") as f:
        json.dump({"meta": meta, "results": results}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
