#!/usr/bin/env python3
"""Writes bench/farm.md and bench/farm-*.png from the points bench/farm.py measured (JSON lines)."""
import argparse
import json
import math


def fmt(value, digits=1):
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}f}"


def table(points, silos):
    rows = [p for p in points if p["silos"] == silos]
    if not rows:
        return ""
    lines = [
        "| boards | explorations | batch | episodes/s | board measurements/s | ideal (boards / mean measurement) | utilisation | silo CPU ms/episode "
        "| least busy board | replay host CPU (cores) | free to next start p50 / p99 / max ms | load avg |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for p in sorted(rows, key=lambda p: (p["boards"], p["explorations"])):
        flags = "" if p["all_boards_started"] else " (not every board started)"
        flags += f" ({len(p['failed_explorations'])} failed)" if p["failed_explorations"] else ""
        lines.append(
            f"| {p['boards']} | {p['explorations']} | {p['batch']} | {fmt(p['episodes_per_s'])} | {fmt(p['board_measurements_per_s'])} "
            f"| {fmt(p['ideal_measurements_per_s'])} | {fmt(100 * p['utilisation'], 0)}%{flags} | {fmt(p['silo_cpu_ms_per_episode'])} "
            f"| {fmt(100 * p['least_busy_board_utilisation'], 0) + '%' if 'least_busy_board_utilisation' in p else '-'} "
            f"| {fmt(p['board_cpu_s'] / p['window_s'], 2) if p['board_cpu_s'] >= 0 else '- (boards exited)'} | {fmt(p['free_to_next_p50_ms'], 0)} / {fmt(p['free_to_next_p99_ms'], 0)} / {fmt(p.get('free_to_next_max_ms'), 0)} "
            f"| {fmt(p['load_average'])} |")
    return "\n".join(lines)


def plot(points, key, ylabel, path, target=None, log_y=False, ideal=False):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7, 4.2))
    for silos in sorted({p["silos"] for p in points}):
        for count in sorted({p["explorations"] for p in points}):
            rows = sorted((p for p in points if p["silos"] == silos and p["explorations"] == count), key=lambda p: p["boards"])
            if rows:
                axes.plot([p["boards"] for p in rows], [key(p) for p in rows], marker="o", linestyle="-" if silos == 1 else "--",
                          label=f"{silos} silo{'s' if silos > 1 else ''}, {count} exploration{'s' if count > 1 else ''}")
    if ideal:
        boards = sorted({p["boards"] for p in points})
        means = [p["mean_measurement_s"] for p in points if p["mean_measurement_s"] == p["mean_measurement_s"]]
        if means:
            mean = sum(means) / len(means)
            axes.plot(boards, [b / mean for b in boards], color="grey", linestyle=":", label=f"linear: boards / {mean:.2f} s")
    if target is not None:
        axes.axhline(target, color="red", linewidth=0.8, linestyle=":", label="target")
    axes.set_xscale("log", base=2)
    ticks = sorted({p["boards"] for p in points})
    axes.set_xticks(ticks, [str(t) for t in ticks])
    axes.minorticks_off()
    if log_y:
        axes.set_yscale("log")
    axes.set_xlabel("replay boards")
    axes.set_ylabel(ylabel)
    axes.grid(True, alpha=0.3)
    axes.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("points")
    parser.add_argument("--markdown", required=True)
    parser.add_argument("--plots", required=True, help="prefix of the PNG files, e.g. bench/farm")
    parser.add_argument("--preamble", required=True, help="a file with the run's description (machine, settings)")
    args = parser.parse_args()
    with open(args.points) as f:
        points = [json.loads(line) for line in f if line.strip()]
    plots = {
        "throughput": (lambda p: p["episodes_per_s"], "episodes per second", None, True, True),
        "utilisation": (lambda p: 100 * p["utilisation"], "board utilisation (%)", 95, False, False),
        "cpu": (lambda p: p["silo_cpu_ms_per_episode"], "silo CPU per episode (ms)", None, True, False),
        "latency": (lambda p: p["free_to_next_p99_ms"], "p99 board free -> next start (ms)", None, True, False),
    }
    names = []
    for name, (key, label, target, log_y, ideal) in plots.items():
        path = f"{args.plots}-{name}.png"
        plot(points, key, label, path, target, log_y, ideal)
        names.append(path.rsplit("/", 1)[-1])
    with open(args.preamble) as f:
        text = f.read()
    for silos in sorted({p["silos"] for p in points}):
        text += f"\n### {silos} silo{'s' if silos > 1 else ''}\n\n{table(points, silos)}\n"
    text += "\n" + "\n".join(f"![{n}]({n})" for n in names) + "\n"
    with open(args.markdown, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
