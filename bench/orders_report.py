"""The order benchmark's table (stdout)."""

from __future__ import annotations

import statistics

from bench.common import table

LABELS = {
    "bare": "bare workflow",
    "ours": "OrderWorkflow",
    "regular": "OrderWorkflow, all steps regular (pre-patch)",
    "sandboxed": "OrderWorkflow, default sandbox (pre-issue-20 worker)",
}


def report(result: dict) -> str:
    args = result["params"]
    ms = lambda s: f"{s * 1000:.0f} ms"  # noqa: E731
    variants = args["variants"]
    rows = [["variant", "latency p50", "p95", "ratio p50 (p95)", "throughput", "ratio"]]
    for v in variants:
        lat, rates = result["latency_seconds"][v], result["throughput_orders_per_second"][v]
        rows.append(
            [
                LABELS[v],
                ms(lat["p50"]),
                ms(lat["p95"]),
                f"{result['latency_ratio_p50'][v]:.2f} ({result['latency_ratio_p95'][v]:.2f})",
                f"{statistics.median(rates):.1f}/s ({min(rates):.1f}-{max(rates):.1f})",
                f"{result['throughput_ratio'][v]:.2f}",
            ]
        )
    rows.append(["target (issue 20)", "", "", "", "", ">= 0.9"])
    lines = [table(rows)]
    for phase, breakdowns in result["breakdown_seconds"].items():
        lines += ["", f"Where the time goes, {phase} orders (medians, server timestamps):"]
        rows = [["variant", "total", "activities", "workflow tasks", "task queue", "tasks"]]
        for v in variants:
            b = breakdowns.get(v) or {}
            if not b:
                continue
            rows.append(
                [
                    LABELS[v],
                    ms(b["total"]),
                    ms(b["activities"]),
                    ms(b["workflow_tasks"]),
                    ms(b["workflow_task_queue"]),
                    f"{b['workflow_task_count']} wft, {b['activity_task_count']} act, "
                    f"{b['local_activity_count']} local",
                ]
            )
        lines.append(table(rows))
        for v in ("ours", "regular"):
            per = (breakdowns.get(v) or {}).get("per_activity")
            if per:
                steps = ", ".join(f"{name} {ms(s)}" for name, s in per.items())
                lines.append(f"{LABELS[v]} activity execution: {steps}")
    lines += ["", "CPU per order while concurrent (median of rounds):"]
    for v, groups in result["cpu_ms_per_order"].items():
        parts = ", ".join(f"{k} {ms_:.0f} ms" for k, ms_ in groups.items())
        lines.append(f"{LABELS[v]}: {parts} (total {sum(groups.values()):.0f} ms)")
    cpu = result["cpu_ms_per_order"]
    bare_worker = cpu.get("bare", {}).get("worker process")
    if bare_worker:
        ratios = ", ".join(
            f"{LABELS[v]} {groups['worker process'] / bare_worker:.2f}"
            for v, groups in cpu.items()
            if v != "bare"
        )
        lines.append(f"worker CPU per order / the bare worker's (target <= 1.5): {ratios}")
    for v, p in result["placing_seconds"].items():
        lines.append(f"{LABELS[v]} place_order (incl. workflow start): p50 {ms(p['p50'])}")
    return "\n".join(lines)
