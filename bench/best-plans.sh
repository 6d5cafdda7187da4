#!/usr/bin/env bash
# Tunes every zoo model on the local board and writes bench/best-plans.md: per model the BLAS baseline, the best plan
# confirmed end-to-end, the speedup, peak memory of both, whether INT8 is used, the accuracy verdict and the additive
# model's prediction error. Each run reuses and extends the model's measurement table (bench/record-tables.sh records them).
#   bench/best-plans.sh [MODEL...]                    (default: every zoo model)
#   STRATEGY=qlearning EPISODES=300 TABLES=bench/tables OUT=bench/best-plans   (the defaults); EPISODES_MODEL overrides
#   the budget of one model (EPISODES_vgg16=30)
#   TUNE_FLAGS="--no-int8"   extra dsx tune options (bench/run tunes FP32-only and INT8-allowed plans this way)
# Per model it keeps the JSON report (OUT/MODEL.json), the best plan (OUT/MODEL.plan.json) and the log (OUT/MODEL.log).
# Run it on a quiet machine: multi-threaded choices measured while other processes hold the cores come out many times
# slower and too noisy for the table to trust, so fewer plans are reused and the additive model errs more.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dsx="${DSX:-$root/dsx}"
strategy="${STRATEGY:-qlearning}"
episodes="${EPISODES:-300}"
read -r -a tune_flags <<<"${TUNE_FLAGS:-}"
tables="${TABLES:-$root/bench/tables}"
out="${OUT:-$root/bench/best-plans}"
markdown="${MARKDOWN:-$root/bench/best-plans.md}"
command -v jq >/dev/null || { echo "best-plans.sh: jq is needed to read the reports (apt-get install jq)" >&2; exit 1; }
models=("$@")
if [ ${#models[@]} -eq 0 ]; then
  models=(mobilenet_v2 resnet18 squeezenet1_1 mobilenet_v1 googlenet tiny_cnn resnet50 vgg16)
fi
mkdir -p "$out" "$tables"

failed=0
rows=()
for m in "${models[@]}"; do
  budget_var="EPISODES_$m" # e.g. EPISODES_vgg16=30: a smaller budget for a model whose every episode takes long
  budget="${!budget_var:-$episodes}"
  echo "== $m ($strategy, $budget episodes)" >&2
  [ -f "$tables/$m.json" ] || echo "   no table at $tables/$m.json: every plan will be measured on the board" >&2
  if "$dsx" tune "zoo:$m" --strategy "$strategy" --episodes "$budget" --table "$tables/$m.json" ${tune_flags[@]+"${tune_flags[@]}"} \
      -o "$out/$m.plan.json" --json >"$out/$m.json" 2>"$out/$m.log"; then
    rows+=("$(jq -r --arg m "$m" '
      def ms: if . == null then "-" else (. * 100 | round / 100 | tostring) end;
      def mib: if . == null then "-" else (. / 1048576 * 10 | round / 10 | tostring) end;
      def pct: if . == null then "-" else ((. * 1000 | round / 10 | tostring) + "%") end;
      "| \($m) | \(.baseline.latency_ms | ms) | \(.best.latency_ms | ms) | \(if .speedup then (.speedup * 100 | round / 100 | tostring) + "x" else "-" end) "
      + "| \(.baseline.peak_bytes | mib) / \(.best.peak_bytes | mib) | \(if .best.uses_int8 then "yes" else "no" end) "
      + "| \(if .best.accuracy.checked then (if .best.accuracy.passed then "passed" else "rejected" end) + ": " + .best.accuracy.reason else "n/a (FP32)" end) "
      + "| \(.best.prediction_error | pct) (median abs. \(.median_abs_prediction_error | pct)) "
      + "| \(.table_hits) / \(.board_measurements) |"' "$out/$m.json")")
  else
    failed=1
    echo "   failed: see $out/$m.log" >&2
    rows+=("| $m | failed: \`$(tail -1 "$out/$m.log" | tr '|' '/')\` | | | | | | | |")
  fi
done

{
  echo "# Best plans found by \`dsx tune\`"
  echo
  echo "Strategy \`$strategy\`, $episodes episodes per model, on the local board ($(uname -m)), $(date -u +%Y-%m-%d).  "
  echo "Best = fastest plan confirmed by a whole-network measurement (median of timed runs); baseline = im2col + OpenBLAS, NCHW FP32.  "
  echo "Prediction error = (additive model's prediction before the plan was measured - measured) / measured; '-' when the table"
  echo "could not predict the plan before measuring it. Table hits / board = episodes answered from the table / board measurements."
  echo
  echo "| model | baseline ms | best ms | speedup | peak MiB baseline / best | INT8 | accuracy | prediction error | table hits / board |"
  echo "| --- | ---: | ---: | ---: | ---: | --- | --- | ---: | ---: |"
  printf '%s\n' "${rows[@]}"
} >"$markdown"
echo "wrote $markdown" >&2
exit "$failed"
