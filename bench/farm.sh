#!/usr/bin/env bash
# The farm at scale with replay boards: bench/farm.md and bench/farm-*.png (see bench/farm.py for what is measured).
# Knobs (environment): BOARDS="1 4 16 64 256" EXPLORATIONS="1 8 32" SILOS="1 2" WINDOW=10 (s measured per point)
# WARMUP=3 (s) MODEL=mobilenet_v2 (a zoo model with a table in bench/tables) TIME_SCALE=3 (factor on its replayed
# measurement times: a mean mobilenet_v2 measurement, 1 + 5 runs of its sampled plans, takes about 5 s, a mid-size model's
# on a board). The model's space must outlast a point: tiny_cnn's (9 layers) is measured whole in seconds by 64 boards, and
# then the table answers every plan and the boards idle for want of work, not for the farm's overhead. Two silos need
# PostgreSQL (initdb/pg_ctl; as root they run as the postgres user). About 30 min on a loaded 2-core machine.
# REPORT_ONLY=1 renders bench/farm.md and the plots again from the points of the last run (bench/farm-points.jsonl).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# Called by bench/run: RESULTS is where farm.md and the plots go, QUICK=1 a small sweep for trying the harness.
if [[ ${QUICK:-0} == 1 ]]; then
  boards=${BOARDS:-1 4 16} explorations=${EXPLORATIONS:-1 8} silos=${SILOS:-1} window=${WINDOW:-5}
else
  boards=${BOARDS:-1 4 16 64 256} explorations=${EXPLORATIONS:-1 8 32} silos=${SILOS:-1 2} window=${WINDOW:-10}
fi
warmup=${WARMUP:-3}
scale=${TIME_SCALE:-3}
model=${MODEL:-mobilenet_v2}
table=$root/bench/tables/$model.json
dsx=$root/Cli/bin/Release/net10.0/dsx.dll
out=${RESULTS:-$root/bench}

# Debian's python3 (python3-matplotlib), not one a version manager puts first on PATH.
py=${PYTHON:-$(command -v /usr/bin/python3 || command -v python3)}
die() { echo "farm: $*" >&2; exit 1; }
[[ -f $table ]] || die "no table for $model in bench/tables (record one with bench/record-tables.sh $model)"
"$py" -c "import matplotlib" 2>/dev/null || die "the plots need matplotlib: apt-get install python3-matplotlib"
if [[ ! -f $dsx ]]; then
  echo "farm: building the dsx command line" >&2
  dotnet build "$root/Cli/Cli.csproj" -c Release --nologo -v q >/dev/null || die "dotnet build Cli/Cli.csproj failed"
fi

commas() { echo "$*" | tr ' ' ','; }
points=$out/farm-points.jsonl
preamble=$(mktemp)
trap 'rm -f "$preamble"' EXIT
if [[ ${REPORT_ONLY:-0} == 1 ]]; then
  [[ -s $points ]] || die "no points to report: $points is missing or empty (run without REPORT_ONLY first)"
  started="$(date -u -r "$points" '+%Y-%m-%d %H:%M UTC') (the last point)"
  load_before="$(head -1 "$points" | "$py" -c 'import json,sys; print(round(json.load(sys.stdin)["load_average"], 1))') (1-minute, first point)"
else
  started=$(date -u '+%Y-%m-%d %H:%M UTC')
  load_before=$(cut -d' ' -f1-3 /proc/loadavg)
  "$py" "$root/bench/farm.py" --dsx "$dsx" --table "$table" --model "zoo:$model" --boards "$(commas $boards)" \
    --explorations "$(commas $explorations)" --silos "$(commas $silos)" --window "$window" --warmup "$warmup" \
    --time-scale "$scale" --output "$points"
fi
mean_ms=$("$py" -c "
import json
p=[json.loads(l) for l in open('$points')]
m=[x['mean_measurement_s'] for x in p if x['mean_measurement_s']==x['mean_measurement_s']]
print(f'{1000*sum(m)/len(m):.0f}')")

cat >"$preamble" <<MD
# The farm at scale: replay boards

Produced by \`bench/farm.sh\` on $started: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')),
$(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo) RAM, load average $load_before at the start. **The machine was
shared**: other engineers' builds and tests ran throughout (the load average per point is in the last column), so the
silo, the replay boards and everything else competed for two cores. Figures are for this machine at that moment.

## What runs
- Every board is a replay board: a TCP connection to the one \`dsx replay-executor --listen\` process the silo starts for
  all its replay boards (one process per board before 2026-11-30 20:30), speaking the executor protocol (Hello,
  LoadModel, DescribeSpace, Measure) through the same executor connection, BoardSession, BoardGrain and farm scheduler
  as a real board reached over TCP. The host keeps a model for all its boards once one loaded it, and their sessions
  load by hash first, so the 14 MB graph is sent and parsed once per silo, not once per board (since 2026-12-01 06:00;
  before, 256 boards sent 3.6 GB at start and timed their Hellos out). It
  answers from \`bench/tables/$model.json\` (recorded on this machine's x86 board): each timed run's per-layer times
  are a recorded median times the entry's measured noise, and it sleeps for the drawn time of its warm-up and timed
  runs (1 + 5) times **$scale** (\`--replay-time-scale\`; a mean measurement took **$mean_ms ms**, about what a mid-size
  model's measurement takes on a board). No compute. The model's space must outlast a point (tiny_cnn's, used before
  2026-12-01 03:00, was measured whole within seconds on 64 boards, after which the table answered every plan). Their kind is
  \`replay:local\`, so their measurements never join a real board kind's store.
- Explorations: \`dsx explore MODEL.onnx --board-kind replay:local --no-int8 --count E --batch B\` (Q-learning, seed plans
  first, no confirmation or run-off), with **B = ceil(2 x boards / E)**: each exploration keeps B episodes out (a sliding
  window since 2026-12-01; before, it waited for each batch of B to come back whole), twice as many as boards in all. Cancelled after the window. MODEL.onnx is $model exported and
  renamed per point (same layers, new hash), so every point starts with an empty measurement store: a store filled by
  earlier points answers most plans and leaves the boards idle for want of work (a first run without this showed
  182 episodes/s at 0% utilisation with 16 boards and 32 explorations).
- One silo: SQLite state. Two silos: one cluster on a throw-away PostgreSQL (\`dsx silo --cluster postgres://...\`), the
  boards registered by the first, board and exploration grains placed by Orleans on either.
- Per point: start the explorations, wait until every board has measured once in this point (the first measurement
  loads the point's model on the board), $warmup s warm-up, then a $window s window. Only the point's own measurements
  count (before 2026-12-01 03:00 a board's last measurement of the previous point on the same silos and its first of this
  one could read as one long wait).

## Figures
- episodes/s: the explorations' episode counters over the window (an episode the measurement store can answer is not
  measured, so board measurements/s can be lower).
- utilisation: executor-side busy time of every measurement in the window / (boards x window), read once the
  measurements in flight at the window's end have ended (before 2026-11-30 20:30 they were missing: a board lost half a
  measurement on average, up to 15%).
- ideal: boards / mean measurement time, the throughput of a farm with no overhead.
- silo CPU per episode: utime + stime of the silo process(es) over the window / episodes; the replay host's own CPU
  (its .NET runtime, sleeping most of the time) is shown apart, in cores used.
- free to next start: per board, from a measurement's end to the next one's start (executor clocks), over every pair
  whose second measurement started in the window: what a freed board waits for the farm to hand it new work (p50, p99
  and the longest). Least busy board: the busy fraction of the window of the board that was busy least (0% for a board
  never leased in it): whether idle time is spread or held by a few boards.

## Results
MD
"$py" "$root/bench/farm_report.py" "$points" --markdown "$out/farm.md" --plots "$out/farm" --preamble "$preamble"
# The reading of the figures is written by hand beside them (it cannot be generated), and kept across runs.
# It reads the committed run (bench/farm.md), so it goes only there.
if [[ $out == "$root/bench" && -f $out/farm-notes.md ]]; then
  { echo; cat "$out/farm-notes.md"; } >>"$out/farm.md"
fi
echo "farm: wrote $out/farm.md and $out/farm-*.png" >&2
