#!/usr/bin/env bash
# Re-measures, per model, the baseline and the best plan that bench/best-plans.sh found, alternately (ROUNDS rounds of
# REPEATS timed runs each), so both see the same machine conditions; appends the table to bench/best-plans.md.
#   bench/side-by-side.sh [MODEL...]     ROUNDS=3 REPEATS=10 OUT=bench/best-plans (the defaults)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dsx="${DSX:-$root/dsx}"
rounds="${ROUNDS:-3}"
repeats="${REPEATS:-10}"
out="${OUT:-$root/bench/best-plans}"
markdown="${MARKDOWN:-$root/bench/best-plans.md}"
models=("$@")
if [ ${#models[@]} -eq 0 ]; then
  models=(mobilenet_v2 resnet18 squeezenet1_1 mobilenet_v1 googlenet tiny_cnn resnet50 vgg16)
fi

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

rows=()
for m in "${models[@]}"; do
  [ -f "$out/$m.plan.json" ] || { echo "== $m: no best plan at $out/$m.plan.json, skipped" >&2; continue; }
  echo "== $m" >&2
  base=() best=()
  for ((r = 0; r < rounds; r++)); do
    base+=("$("$dsx" run "zoo:$m" --plan baseline --repeats "$repeats" --json 2>/dev/null | jq '.latency_ms.median')")
    best+=("$("$dsx" run "zoo:$m" --plan "$out/$m.plan.json" --repeats "$repeats" --json 2>/dev/null | jq '.latency_ms.median')")
  done
  b=$(printf '%s\n' "${base[@]}" | median)
  p=$(printf '%s\n' "${best[@]}" | median)
  rows+=("| $m | $(printf '%.2f' "$b") | $(printf '%.2f' "$p") | $(awk -v b="$b" -v p="$p" 'BEGIN { printf "%.2fx", b / p }') | $(printf '%s ' "${base[@]}") | $(printf '%s ' "${best[@]}") |")
done

{
  echo
  echo "## Side by side"
  echo
  echo "The baseline and the best plan re-measured alternately, $rounds rounds of $repeats timed runs each (\`bench/side-by-side.sh\`,"
  echo "$(date -u +%Y-%m-%d)): the same machine conditions for both, so the ratio is the one to quote. Medians of the rounds' medians."
  echo
  echo "| model | baseline ms | best ms | speedup | baseline rounds | best rounds |"
  echo "| --- | ---: | ---: | ---: | --- | --- |"
  printf '%s\n' "${rows[@]}"
} >>"$markdown"
echo "appended to $markdown" >&2
