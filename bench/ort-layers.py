#!/usr/bin/env python3
"""Where the time goes, per layer and per op: Dsx's plan (`dsx run --json`) beside ONNX Runtime's own profile
(`dsx-bench ort --profile`), both on the same model, input and thread count. ORT's times are its nodes' kernel times
(median over the profiled runs); a Dsx layer with no ORT node of its name was fused into a neighbour by ORT's graph
optimiser (Relu, Add into the Conv before it). Usage: bench/ort-layers.py DSX_RUN.json ORT_PROFILE.json [--top N]"""
import collections
import json
import statistics
import sys


def ort_nodes(profile):
    times, ops = collections.defaultdict(list), {}
    for e in json.load(open(profile)):
        name = e.get("name", "")
        if e.get("cat") != "Node" or not name.endswith("_kernel_time"):
            continue
        node = name[: -len("_kernel_time")]
        node = node[: -len("_nchwc")] if node.endswith("_nchwc") else node  # ORT's blocked-layout copy of the node
        times[node].append(e["dur"] / 1000.0)
        ops[node] = e.get("args", {}).get("op_name", "?")
    return {n: statistics.median(t) for n, t in times.items()}, ops


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    top = int(argv[argv.index("--top") + 1]) if "--top" in argv else 12
    dsx = json.load(open(argv[0]))
    ort, ort_ops = ort_nodes(argv[1])
    layers = dsx["layers"]
    names = {l["name"] for l in layers}
    by_op = collections.defaultdict(lambda: [0.0, 0.0])
    rows = []
    for l in layers:
        o = ort.get(l["name"])
        by_op[l["op"]][0] += l["median_ms"]
        by_op[l["op"]][1] += o or 0.0
        c = l["choice"]
        rows.append((l["median_ms"] - (o or 0.0), l["name"], l["op"], f'{c["primitive"]}/{c["layout"]}/{c["precision"]}/{c["threads"]}t',
                     l["median_ms"], l.get("conversion_ms", 0.0), o))
    extra = {n: t for n, t in ort.items() if n not in names}
    for n, t in extra.items():
        by_op["ORT-only " + ort_ops[n]][1] += t
    dsx_sum, ort_sum = sum(v[0] for v in by_op.values()), sum(v[1] for v in by_op.values())
    print(f'{dsx["model"]}: Dsx end-to-end {dsx["latency_ms"]["median"]:.2f} ms (layers {dsx_sum:.2f}), ORT nodes {ort_sum:.2f} ms')
    print("\n| op | Dsx ms | ORT ms | Dsx - ORT |\n| --- | ---: | ---: | ---: |")
    for op, (d, o) in sorted(by_op.items(), key=lambda kv: kv[1][1] - kv[1][0]):
        print(f"| {op} | {d:.2f} | {o:.2f} | {d - o:+.2f} |")
    print(f"\nThe {top} layers Dsx loses most on:\n\n| layer | op | Dsx choice | Dsx ms | of which conversion | ORT ms |\n| --- | --- | --- | ---: | ---: | ---: |")
    for gap, name, op, choice, d, conv, o in sorted(rows, reverse=True)[:top]:
        print(f'| {name} | {op} | {choice} | {d:.3f} | {conv:.3f} | {"fused" if o is None else f"{o:.3f}"} |')


if __name__ == "__main__":
    main(sys.argv[1:])
