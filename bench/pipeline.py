"""End-to-end scaling of ``newsetl run`` against a langdetect-alone baseline (issue 8).

    .venv/bin/python bench/pipeline.py N [N ...] [--workers W] [--out bench/out]
    .venv/bin/python bench/pipeline.py 1000 10000
    .venv/bin/python bench/pipeline.py 10000 --workers 2
    .venv/bin/python bench/pipeline.py --profile 1000      # cProfile of the transforms only
    .venv/bin/python bench/pipeline.py --profile-flow 1000 # cProfile of the whole flow

For each N: a corpus from ``bench/make_corpus.py N <out>/corpora/cN`` (kept when present), a
``newsetl run`` of it in a subprocess into a fresh warehouse, its wall time, user+system CPU,
and peak memory (the process tree is sampled from /proc every 0.1 s: the largest single process
and the sum over the tree; ``ru_maxrss`` of the waited children as a cross-check), and the
per-stage timings of the run's ``runs.counts_json``. Also measured in the same invocation:

- the fixed start-up: wall time of ``newsetl run`` on ``seeds/articles`` (5 files) into a fresh
  warehouse, cold (first) and warm (median of the next ones), and the import time of prefect +
  great_expectations in a fresh interpreter;
- the baseline: ``langdetect.detect`` (profiles loaded first, seed fixed) once per article on
  the decoded text of the same corpus's files (read as the pipeline reads them, duplicates
  skipped), in this process, on one core. On large corpora a systematic sample of the files
  (every k-th) is used, at most ``--baseline-articles`` articles.

The figure that holds on any machine is the ratio: end-to-end articles per second per core
(wall time less the warm start-up, divided by the workers) over langdetect-alone articles per
second. With ``--workers W`` (and without ``--no-startup``) the start-up is measured with the
same ``--workers W``, which includes starting the local Dask cluster, and each run is reduced by
its own configuration's start-up; the speed-up over one worker is also given with only the
single-process start-up taken off (``speedup_vs_one_worker_single_startup``). That compares
with the latest one-worker run in ``pipeline.json``, which may come from another hour; on a
machine whose speed drifts, ``--pairs K`` (with ``--workers W``) runs one worker and W workers
alternately K times on each N and gives each pair's speed-up and their median (under
``pairs`` in ``pipeline.json``). Results go to
``<out>/pipeline.json`` (merged with earlier invocations, keyed by N and workers) and
``docs/pipeline-scaling.svg`` (``bench/plot.py``).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

NEWSETL = ROOT / ".venv" / "bin" / "newsetl"
PYTHON = ROOT / ".venv" / "bin" / "python"
PAGE = os.sysconf("SC_PAGE_SIZE")


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# --- process-tree memory sampling ------------------------------------------------------------


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry.name}/stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces, so split after the last ')'
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    return children


def _tree(root: int) -> list[int]:
    children = _children_map()
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, ()))
    return found


_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU of ``pid`` itself so far (not its children)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        fields = stat[stat.rindex(")") + 2 :].split()
        return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS
    except (OSError, IndexError, ValueError):
        return None


def _rss(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


def _cmd(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return "?"
    return raw.strip()[:160]


@dataclass
class MemoryPeak:
    tree_bytes: int = 0
    largest_bytes: int = 0
    largest_cmd: str = ""
    max_processes: int = 0
    samples: int = 0
    #: Seconds after the start at which the tree's peak was sampled.
    tree_peak_at: float = 0.0
    #: (seconds, tree MB, largest process MB) every ``TIMELINE_SECONDS``: where a peak falls.
    timeline: list[tuple[float, int, int]] = field(default_factory=list)


TIMELINE_SECONDS = 5.0


class TreeSampler(threading.Thread):
    def __init__(self, pid: int, interval: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak = MemoryPeak()
        self.stop_event = threading.Event()
        #: Last CPU seen per process of the tree. Summed, it counts the processes the run's own
        #: process never waits for (a forkserver's children), which ``wait4``'s usage misses;
        #: a process loses at most its last interval.
        self.cpu_by_pid: dict[int, float] = {}

    @property
    def tree_cpu_seconds(self) -> float:
        return sum(self.cpu_by_pid.values())

    def run(self) -> None:
        started, next_mark = time.perf_counter(), 0.0
        while not self.stop_event.is_set():
            pids = _tree(self.pid)
            for pid in pids:
                cpu = _cpu_seconds(pid)
                if cpu is not None:
                    self.cpu_by_pid[pid] = cpu
            sizes = {pid: _rss(pid) for pid in pids}
            total = sum(sizes.values())
            self.peak.samples += 1
            self.peak.max_processes = max(self.peak.max_processes, len(pids))
            elapsed = time.perf_counter() - started
            if total > self.peak.tree_bytes:
                self.peak.tree_bytes, self.peak.tree_peak_at = total, round(elapsed, 1)
            pid, largest = max(sizes.items(), key=lambda kv: kv[1])
            if elapsed >= next_mark:
                self.peak.timeline.append((round(elapsed, 1), total >> 20, largest >> 20))
                next_mark += TIMELINE_SECONDS
            if largest > self.peak.largest_bytes:
                self.peak.largest_bytes = largest
                self.peak.largest_cmd = _cmd(pid)
            self.stop_event.wait(self.interval)


@dataclass
class Measured:
    command: list[str]
    returncode: int
    wall_seconds: float
    cpu_user_seconds: float
    cpu_system_seconds: float
    ru_maxrss_bytes: int
    peak: MemoryPeak
    #: CPU of the process tree as sampled (see ``TreeSampler.cpu_by_pid``).
    tree_cpu_seconds: float
    load_before: str
    load_after: str
    timed_out: bool = False
    stderr_tail: str = ""

    @property
    def cpu_seconds(self) -> float:
        """The larger of the waited children's usage and the sampled tree's."""
        return max(self.cpu_user_seconds + self.cpu_system_seconds, self.tree_cpu_seconds)


def measure(
    command: list[str], env: dict[str, str] | None = None, timeout: float | None = None
) -> Measured:
    """Run ``command``, sampling its process tree; wall, CPU (waited children) and peak RSS."""
    load_before = load_average()
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    sampler = TreeSampler(process.pid)
    sampler.start()
    stderr_chunks: list[bytes] = []
    reader = threading.Thread(
        target=lambda: stderr_chunks.append(process.stderr.read()),  # type: ignore[union-attr]
        daemon=True,
    )
    reader.start()
    timed_out = False
    deadline = None if timeout is None else started + timeout
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        if deadline is not None and time.perf_counter() > deadline:
            timed_out = True
            os.killpg(process.pid, 9)
            pid, status, usage = os.wait4(process.pid, 0)
            break
        time.sleep(0.05)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    sampler.stop_event.set()
    sampler.join()
    reader.join(timeout=5)
    stderr = b"".join(stderr_chunks).decode(errors="replace")
    return Measured(
        command=command,
        returncode=process.returncode,
        wall_seconds=wall,
        cpu_user_seconds=usage.ru_utime,
        cpu_system_seconds=usage.ru_stime,
        ru_maxrss_bytes=usage.ru_maxrss * 1024,
        peak=sampler.peak,
        tree_cpu_seconds=sampler.tree_cpu_seconds,
        load_before=load_before,
        load_after=load_average(),
        timed_out=timed_out,
        stderr_tail=stderr[-3000:],
    )


# --- the warehouse's own figures -------------------------------------------------------------


def last_counts(warehouse: Path) -> dict[str, Any]:
    import duckdb

    with duckdb.connect(str(warehouse / "news.duckdb"), read_only=True) as connection:
        row = connection.execute(
            "SELECT counts_json, epoch(finished_at) - epoch(started_at) FROM runs "
            "ORDER BY started_at DESC LIMIT 1"
        ).fetchone()
    assert row is not None, "no run recorded"
    counts = json.loads(row[0])
    counts["seconds_flow_started_to_finished"] = round(float(row[1]), 3)
    return counts


def newsetl_command(raw_dir: Path, warehouse: Path, workers: int) -> list[str]:
    command = [str(NEWSETL), "run", "--raw-dir", str(raw_dir), "--warehouse", str(warehouse)]
    if workers > 1:
        command += ["--workers", str(workers)]
    return command


def bench_env(out: Path) -> dict[str, str]:
    """The user's environment, with a Prefect home of the benchmark's own (not the project's
    .prefect, which tests running at the same time use)."""
    home = out / "prefect-home"
    home.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env["PREFECT_HOME"] = str(home)
    return env


def run_pipeline(
    raw_dir: Path, warehouse: Path, workers: int, env: dict[str, str], timeout: float | None = None
) -> tuple[Measured, dict[str, Any]]:
    shutil.rmtree(warehouse, ignore_errors=True)
    measured = measure(newsetl_command(raw_dir, warehouse, workers), env, timeout)
    counts: dict[str, Any] = {}
    if measured.returncode == 0:
        counts = last_counts(warehouse)
    elif measured.timed_out:
        counts = staged_progress(warehouse)
    return measured, counts


def staged_progress(warehouse: Path) -> dict[str, Any]:
    """What a killed run had staged: batches and article rows written as Parquet parts."""
    import pyarrow.parquet as pq

    staging = warehouse / "parquet" / "_staging"
    parts = list(staging.glob("*/documents/part-*.parquet"))
    rows = sum(pq.ParquetFile(p).metadata.num_rows for p in parts)
    return {"staged_batches": len(parts), "staged_documents": rows}


# --- fixed start-up --------------------------------------------------------------------------


def import_seconds(env: dict[str, str], repeats: int = 3) -> list[float]:
    code = (
        "import time; t = time.perf_counter(); import prefect, great_expectations; "
        "print(time.perf_counter() - t)"
    )
    times = []
    for _ in range(repeats):
        result = subprocess.run(
            [str(PYTHON), "-c", code], env=env, capture_output=True, text=True, check=True
        )
        times.append(float(result.stdout.strip().splitlines()[-1]))
    return times


def startup(out: Path, env: dict[str, str], workers: int = 1, repeats: int = 3) -> dict[str, Any]:
    """``newsetl run --workers W`` on the five samples: with W > 1 that includes starting the
    local Dask cluster, the fixed part of a run on it."""
    seeds = ROOT / "seeds" / "articles"
    runs = []
    for attempt in range(repeats + 1):
        measured, counts = run_pipeline(seeds, out / "wh-startup", workers, env)
        if measured.returncode != 0:
            raise RuntimeError(f"start-up run failed: {measured.stderr_tail}")
        in_flow = sum(
            counts.get(f"seconds_{k}", 0.0)
            for k in ("scan", "read", "process", "validate", "load", "report")
        )
        runs.append(
            {
                "attempt": attempt,
                "wall_seconds": round(measured.wall_seconds, 3),
                "cpu_seconds": round(measured.cpu_seconds, 3),
                "in_flow_seconds": round(in_flow, 3),
                "peak_tree_mb": round(measured.peak.tree_bytes / 2**20, 1),
                "load": measured.load_before,
            }
        )
    warm = [r["wall_seconds"] for r in runs[1:]]
    imports = import_seconds(env)
    return {
        "workers": workers,
        "command": " ".join(newsetl_command(seeds, out / "wh-startup", workers)),
        "runs": runs,
        "cold_seconds": runs[0]["wall_seconds"],
        "warm_seconds": round(statistics.median(warm), 3),
        "warm_cpu_seconds": round(statistics.median(r["cpu_seconds"] for r in runs[1:]), 3),
        "warm_in_flow_seconds": round(statistics.median(r["in_flow_seconds"] for r in runs[1:]), 3),
        "import_prefect_gx_seconds": [round(t, 3) for t in imports],
        "import_prefect_gx_median": round(statistics.median(imports), 3),
        "load": load_average(),
    }


# --- langdetect baseline ---------------------------------------------------------------------


def corpus_texts(raw_dir: Path, max_articles: int) -> tuple[list[str], int, int]:
    """Decoded article texts of a systematic sample of the corpus's files, read the way the
    pipeline reads them (duplicates by content skipped); with the file count and stride."""
    from flows.extract import read_file, read_manifest, scan_folder
    from flows.settings import Settings
    from transforms.records import SourceHints

    scans = [s for s in scan_folder(raw_dir.resolve(), {}) if s.change == "new"]
    manifest = read_manifest(raw_dir.resolve())
    # ~1.1 articles per file: choose the stride so the sample stays near max_articles.
    stride = max(1, round(len(scans) * 1.1 / max_articles))
    seen: set[str] = set()
    texts: list[str] = []
    for scan in scans[::stride]:
        read = read_file(
            scan, manifest.hints.get(scan.path, SourceHints()), max_bytes=Settings().max_file_bytes
        )
        if read.failure or read.sha256 in seen:
            continue
        seen.add(read.sha256 or "")
        texts.extend(article.text for article in read.articles)
    return texts, len(scans), stride


def langdetect_baseline(raw_dir: Path, max_articles: int) -> dict[str, Any]:
    from langdetect import DetectorFactory, detect
    from langdetect.detector_factory import init_factory
    from langdetect.lang_detect_exception import LangDetectException

    texts, files, stride = corpus_texts(raw_dir, max_articles)
    init_factory()
    DetectorFactory.seed = 0
    load = load_average()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    failures = 0
    for text in texts:
        try:
            detect(text)
        except LangDetectException:
            failures += 1
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    return {
        "articles": len(texts),
        "files_in_corpus": files,
        "stride": stride,
        "characters": sum(map(len, texts)),
        "wall_seconds": round(wall, 3),
        "cpu_seconds": round(cpu, 3),
        "articles_per_second": round(len(texts) / wall, 2),
        "articles_per_cpu_second": round(len(texts) / cpu, 2),
        "no_features": failures,
        "load": load,
    }


# --- one N -----------------------------------------------------------------------------------


def ensure_corpus(n: int, corpora: Path) -> Path:
    target = corpora / f"c{n}"
    if (target / "corpus.json").is_file():
        return target
    shutil.rmtree(target, ignore_errors=True)
    corpora.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [str(PYTHON), str(ROOT / "bench" / "make_corpus.py"), str(n), str(target)], check=True
    )
    return target


STAGES = ("scan", "read", "process", "validate", "load", "report")
TRANSFORM_STAGES = ("repair", "language", "boilerplate", "metadata", "names", "quality", "other")


@dataclass
class Result:
    n: int
    workers: int
    corpus: str
    command: str
    returncode: int
    timed_out: bool
    wall_seconds: float
    cpu_seconds: float
    peak_tree_mb: float
    peak_largest_mb: float
    peak_largest_cmd: str
    ru_maxrss_mb: float
    max_processes: int
    peak_tree_at_seconds: float
    memory_timeline: list[tuple[float, int, int]]
    load_before: str
    load_after: str
    articles_loaded: int
    stages: dict[str, float]
    transform_stages: dict[str, float]
    counts: dict[str, Any] = field(default_factory=dict)
    stderr_tail: str = ""


def bench_one(
    n: int, workers: int, out: Path, env: dict[str, str], timeout: float | None
) -> Result:
    corpus = ensure_corpus(n, out / "corpora")
    warehouse = out / f"wh-{n}-w{workers}"
    measured, counts = run_pipeline(corpus, warehouse, workers, env, timeout)
    return Result(
        n=n,
        workers=workers,
        corpus=str(corpus),
        command=" ".join(measured.command),
        returncode=measured.returncode,
        timed_out=measured.timed_out,
        wall_seconds=round(measured.wall_seconds, 3),
        cpu_seconds=round(measured.cpu_seconds, 3),
        peak_tree_mb=round(measured.peak.tree_bytes / 2**20, 1),
        peak_largest_mb=round(measured.peak.largest_bytes / 2**20, 1),
        peak_largest_cmd=measured.peak.largest_cmd,
        ru_maxrss_mb=round(measured.ru_maxrss_bytes / 2**20, 1),
        max_processes=measured.peak.max_processes,
        peak_tree_at_seconds=measured.peak.tree_peak_at,
        memory_timeline=measured.peak.timeline,
        load_before=measured.load_before,
        load_after=measured.load_after,
        articles_loaded=int(counts.get("articles_loaded", 0)),
        stages={k: counts[f"seconds_{k}"] for k in STAGES if f"seconds_{k}" in counts},
        transform_stages={
            k: round(counts[f"seconds_{k}"], 3)
            for k in TRANSFORM_STAGES
            if f"seconds_{k}" in counts
        },
        counts=counts,
        stderr_tail="" if measured.returncode == 0 else measured.stderr_tail,
    )


def derive(
    result: dict[str, Any],
    warm_startup: float,
    baseline: dict[str, Any] | None,
    startup_cpu: float | None = None,
) -> None:
    """Throughput without the fixed start-up, per core, and against langdetect alone."""
    if not result["articles_loaded"]:
        return
    in_flow = sum(result["stages"].values())
    result["articles_per_second_in_flow"] = round(result["articles_loaded"] / in_flow, 2)
    seconds = result["wall_seconds"] - warm_startup
    if seconds <= 0:  # a run shorter than the start-up: no throughput to speak of
        return
    result["articles_per_second"] = round(result["articles_loaded"] / seconds, 2)
    result["articles_per_second_per_core"] = round(
        result["articles_per_second"] / result["workers"], 2
    )
    result["articles_per_cpu_second"] = round(result["articles_loaded"] / result["cpu_seconds"], 2)
    if startup_cpu is not None:
        result["articles_per_cpu_second_less_startup"] = round(
            result["articles_loaded"] / (result["cpu_seconds"] - startup_cpu), 2
        )
    if baseline:
        result["langdetect_articles_per_cpu_second"] = baseline["articles_per_cpu_second"]
        result["ratio_vs_langdetect_cpu"] = round(
            result.get("articles_per_cpu_second_less_startup", result["articles_per_cpu_second"])
            / baseline["articles_per_cpu_second"],
            3,
        )
        result["langdetect_articles_per_second"] = baseline["articles_per_second"]
        result["ratio_vs_langdetect_per_core"] = round(
            result["articles_per_second_per_core"] / baseline["articles_per_second"], 3
        )


# --- profile ---------------------------------------------------------------------------------


def corpus_raw_articles(folder: Path) -> list[Any]:
    """The articles of every readable file of ``folder`` (exact duplicates skipped), read as the
    flow reads them: what the transforms get."""
    from flows.extract import read_file, read_manifest, scan_folder
    from flows.settings import Settings
    from transforms.records import SourceHints

    max_bytes = Settings().max_file_bytes
    scans = [s for s in scan_folder(folder.resolve(), {}) if s.change == "new"]
    manifest = read_manifest(folder.resolve())
    seen: set[str] = set()
    raws: list[Any] = []
    for scan in scans:
        read = read_file(scan, manifest.hints.get(scan.path, SourceHints()), max_bytes=max_bytes)
        if read.failure or read.sha256 in seen:
            continue
        seen.add(read.sha256 or "")
        raws.extend(read.articles)
    return raws


def profile_listing(
    profiler: cProfile.Profile, path: Path, top: int, orders: tuple[str, ...]
) -> str:
    """Save ``profiler``'s stats to ``path``; its ``top`` lines in each sort order, as text."""
    profiler.dump_stats(str(path))
    buffer = io.StringIO()
    stats = pstats.Stats(str(path), stream=buffer)
    for order in orders:
        stats.sort_stats(order).print_stats(top)
    return buffer.getvalue()


def profile_transforms(n: int, out: Path, top: int = 15) -> str:
    """cProfile of ``process_articles`` over the articles of the first files of corpus N."""
    import datetime as dt

    from flows.news_etl import _read_csv
    from flows.settings import Settings
    from transforms.article import ArticleContext, process_articles
    from transforms.metadata import OutletDirectory
    from transforms.names import build_alias_index

    corpus = ensure_corpus(n, out / "corpora")
    settings = Settings()
    raws = corpus_raw_articles(corpus)
    # As load_reference_data builds it, on a fresh warehouse (no learned outlet chrome).
    alias_rows = _read_csv(settings.seeds_dir / "aliases.csv")
    context = ArticleContext(
        aliases=build_alias_index(alias_rows),
        outlets=OutletDirectory.from_rows(_read_csv(settings.seeds_dir / "outlets.csv")),
        today=dt.date.today(),
        outlet_chrome={},
    )
    process_articles(raws[:5], context)  # lazy models and caches loaded before the clock
    load = load_average()
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    processed = process_articles(raws, context)
    profiler.disable()
    wall = time.perf_counter() - started
    listing = profile_listing(profiler, out / "profile.out", top, ("cumulative",))
    stage_seconds = processed.stage_seconds
    header = (
        f"process_articles over {len(raws)} articles of {corpus} under cProfile: "
        f"{wall:.1f} s wall ({len(raws) / wall:.1f} articles/s), load {load}; "
        f"stage seconds {json.dumps({k: round(v, 2) for k, v in stage_seconds.items()})}\n"
    )
    text = header + listing
    (out / "profile-top.txt").write_text(text)
    return text


def profile_flow(n: int, out: Path, top: int = 30) -> str:
    """cProfile of the whole ``news_etl`` flow, in this process, on corpus N into a fresh
    warehouse (Prefect's temporary server runs in its own process, outside the profile)."""
    env = bench_env(out)
    os.environ["PREFECT_HOME"] = env["PREFECT_HOME"]
    from flows.news_etl import news_etl
    from flows.runtime import quiet_flow_run

    corpus = ensure_corpus(n, out / "corpora")
    warehouse = out / f"wh-profile-flow-{n}"
    shutil.rmtree(warehouse, ignore_errors=True)
    load = load_average()
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    with quiet_flow_run():
        summary = news_etl(raw_dir=str(corpus), warehouse_dir=str(warehouse))
    profiler.disable()
    wall = time.perf_counter() - started
    listing = profile_listing(profiler, out / "profile-flow.out", top, ("cumulative", "tottime"))
    text = (
        f"news_etl on {corpus} under cProfile: {wall:.1f} s wall, load {load}; "
        f"{json.dumps({k: v for k, v in summary.counts.items() if k.startswith('seconds_')})}\n"
        + listing
    )
    (out / "profile-flow.txt").write_text(text)
    return text


# --- main ------------------------------------------------------------------------------------


def bench_pairs(
    n: int,
    workers: int,
    pairs: int,
    out: Path,
    env: dict[str, str],
    timeout: float | None,
    startups: dict[str, Any],
) -> dict[str, Any]:
    """One worker and ``workers`` workers alternately, ``pairs`` times: each pair's speed-up,
    so that a drift in the machine's speed between runs hits both sides of a pair alike."""
    single = startups["1"]["warm_seconds"]
    own = startups[str(workers)]["warm_seconds"]
    rows = []
    for _ in range(pairs):
        one = bench_one(n, 1, out, env, timeout)
        many = bench_one(n, workers, out, env, timeout)
        if one.returncode or many.returncode:
            raise SystemExit(f"a run failed: {one.stderr_tail or many.stderr_tail}")
        articles = many.articles_loaded
        rows.append(
            {
                "one_worker_seconds": one.wall_seconds,
                "workers_seconds": many.wall_seconds,
                "speedup": round((one.wall_seconds - single) / (many.wall_seconds - own), 3),
                "speedup_single_startup": round(
                    (one.wall_seconds - single) / (many.wall_seconds - single), 3
                ),
                "articles": articles,
                "load": f"{one.load_before} -> {many.load_after}",
            }
        )
        print(f"  pair {len(rows)}: {json.dumps(rows[-1])}", flush=True)
    return {
        "n": n,
        "workers": workers,
        "startups_subtracted": {"1": single, str(workers): own},
        "pairs": rows,
        "median_speedup": statistics.median(r["speedup"] for r in rows),
        "median_speedup_single_startup": statistics.median(
            r["speedup_single_startup"] for r in rows
        ),
    }


def merge_json(path: Path, update: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
    results = {(r["n"], r["workers"]): r for r in data.get("results", [])}
    for r in update.pop("results", []):
        results[(r["n"], r["workers"])] = r
    data.update({k: v for k, v in update.items() if v is not None})
    baselines = data.get("baselines", {})
    data["baselines"] = baselines
    data["results"] = [results[k] for k in sorted(results)]
    single = data.get("startup", {})
    by_workers = data.get("startup_by_workers", {})
    for r in data["results"]:
        # Each run less its own configuration's start-up (with workers: the cluster's start too)
        # when that was measured, else less the single-process one.
        own = by_workers.get(str(r["workers"]), single)
        derive(
            r, own.get("warm_seconds", 0.0), baselines.get(str(r["n"])), own.get("warm_cpu_seconds")
        )
        r["startup_subtracted"] = {
            "workers": own.get("workers", 1),
            "seconds": own.get("warm_seconds"),
        }
    one = {r["n"]: r for r in data["results"] if r["workers"] == 1 and r.get("articles_per_second")}
    for r in data["results"]:
        if r["workers"] > 1 and r["n"] in one and r.get("articles_per_second"):
            r["speedup_vs_one_worker"] = round(
                r["articles_per_second"] / one[r["n"]]["articles_per_second"], 3
            )
            # The same, with only the single-process start-up taken off this run as well.
            less_single = r["wall_seconds"] - single.get("warm_seconds", 0.0)
            r["speedup_vs_one_worker_single_startup"] = round(
                r["articles_loaded"] / less_single / one[r["n"]]["articles_per_second"], 3
            )
            r["speedup_vs_one_worker_wall"] = round(
                one[r["n"]]["wall_seconds"] / r["wall_seconds"], 3
            )
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    return data


def print_table(data: dict[str, Any]) -> None:
    for workers, startup_data in sorted(data.get("startup_by_workers", {}).items()):
        print(
            f"start-up on seeds/articles, --workers {workers}: "
            f"cold {startup_data['cold_seconds']:.1f} s, "
            f"warm {startup_data['warm_seconds']:.1f} s; load {startup_data['load']}"
        )
    startup_data = data.get("startup", {})
    if startup_data:
        print(
            f"start-up on seeds/articles: cold {startup_data['cold_seconds']:.1f} s, "
            f"warm {startup_data['warm_seconds']:.1f} s "
            f"(in flow {startup_data['warm_in_flow_seconds']:.2f} s); "
            f"import prefect+great_expectations {startup_data['import_prefect_gx_median']:.1f} s; "
            f"load {startup_data['load']}"
        )
    header = (
        f"{'N':>7} {'W':>2} {'articles':>8} {'wall s':>8} {'cpu s':>8} {'art/s':>7} "
        f"{'/core':>7} {'ld/s':>6} {'ratio':>6} {'tree MB':>8} {'max MB':>7} "
        f"{'read':>6} {'process':>8} {'valid.':>7}  load avg"
    )
    print(header)
    for r in data["results"]:
        s = r["stages"]
        print(
            f"{r['n']:>7} {r['workers']:>2} {r['articles_loaded']:>8} {r['wall_seconds']:>8.1f} "
            f"{r['cpu_seconds']:>8.1f} {r.get('articles_per_second', 0):>7.1f} "
            f"{r.get('articles_per_second_per_core', 0):>7.1f} "
            f"{r.get('langdetect_articles_per_second', 0):>6.1f} "
            f"{r.get('ratio_vs_langdetect_per_core', 0):>6.2f} {r['peak_tree_mb']:>8.0f} "
            f"{r['peak_largest_mb']:>7.0f} {s.get('read', 0):>6.1f} {s.get('process', 0):>8.1f} "
            f"{s.get('validate', 0):>7.1f}  {r['load_before']}"
            + (
                f"  {r['speedup_vs_one_worker']:.2f}x one worker "
                f"({r['speedup_vs_one_worker_single_startup']:.2f}x less the one-process start-up)"
                if "speedup_vs_one_worker" in r
                else ""
            )
            + ("  TIMED OUT" if r["timed_out"] else "")
            + (f"  exit {r['returncode']}" if r["returncode"] else "")
        )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("n", type=int, nargs="*")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    parser.add_argument("--timeout", type=float, default=None, help="seconds per pipeline run")
    parser.add_argument("--no-startup", action="store_true", help="keep the start-up figures")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--baseline-articles", type=int, default=2_000)
    parser.add_argument(
        "--pairs",
        type=int,
        default=0,
        metavar="K",
        help="with --workers W > 1: alternate one worker and W workers K times per N",
    )
    parser.add_argument("--profile", type=int, default=None, metavar="N")
    parser.add_argument("--profile-flow", type=int, default=None, metavar="N")
    parser.add_argument("--svg", type=Path, default=ROOT / "docs" / "pipeline-scaling.svg")
    args = parser.parse_args()
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    if args.profile:
        print(profile_transforms(args.profile, out))
        return 0
    if args.profile_flow:
        print(profile_flow(args.profile_flow, out))
        return 0
    env = bench_env(out)
    path = out / "pipeline.json"
    existing = json.loads(path.read_text()) if path.exists() else {}
    update: dict[str, Any] = {"machine": {"cpus": os.cpu_count()}}
    if not args.no_startup:
        measured_startup = startup(out, env, args.workers)
        print(json.dumps(measured_startup, indent=1))
        update["startup_by_workers"] = {
            **existing.get("startup_by_workers", {}),
            str(args.workers): measured_startup,
        }
        if args.workers == 1:
            update["startup"] = measured_startup
    if args.pairs:
        if args.workers < 2:
            parser.error("--pairs compares one worker with --workers W > 1")
        startups = {
            **existing.get("startup_by_workers", {}),
            **update.get("startup_by_workers", {}),
        }
        startups.setdefault("1", existing.get("startup", {}))
        if not all(startups.get(w, {}).get("warm_seconds") for w in ("1", str(args.workers))):
            parser.error("measure both start-ups first (bench/pipeline.py [--workers W])")
        measured_pairs = {
            f"{n}-w{args.workers}": bench_pairs(
                n, args.workers, args.pairs, out, env, args.timeout, startups
            )
            for n in args.n
        }
        for key, paired in measured_pairs.items():
            print(
                f"{key}: median speed-up {paired['median_speedup']:.2f}x less each one's own "
                f"start-up, {paired['median_speedup_single_startup']:.2f}x less the "
                f"one-process start-up ({len(paired['pairs'])} pairs)"
            )
        merge_json(path, {**update, "pairs": {**existing.get("pairs", {}), **measured_pairs}})
        return 0
    baselines: dict[str, Any] = {}
    results = []
    for n in args.n:
        result = bench_one(n, args.workers, out, env, args.timeout)
        print(
            f"N={n} workers={args.workers}: {result.wall_seconds:.1f} s, "
            f"{result.articles_loaded} articles, peak tree {result.peak_tree_mb:.0f} MB, "
            f"exit {result.returncode}, load {result.load_before} -> {result.load_after}",
            flush=True,
        )
        if result.returncode and not result.timed_out:
            print(result.stderr_tail, file=sys.stderr)
        results.append(asdict(result))
        if not args.no_baseline:
            baselines[str(n)] = langdetect_baseline(Path(result.corpus), args.baseline_articles)
            print(f"  langdetect alone: {json.dumps(baselines[str(n)])}", flush=True)
    merged_baselines = {**existing.get("baselines", {}), **baselines}
    update["baselines"] = merged_baselines
    update["results"] = results
    data = merge_json(path, update)
    print_table(data)
    from plot import write_svg

    write_svg(data, args.svg)
    print(f"wrote {path} and {args.svg}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
