#!/usr/bin/env bash
# Two executors, one plan at a time, alternately (ROUNDS rounds of REPEATS timed runs each), so both see the same
# machine conditions: for a change to the executor, the ratio new / old per plan. Prints a Markdown table.
#   bench/executor-ab.sh OLD_EXECUTOR NEW_EXECUTOR MODEL=PLAN.json [MODEL=PLAN.json ...]
#   e.g. bench/executor-ab.sh /tmp/old/dsx-executor Kernels.Native/build/x86_64/dsx-executor tiny_cnn=p.json
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dsx="${DSX:-$root/dsx}"
rounds="${ROUNDS:-5}"
repeats="${REPEATS:-20}"
[ $# -ge 3 ] || { sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
old="$1" new="$2"
shift 2
for e in "$old" "$new"; do [ -x "$e" ] || { echo "executor-ab: $e is not an executable" >&2; exit 2; }; done

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
run() { DSX_EXECUTOR="$1" "$dsx" run "zoo:$2" --plan "$3" --repeats "$repeats" --warmup 3 --json 2>/dev/null | jq '.latency_ms.median'; }

echo "| model | plan | old ms | new ms | new / old | old rounds | new rounds |"
echo "| --- | --- | ---: | ---: | ---: | --- | --- |"
for pair in "$@"; do
  model="${pair%%=*}" plan="${pair#*=}"
  [ -f "$plan" ] || { echo "executor-ab: $plan: no such plan file" >&2; exit 2; }
  a=() b=()
  for ((r = 0; r < rounds; r++)); do
    a+=("$(run "$old" "$model" "$plan")")
    b+=("$(run "$new" "$model" "$plan")")
  done
  ma=$(printf '%s\n' "${a[@]}" | median) mb=$(printf '%s\n' "${b[@]}" | median)
  printf '| %s | %s | %.3f | %.3f | %.3f | %s| %s|\n' "$model" "$(basename "$plan")" "$ma" "$mb" "$(awk -v a="$ma" -v b="$mb" 'BEGIN { print b / a }')" \
    "$(printf '%.3g ' "${a[@]}")" "$(printf '%.3g ' "${b[@]}")"
done
