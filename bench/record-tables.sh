#!/usr/bin/env bash
# Records the measurement tables of the zoo models on the local board into bench/tables/ (resumable: rerun to
# continue an interrupted recording). Usage: bench/record-tables.sh [MODEL...]   (default: every zoo model)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dsx="${DSX:-$root/dsx}"
models=("$@")
if [ ${#models[@]} -eq 0 ]; then
  models=(mobilenet_v2 resnet18 squeezenet1_1 mobilenet_v1 googlenet tiny_cnn resnet50 vgg16)
fi
for m in "${models[@]}"; do
  # MobileNetV2 and ResNet-18 carry the strategy comparison: more random plans for their conversion entries.
  extra=40
  case "$m" in mobilenet_v2|resnet18) extra=80 ;; esac
  echo "== $m" >&2
  "$dsx" table record "zoo:$m" -o "$root/bench/tables/$m.json" --extra-plans "$extra"
done
