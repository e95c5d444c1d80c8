"""Turns the measured runs into summary rows, a Markdown report and JSON."""
import json
import statistics
from typing import Dict, List, Optional

MIB = 1024 * 1024


def spread(values: List[float]) -> Optional[Dict[str, float]]:
    if not values:
        return None
    ordered = sorted(values)
    # statistics.quantiles needs two points; with one, every quantile is it.
    q1, _, q3 = (statistics.quantiles(ordered, n=4, method="inclusive")
                 if len(ordered) > 1 else ordered * 3)
    return {"median": statistics.median(ordered), "min": ordered[0],
            "max": ordered[-1], "q1": q1, "q3": q3, "n": len(ordered)}


def summarize(cell, baseline) -> dict:
    """One row: a tool on a workload, compared with the same workload's
    unprofiled runs of the same repeats (runs are paired by repeat, since the
    harness interleaves them, so slow phases of the machine cancel out)."""
    runs = cell["runs"]  # {repeat: Run}
    base = baseline["runs"]
    paired = sorted(set(runs) & set(base))
    wall_ratios = [runs[r].wall_seconds / base[r].wall_seconds for r in paired]
    rss_ratios = [runs[r].max_rss_bytes / base[r].max_rss_bytes for r in paired]
    peaks = cell["peaks"]
    return {
        "workload": cell["workload"],
        "tool": cell["tool"],
        "status": cell["status"],
        "reason": cell["reason"],
        "repeats": len(runs),
        "wall_seconds": [runs[r].wall_seconds for r in sorted(runs)],
        "max_rss_bytes": [runs[r].max_rss_bytes for r in sorted(runs)],
        "wall": spread([runs[r].wall_seconds for r in runs]),
        "wall_ratio": spread(wall_ratios),
        "max_rss": spread([runs[r].max_rss_bytes for r in runs]),
        "rss_ratio": spread(rss_ratios),
        "reported_peak_bytes": (int(statistics.median(peaks)) if peaks else None),
        "reported_peaks": peaks,
        "peak_note": cell["peak_note"],
    }


# --- Markdown ---------------------------------------------------------------

def _ratio(s):
    if not s:
        return ""
    if s["n"] == 1:
        return f"{s['median']:.2f}×"
    return f"{s['median']:.2f}× ({s['min']:.2f}–{s['max']:.2f})"


def _cell_ratio(row):
    if row["status"] != "ok":
        return row["status"]
    return _ratio(row["wall_ratio"])


def _peak(row, is_baseline):
    if is_baseline:
        return "—"
    if row["reported_peak_bytes"] is not None:
        return f"{row['reported_peak_bytes'] / MIB:.1f}"
    return "n/a"


def render_markdown(result: dict) -> str:
    rows = result["rows"]
    workloads = result["settings"]["workloads"]
    tools = result["settings"]["tools"]
    baseline = result["settings"]["baseline"]
    by_key = {(r["workload"], r["tool"]): r for r in rows}
    lines = []
    lines.append("Wall time relative to unprofiled, median of paired repeats "
                 "(min–max in brackets):")
    lines.append("")
    lines.append("| tool | " + " | ".join(workloads) + " |")
    lines.append("|---|" + "---|" * len(workloads))
    for tool in tools:
        if tool == baseline:
            cells = [f"{by_key[w, tool]['wall']['median']:.2f} s"
                     if by_key[w, tool]["wall"] else by_key[w, tool]["status"]
                     for w in workloads]
        else:
            cells = [_cell_ratio(by_key[w, tool]) for w in workloads]
        lines.append(f"| {tool} | " + " | ".join(cells) + " |")
    lines.append("")
    lines.append("Per workload: median wall time and max RSS (of the largest "
                 "process in the tool's process tree), their ratios to unprofiled "
                 "(min–max), and the peak the tool itself reports (median over "
                 "repeats, MiB).")
    for workload in workloads:
        lines.append("")
        lines.append(f"#### {workload}")
        lines.append("")
        lines.append("| tool | wall s | wall ratio | max RSS MiB | RSS ratio | "
                     "reported peak MiB | status |")
        lines.append("|---|---|---|---|---|---|---|")
        for tool in tools:
            row = by_key[workload, tool]
            is_base = tool == baseline
            wall = f"{row['wall']['median']:.2f}" if row["wall"] else ""
            rss = f"{row['max_rss']['median'] / MIB:.0f}" if row["max_rss"] else ""
            status = row["status"]
            if row["status"] == "ok" and row["reported_peak_bytes"] is None and not is_base:
                status = "ok (peak n/a)"
            lines.append(
                f"| {tool} | {wall} | {'' if is_base else _ratio(row['wall_ratio'])} | "
                f"{rss} | {'' if is_base else _ratio(row['rss_ratio'])} | "
                f"{_peak(row, is_base) if row['status'] == 'ok' else ''} | {status} |")
    reasons = _reasons(rows, result.get("notes", {}))
    for workload, env in result["settings"].get("workload_environment", {}).items():
        pairs = " ".join(f"{k}={v}" for k, v in env.items())
        reasons.append(f"{workload}: every tool, unprofiled included, runs it with {pairs}")
    if reasons:
        lines.append("")
        lines.append("Notes:")
        lines.append("")
        lines.extend(f"- {text}" for text in reasons)
    return "\n".join(lines) + "\n"


def _reasons(rows, notes):
    """Tool notes, then each distinct reason a tool did not run or gave no
    peak, once, with the workloads it applies to."""
    lines = [f"{tool}: {note}" for tool, note in notes.items()]
    workloads_of = {}
    for row in rows:
        for why in (row["reason"], row["peak_note"]):
            if why:
                workloads_of.setdefault((row["tool"], why), []).append(row["workload"])
    for (tool, why), workloads in workloads_of.items():
        lines.append(f"{tool} ({', '.join(workloads)}): {why}")
    return lines


def write_json(result: dict, path: str):
    with open(path, "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
