#!/usr/bin/env python3
"""Runs the kernel benchmarks once and writes bench/kernels.md.

Every figure comes from one run of Kernels.Native/build/x86_64/bench/dsx_bench, so the ratios
(GFLOP/s over the machine's 128-bit FMA peak, each primitive over im2col_blas) are measured side by
side. Usage: python3 bench/kernels.py [--min-time 0.2] [--filter REGEX]
"""
import argparse
import json
import os
import platform
import subprocess
import sys
from collections import defaultdict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "Kernels.Native", "build", "x86_64", "bench", "dsx_bench")
NOTES = "## Where each stands"
OURS = {"gemm_neon", "winograd_neon", "direct_neon", "int8_gemm_neon", "int8_direct_neon", "ref"}


def cpu_name():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--min-time", default="0.2")
    ap.add_argument("--filter", default="Peak|Gemm|Conv/")
    ap.add_argument("--output", default=os.path.join(ROOT, "bench", "kernels.md"))
    args = ap.parse_args()
    if not os.path.exists(BENCH):
        sys.exit(f"{BENCH} is missing: run ./dsx build first")
    raw = subprocess.run([BENCH, f"--benchmark_filter={args.filter}", f"--benchmark_min_time={args.min_time}",
                          "--benchmark_format=json"], check=True, capture_output=True, text=True).stdout
    data = json.loads(raw)
    rows = [b for b in data["benchmarks"] if b.get("run_type", "iteration") == "iteration"]
    peak = max(b["GFLOPS"] for b in rows if b["name"].startswith("BM_PeakFma128")) / 1e9

    out = []
    out.append("# Kernel benchmarks\n")
    out.append(f"Machine: {cpu_name()}, {os.cpu_count()} cores, x86_64; our NEON kernels run through SIMDe (AVX2/FMA, "
               "128-bit vectors). One run of `python3 bench/kernels.py` (single-threaded, Google Benchmark, "
               f"min time {args.min_time}s per case); the machine is shared, so read ratios, not absolute times.\n")
    out.append(f"**128-bit FMA peak measured in this run: {peak:.1f} GFLOP/s** (12 independent `vfmaq_f32` chains). "
               "\"% peak\" is a kernel's GFLOP/s over this figure; libraries (OpenBLAS, XNNPACK, oneDNN) use 256-bit "
               "AVX2 on this machine, so their ceiling is twice ours and their % can exceed 100.\n")

    gemm = [b for b in rows if b["name"].startswith("BM_Gemm") or "Gemm" in b["name"].split("/")[0]]
    if gemm:
        out.append("## GEMM (M x N x K)\n")
        out.append("| benchmark | GFLOP/s | % of 128-bit peak |")
        out.append("| --- | ---: | ---: |")
        for b in gemm:
            g = b["GFLOPS"] / 1e9
            out.append(f"| `{b['name']}` | {g:.1f} | {100 * g / peak:.0f}% |")
        out.append("")

    conv = defaultdict(dict)
    shapes = []
    for b in rows:
        parts = b["name"].split("/")
        if parts[0] != "Conv":
            continue
        _, prim, layout, prec, net, shape = parts[:6]
        key = (net, shape)
        if key not in conv:
            shapes.append(key)
        conv[key][f"{prim} {layout} {prec}"] = (b["real_time"], b["GFLOPS"] / 1e9, prim)
    if conv:
        variants = sorted({v for k in conv.values() for v in k})
        out.append("## Convolutions of ResNet-18 and MobileNetV2 (224x224, batch 1, 1 thread)\n")
        out.append("Shape `C-OCxHWkKsS` (dw: depthwise). Each cell: ms, GFLOP/s (FP32-equivalent), and for our own kernels "
                   "the % of the 128-bit peak. Bold: fastest for the shape. Blank: the primitive does not admit the shape.\n")
        out.append("| net | shape | " + " | ".join(variants) + " |")
        out.append("| --- | --- | " + " | ".join("---:" for _ in variants) + " |")
        wins = defaultdict(int)
        for key in shapes:
            cells = conv[key]
            best = min(cells, key=lambda v: cells[v][0])
            wins[best] += 1
            row = []
            for v in variants:
                if v not in cells:
                    row.append("")
                    continue
                ms, g, prim = cells[v]
                text = f"{ms:.2f} ms, {g:.1f}" + (f" ({100 * g / peak:.0f}%)" if prim in OURS else "")
                row.append(f"**{text}**" if v == best else text)
            out.append(f"| {key[0]} | {key[1]} | " + " | ".join(row) + " |")
        out.append("")
        out.append("Fastest per shape (count): " + ", ".join(f"{v}: {n}" for v, n in sorted(wins.items(), key=lambda x: -x[1])) + "\n")
        base = "im2col_blas NCHW FP32"
        out.append(f"## Speed-up over `{base}` (geometric mean over the shapes both admit)\n")
        out.append("| primitive | shapes | geomean speed-up |")
        out.append("| --- | ---: | ---: |")
        import math
        for v in variants:
            ratios = [conv[k][base][0] / conv[k][v][0] for k in shapes if base in conv[k] and v in conv[k]]
            if ratios:
                gm = math.exp(sum(math.log(r) for r in ratios) / len(ratios))
                out.append(f"| {v} | {len(ratios)} | {gm:.2f}x |")
        out.append("")
    # The hand-written reading of the figures survives a re-run.
    notes = ""
    if os.path.exists(args.output):
        with open(args.output) as f:
            old = f.read()
        if NOTES in old:
            notes = old[old.index(NOTES):]
    with open(args.output, "w") as f:
        f.write("\n".join(out) + "\n" + notes)
    print(f"wrote {args.output} (peak {peak:.1f} GFLOP/s, {len(rows)} benchmarks)")


if __name__ == "__main__":
    main()
