#!/usr/bin/env python3
"""The farm at scale with replay boards (bench/farm.sh runs it; see bench/farm.md for what it measures).

For each silo count (one silo on SQLite; two silos clustered on a throw-away PostgreSQL) and each board count, it starts
the silo(s) with N replay boards, then for each exploration count E starts E explorations (batch sized so E x batch is
twice the boards: the farm, not the search, is what limits), lets them warm up, and measures a fixed window:
  - episodes per second (the explorations' own counters, from the silo's /api),
  - board utilisation: executor-side busy time of every measurement inside the window / (boards x window),
  - silo CPU per episode (utime + stime of the silo processes, from /proc; replay boards' CPU reported apart),
  - p99 time from a board finishing a measurement to it starting the next (executor-side clocks, from --timing-log).
"""
import argparse
import csv
import glob
import json
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

CLK_TCK = os.sysconf("SC_CLK_TCK")


def free_ports(n):
    sockets, ports = [], []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        sockets.append(s)
        ports.append(s.getsockname()[1])
    for s in sockets:
        s.close()
    return ports


def cpu_seconds(pid):
    """utime + stime of one process; 0 when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return 0.0


def children_cpu_seconds(parents):
    """CPU of the live direct children of the silos (the replay boards' executors)."""
    total = 0.0
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            with open(stat) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if int(fields[1]) in parents:
            total += (int(fields[11]) + int(fields[12])) / CLK_TCK
    return total


def get_json(url, attempts=3):
    """A silo starved of CPU may answer slowly: wait, and try again, before giving up."""
    for attempt in range(attempts):
        try:
            with urllib.request.urlopen(url, timeout=120) as r:
                return json.load(r)
        except (TimeoutError, OSError):
            if attempt == attempts - 1:
                raise
            time.sleep(5)


def post(url):
    req = urllib.request.Request(url, method="POST", data=b"")
    with urllib.request.urlopen(req, timeout=30) as r:
        r.read()


class Postgres:
    """A throw-away PostgreSQL 15 (as the postgres user when root), like tests/Grains.Tests/Postgres/PostgresServer.cs."""

    def __init__(self, work):
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        if not bins:
            raise SystemExit("farm: two silos need PostgreSQL (apt-get install postgresql); run with SILOS=1 without it")
        self.bin = os.path.dirname(bins[-1])
        self.folder = os.path.join(work, "pg")
        os.makedirs(self.folder)
        self.port = free_ports(1)[0]
        self.root = os.geteuid() == 0
        if self.root:
            subprocess.run(["chown", "-R", "postgres:postgres", self.folder], check=True)
        self.run("initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--no-sync")
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} -c fsync=off -c synchronous_commit=off "
                   "-c full_page_writes=off -c max_connections=400")
        self.run("pg_ctl", "-D", self.data, "-l", os.path.join(self.folder, "server.log"), "-o", options, "-w", "-t", "60", "start")

    @property
    def data(self):
        return os.path.join(self.folder, "data")

    def run(self, program, *args):
        command = [os.path.join(self.bin, program), *args]
        if self.root:
            command = ["/usr/sbin/runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if done.returncode != 0:
            raise SystemExit(f"farm: {program} failed ({done.returncode}): {done.stderr.strip()}")

    def create(self, database):
        self.run("psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-c", f'CREATE DATABASE "{database}"')
        return f"postgres://postgres:unused@127.0.0.1:{self.port}/{database}"

    def stop(self):
        self.run("pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")


class Silo:
    def __init__(self, args, work, name, extra):
        self.silo_port, self.gateway_port, self.web_port = free_ports(3)
        self.api = f"http://127.0.0.1:{self.web_port}/api"
        self.gateway = f"127.0.0.1:{self.gateway_port}"
        self.timing_log = os.path.join(work, f"{name}-timing.csv")
        self.log = open(os.path.join(work, f"{name}.log"), "w")
        command = ["dotnet", args.dsx, "silo", "--silo-port", str(self.silo_port), "--gateway-port", str(self.gateway_port),
                   "--urls", f"http://127.0.0.1:{self.web_port}", "--timing-log", self.timing_log, *extra]
        self.process = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT)

    def wait_up(self, timeout=180):
        until = time.time() + timeout
        while time.time() < until:
            if self.process.poll() is not None:
                raise SystemExit(f"farm: a silo exited with {self.process.returncode}; its log: {self.log.name}")
            try:
                get_json(self.api + "/boards")
                return
            except OSError:
                time.sleep(1)
        raise SystemExit(f"farm: a silo did not come up in {timeout} s; its log: {self.log.name}")

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def explorations(silo):
    return {e["id"]: e for e in get_json(silo.api + "/explorations")}


def sample(silos, ids):
    state = explorations(silos[0])
    pids = {s.process.pid for s in silos}
    return {
        "time": time.time(),
        "silo_cpu": sum(cpu_seconds(p) for p in pids),
        "board_cpu": children_cpu_seconds(pids),
        "episodes": sum(state[i]["episode"] for i in ids if i in state),
        "measurements": sum(state[i]["boardMeasurements"] for i in ids if i in state),
        "failed": [i for i in ids if i in state and state[i]["status"] == "Failed"],
    }


def beside(silos):
    """
    What else used the CPU (the machine is shared): other processes that used over 20% of a core over their life so far
    (ps's figure), with their nice value and the start of their command line.
    """
    ours = {s.process.pid for s in silos} | {os.getpid()}
    ps = subprocess.run(["ps", "-eo", "pid=,ppid=,ni=,pcpu=,args="], capture_output=True, text=True).stdout.splitlines()
    found = []
    for line in ps:
        pid, ppid, nice, cpu, command = line.split(None, 4)
        if int(pid) not in ours and int(ppid) not in ours and float(cpu) >= 20 and not command.startswith("ps "):
            found.append(f"{command.strip()[:80]} (nice {nice}, {float(cpu):.0f}%)")
    return found


def timings(silos, since=0.0):
    """The measurements that started at or after `since` (the silo's log spans every point it ran)."""
    rows = []
    for silo in silos:
        if os.path.exists(silo.timing_log):
            with open(silo.timing_log) as f:
                rows += [(r["board"], int(r["start_unix_ns"]) / 1e9, int(r["end_unix_ns"]) / 1e9) for r in csv.DictReader(f)]
    return [r for r in rows if r[1] >= since]


def wait_all_boards_measured(silos, boards, limit, since):
    """
    The first measurement of a board starts its executor (a process start) and loads the point's model: wait until every
    board has measured once in this point (a board that measured only in an earlier point on the same silos has not).
    """
    until = time.time() + limit
    while time.time() < until:
        if len({b for b, _, _ in timings(silos, since)}) >= boards:
            return True
        time.sleep(2)
    return False


def board_figures(rows, boards, t0, t1):
    busy = sum(max(0.0, min(end, t1) - max(start, t0)) for _, start, end in rows)
    by_board = {}
    for board, start, end in rows:
        by_board.setdefault(board, []).append((start, end))
    gaps, durations = [], []
    for runs in by_board.values():
        runs.sort()
        for (_, end), (start, _) in zip(runs, runs[1:]):
            if t0 <= start <= t1:
                gaps.append(start - end)
    durations = [end - start for _, start, end in rows if t0 <= start <= t1]
    gaps.sort()
    p99 = gaps[min(len(gaps) - 1, math.ceil(0.99 * len(gaps)) - 1)] if gaps else float("nan")
    p50 = gaps[len(gaps) // 2] if gaps else float("nan")
    mean = sum(durations) / len(durations) if durations else float("nan")
    # Where the idle time went: the least busy board (one never leased in the window reads 0) and the longest wait.
    per_board = [sum(max(0.0, min(end, t1) - max(start, t0)) for start, end in runs) / (t1 - t0) for runs in by_board.values()]
    least = min(per_board + [0.0] * (boards - len(per_board)), default=float("nan"))
    return busy / (boards * (t1 - t0)), p50, p99, mean, len(durations), least, (gaps[-1] if gaps else float("nan"))


def model_copy(args, work, index):
    """
    The model under a name of its own (same length, so only the name's bytes change in the ONNX file): its hash, and so
    its measurement store, is new. Every point starts from an empty store; otherwise the store filled by the earlier
    points answers most plans of the later ones and the boards idle for want of work, not for the farm's overhead.
    """
    name = args.model.split(":", 1)[1]
    exported = os.path.join(work, f"{name}.onnx")
    if not os.path.exists(exported):
        subprocess.run(["dotnet", args.dsx, "models", "export", name, "-o", exported], check=True, stdout=subprocess.DEVNULL)
    with open(exported, "rb") as f:
        data = f.read()
    renamed = f"{name[:max(1, len(name) - 4)]}{index:04d}"[-len(name):].encode()
    if data.count(name.encode()) != 1 or len(renamed) != len(name):
        raise SystemExit(f"farm: cannot rename {name} in its ONNX export")
    path = os.path.join(work, f"{renamed.decode()}.onnx")
    with open(path, "wb") as f:
        f.write(data.replace(name.encode(), renamed))
    return path


def run_point(args, silos, boards, count, tag, model):
    batch = max(1, math.ceil(2 * boards / count))
    prefix = f"{tag}-e{count}"
    # Only this point's measurements count: the silos' timing logs span the earlier points at this board count, and a
    # board's last measurement there paired with its first here read as one long wait (p99 free-to-next of 56-82 s on
    # 256 boards, where a point takes longer than the warm-up to reach every board).
    since = time.time()
    subprocess.run(
        ["dotnet", args.dsx, "explore", model, "--board-kind", args.kind, "--no-int8", "--episodes", str(args.episodes),
         "--batch", str(batch), "--count", str(count), "--id", prefix, "--final-rounds", "0", "--confirm-top", "0",
         "--gateway", silos[0].gateway],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ids = [prefix] if count == 1 else [f"{prefix}-{k}" for k in range(1, count + 1)]
    warmed = wait_all_boards_measured(silos, boards, args.start_limit, since)
    time.sleep(args.warmup)
    a = sample(silos, ids)
    time.sleep(args.window)
    b = sample(silos, ids)
    for i in ids:
        try:
            post(f"{silos[0].api}/explorations/{i}/cancel")
        except OSError:
            pass
    # A measurement is logged when it ends: one still running at the window's end would be missing from the busy time (a
    # board loses half a measurement on average, 15% of a 10 s window at 3 s each). Its rows carry the executor's clocks,
    # so they are read once the measurements in flight have ended (cancelling stops new ones, not those on a board): once
    # no board is busy. (Waiting 1.5 times the longest measurement seen was not enough: one plan of mobilenet_v2 takes 20 s
    # where most take 1-5, and 4 boards read 34% busy for the measurements that had not ended.)
    time.sleep(args.drain)
    until = time.time() + args.drain_limit
    while time.time() < until and any(b["state"] == "Busy" for b in get_json(silos[0].api + "/boards")):
        time.sleep(1)
    utilisation, p50, p99, mean, measured, least, longest_gap = board_figures(timings(silos, since), boards, a["time"], b["time"])
    wall = b["time"] - a["time"]
    episodes = b["episodes"] - a["episodes"]
    point = {
        "silos": len(silos), "boards": boards, "explorations": count, "batch": batch, "window_s": wall,
        "episodes": episodes, "episodes_per_s": episodes / wall,
        "board_measurements_per_s": (b["measurements"] - a["measurements"]) / wall,
        "measurements_in_window": measured, "mean_measurement_s": mean,
        "utilisation": utilisation, "ideal_measurements_per_s": boards / mean if mean == mean else float("nan"),
        "silo_cpu_s": b["silo_cpu"] - a["silo_cpu"], "board_cpu_s": b["board_cpu"] - a["board_cpu"],
        "silo_cpu_ms_per_episode": 1000 * (b["silo_cpu"] - a["silo_cpu"]) / episodes if episodes else float("nan"),
        "free_to_next_p50_ms": 1000 * p50, "free_to_next_p99_ms": 1000 * p99, "free_to_next_max_ms": 1000 * longest_gap,
        "least_busy_board_utilisation": least, "window_start_unix": a["time"],
        "all_boards_started": warmed, "failed_explorations": b["failed"],
        "load_average": os.getloadavg()[0], "beside": beside(silos),
    }
    print(f"farm: silos {len(silos)} boards {boards:3} explorations {count:2} (batch {batch:3}): "
          f"{point['episodes_per_s']:.1f} episodes/s, utilisation {100 * utilisation:.0f}%, "
          f"silo CPU {point['silo_cpu_ms_per_episode']:.1f} ms/episode, p99 free->next {point['free_to_next_p99_ms']:.0f} ms, "
          f"load {point['load_average']:.1f}", file=sys.stderr, flush=True)
    return point


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dsx", required=True, help="dsx.dll")
    parser.add_argument("--table", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--boards", default="1,4,16,64,256")
    parser.add_argument("--explorations", default="1,8,32")
    parser.add_argument("--silos", default="1,2")
    parser.add_argument("--time-scale", type=float, default=0.5)
    parser.add_argument("--window", type=float, default=20)
    parser.add_argument("--warmup", type=float, default=6)
    parser.add_argument("--drain", type=float, default=3)
    parser.add_argument("--drain-limit", type=float, default=120, help="longest wait after a window for the boards' measurements to end")
    parser.add_argument("--start-limit", type=float, default=120)
    parser.add_argument("--episodes", type=int, default=100000)
    parser.add_argument("--output", required=True, help="JSON lines of the points")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (silo logs, timing logs) for a reading")
    args = parser.parse_args()
    with open(args.table) as f:
        args.kind = "replay:" + json.load(f)["board"]["kind"]
    work = tempfile.mkdtemp(prefix="dsx-farm-")
    os.chmod(work, 0o755)  # the postgres user must reach its folder inside
    postgres = None
    points = 0
    try:
        with open(args.output, "w") as out:
            for silo_count in [int(s) for s in args.silos.split(",")]:
                if silo_count == 2 and postgres is None:
                    postgres = Postgres(work)
                for boards in [int(b) for b in args.boards.split(",")]:
                    tag = f"s{silo_count}-b{boards}"
                    replay = ["--replay-boards", str(boards), "--replay-table", args.table, "--replay-time-scale", str(args.time_scale)]
                    if silo_count == 1:
                        silos = [Silo(args, work, tag, ["--db", os.path.join(work, f"{tag}.db"), *replay])]
                    else:
                        url = postgres.create(tag.replace("-", "_"))
                        cluster = ["--cluster", url, "--address", "127.0.0.1"]
                        # Only the first silo registers the boards (registering replaces a board's slot); the board grains,
                        # and so their executors, are placed across both silos by Orleans.
                        silos = [Silo(args, work, f"{tag}-a", [*cluster, *replay])]
                        silos[0].wait_up()
                        silos.append(Silo(args, work, f"{tag}-b", cluster))
                    try:
                        for silo in silos:
                            silo.wait_up()
                        for count in [int(e) for e in args.explorations.split(",")]:
                            points += 1
                            point = run_point(args, silos, boards, count, tag, model_copy(args, work, points))
                            out.write(json.dumps(point) + "\n")
                            out.flush()
                    finally:
                        for silo in silos:
                            silo.stop()
    finally:
        if postgres is not None:
            postgres.stop()
        if args.keep:
            print(f"farm: kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
