"""Every benchmark in one run, each figure with its ratio to a baseline measured in the same run.

    python tests/benchmarks/run.py [--quick] [--json tests/benchmarks/results.json] [--only NAME ...]

Runs the bench modules of this folder (their functions, not copies of them) and a whole campaign:

    import      100,000-row catalog: anjuan import vs csv.reader + sqlite3 into the same DDL
                (bench_import)                                           goal ≤ 2× baseline
    list        first paint of a 20,000-file case list (bench_ui) vs the first frame of a bare
                Textual app                                              goal ≤ 1 s
    answer      key press → new score on a 100-item standard, p95 (bench_ui) vs scoring.score_case
                alone                                                    goal p95 ≤ 50 ms
    merge       30 packages, 20,000 reviews × 40 answers (bench_merge) vs sqlite3 ATTACH +
                INSERT … SELECT, one run of each                         goal ≤ 3× baseline
    report      20,000 files in 200 agencies, every format, fresh process (bench_report) vs
                reading the same rows with sqlite3                       goal ≤ 10 s, ≤ 300 MB
    dashboard   lead dashboard fully loaded at 20,000 files (bench_dashboard) vs the first frame
                of a bare Textual app                                    goal ≤ 1 s
    campaign    the whole campaign: 100,000 catalog rows → 20,000 sampled files → 20 reviewers
                (packages filled in) → merge → report, each stage vs its plain-sqlite3 baseline

Inputs are generated once per run (the catalog CSV is shared by import and campaign; the reviewers'
packages are filled one process per core); set-up is logged and reported apart from the figures,
with each section's time. Prints a table and writes all figures to one JSON file. --quick uses a tenth of the sizes (a
smoke test, not the figures of the README). Exit status 1 when a goal is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import bench_dashboard  # noqa: E402
import bench_import  # noqa: E402
import bench_merge  # noqa: E402
import bench_report  # noqa: E402
import bench_ui  # noqa: E402


@dataclass
class Figure:
    name: str            # what was measured
    value: float         # the figure (seconds, or MB)
    unit: str
    baseline: float | None = None   # the baseline measured in this run, same unit
    baseline_name: str = ""
    goal: float | None = None       # upper bound on value (or on ratio when goal_on_ratio)
    goal_on_ratio: bool = False

    @property
    def ratio(self) -> float | None:
        return self.value / self.baseline if self.baseline else None

    @property
    def ok(self) -> bool | None:
        if self.goal is None:
            return None
        measured = self.ratio if self.goal_on_ratio else self.value
        return measured is not None and measured <= self.goal

    def row(self) -> str:
        base = f"{self.baseline:9.3f} {self.unit:<3}" if self.baseline is not None else " " * 13
        ratio = f"{self.ratio:6.2f}×" if self.ratio is not None else "       "
        goal = ""
        if self.goal is not None:
            goal = (f"≤ {self.goal:g}×" if self.goal_on_ratio else f"≤ {self.goal:g} {self.unit}")
            goal += "  达标" if self.ok else "  未达标"
        return f"{self.name:<44} {self.value:9.3f} {self.unit:<3} {base} {ratio}  {goal}"

    def to_json(self) -> dict:
        return asdict(self) | {"ratio": self.ratio, "ok": self.ok}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# Inputs generated once per run and shared by the benchmarks that read the same thing (the catalog
# CSV of the import benchmark is the whole campaign's catalog too). Set up by main().
SHARED: dict = {"dir": None}


def catalog_csv(rows: int, dest: Path) -> Path:
    """bench_import.make_csv(rows) at `dest`, generated once per run and copied after that."""
    key = f"catalog-{rows}.csv"
    cached = SHARED["dir"] / key if SHARED["dir"] is not None else None
    if cached is None or not cached.exists():
        bench_import.make_csv(dest, rows)
        if cached is not None:
            shutil.copy(dest, cached)
    else:
        shutil.copy(cached, dest)
    return dest


def setup_done(section: str, what: str, started: float) -> None:
    """Log a set-up step's time (not part of any figure) and count it for the section."""
    seconds = time.perf_counter() - started
    SHARED.setdefault("setup", {}).setdefault(section, 0.0)
    SHARED["setup"][section] += seconds
    log(f"[{section}] {what}：{seconds:.1f} s")


# ---------------------------------------------------------------------------------------------
# Baselines shared by several benchmarks


async def _bare_textual_frame() -> float:
    from textual.app import App
    from textual.widgets import Static

    painted: list[float] = []

    class Bare(App):
        def compose(self):
            yield Static("评查")

        def on_mount(self) -> None:
            self.call_after_refresh(lambda: painted.append(time.perf_counter()))

    start = time.perf_counter()
    app = Bare()
    async with app.run_test(size=(120, 40)) as pilot:
        while not painted:
            await asyncio.sleep(0.001)
        await pilot.pause()
    return painted[0] - start


def bare_textual_frame() -> float:
    return min(asyncio.run(_bare_textual_frame()) for _ in range(3))


# ---------------------------------------------------------------------------------------------
# The benchmarks


def run_import(work: Path, scale: float) -> list[Figure]:
    rows = int(100_000 * scale)
    t = time.perf_counter()
    csv_path = catalog_csv(rows, work / "catalog.csv")
    setup_done("import", f"生成 {rows:,} 行案卷目录", t)
    base, ours = [], []
    for i in range(3):
        base.append(bench_import.baseline(csv_path, work / f"base{i}.db"))
        ours.append(bench_import.anjuan_import(csv_path, work / f"anjuan{i}.db"))
    return [Figure(f"导入 {rows:,} 行案卷目录", statistics.median(ours), "s", statistics.median(base),
                   "csv.reader + sqlite3，同一表结构", bench_import.TARGET_RATIO, goal_on_ratio=True)]


def run_ui(work: Path, scale: float, bare: float) -> list[Figure]:
    files = int(20_000 * scale)
    big = work / "big.db"
    t = time.perf_counter()
    bench_ui.build(big, files)
    setup_done("ui", f"生成 {files:,} 卷的评查活动", t)
    paint = min(asyncio.run(bench_ui.first_paint(big))[0] for _ in range(3))
    std = work / "bench-100.toml"
    std.write_text(bench_ui.standard_text(100), encoding="utf-8")
    small = work / "small.db"
    bench_ui.build(small, 20, std)
    to_score, _paint, _saved, engine = asyncio.run(bench_ui.answer_times(small, 100))
    return [
        Figure(f"案卷列表首屏（{files:,} 卷）", paint, "s", bare, "空 Textual 应用首帧", bench_ui.FIRST_PAINT_GOAL),
        Figure("作答到得分更新 p95（100 项标准）", bench_ui.p95(to_score), "s", bench_ui.p95(engine),
               "scoring.score_case 本身 p95", bench_ui.SCORE_GOAL),
    ]


def run_merge(work: Path, scale: float) -> list[Figure]:
    """One baseline and one merge, each on a fresh copy of the campaign (bench_merge.py on its own
    takes the best of --repeat runs; here the whole campaign's merge is a second, larger sample)."""
    packages, reviews = max(2, int(30 * scale)), int(20_000 * scale)
    t = time.perf_counter()
    campaign, pkgs = bench_merge.build(work, packages, reviews, 40)
    setup_done("merge", f"生成 {packages} 个数据包", t)
    b, g = work / "mbase.db", work / "mmerge.db"
    shutil.copy(campaign, b)
    shutil.copy(campaign, g)
    base = bench_merge.baseline(b, pkgs)
    ours = bench_merge.run_merge(g, pkgs)
    counted = bench_merge.counts(b), bench_merge.counts(g)
    assert counted[0] == counted[1], counted
    return [Figure(f"合并 {packages} 个数据包（{reviews:,} 份评查 × 40 条）", ours, "s", base,
                   "sqlite3 ATTACH + INSERT … SELECT", 3.0, goal_on_ratio=True)]


_MEASURE = """
import json, sys, time
from datetime import date
from pathlib import Path
sys.path.insert(0, {root!r})
sys.path.insert(0, {bench!r})
from bench_report import rss_mb
from anjuan.db import open_database
from anjuan.lead.reporting import load_bulletin
from reports.build import FORMATS, build_reports
out = Path(sys.argv[2]); db_path = Path(sys.argv[1])
t0 = time.perf_counter()
db = open_database(db_path, read_only=True)
data = load_bulletin(db, date(2025, 1, 10))
db.close()
build_reports(data, out, list(FORMATS))
print(json.dumps({{"seconds": time.perf_counter() - t0,
                   "mb": rss_mb()}}))
"""


def report_in_fresh_process(db_path: Path, out: Path) -> tuple[float, float]:
    """anjuan report's work (read + every format), in a fresh process: (seconds, peak MB)."""
    proc = subprocess.run([sys.executable, "-c", _MEASURE.format(root=str(ROOT), bench=str(Path(__file__).resolve().parent)), str(db_path), str(out)],
                          capture_output=True, text=True, check=True)
    figures = json.loads(proc.stdout.strip().splitlines()[-1])
    return figures["seconds"], figures["mb"]


def plain_read(db_path: Path) -> float:
    """Baseline of a report: every review and answer row read with sqlite3, nothing else."""
    t = time.perf_counter()
    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    for table in ("case_file", "review", "answer"):
        con.execute(f"SELECT * FROM {table}").fetchall()
    con.close()
    return time.perf_counter() - t


def run_report(work: Path, scale: float) -> list[Figure]:
    files, agencies = int(20_000 * scale), max(2, int(200 * scale))
    db_path = work / "report.db"
    t = time.perf_counter()
    subprocess.run([sys.executable, bench_report.__file__, "--generate", str(db_path), "--files", str(files),
                    "--agencies", str(agencies)], check=True)
    setup_done("report", f"生成 {files:,} 卷的评查活动", t)
    seconds, mb = report_in_fresh_process(db_path, work / "通报")
    base = plain_read(db_path)
    return [
        Figure(f"通报（{files:,} 卷、{agencies} 个执法机关，全部格式）", seconds, "s", base,
               "sqlite3 读出全部案卷、评查、条目", 10.0),
        Figure("通报进程内存峰值", mb, "MB", None, "", 300.0),
    ]


def run_dashboard(work: Path, scale: float, bare: float) -> list[Figure]:
    files = int(20_000 * scale)
    path = work / "dashboard.db"
    t = time.perf_counter()
    bench_dashboard.build(path, files)
    setup_done("dashboard", f"生成 {files:,} 卷的评查活动", t)
    runs = [asyncio.run(bench_dashboard.dashboard_times(path)) for _ in range(2)]
    services = dict(bench_dashboard.service_times(path))
    agreement = next(v for k, v in services.items() if k.startswith("conflicts.agreement_summary"))
    return [
        Figure(f"组长总览首屏（{files:,} 卷）", min(r[0] for r in runs), "s", bare, "空 Textual 应用首帧",
               bench_dashboard.FIRST_PAINT_GOAL),
        Figure(f"组长总览全部面板读完（{files:,} 卷）", min(r[2] for r in runs), "s", bare, "空 Textual 应用首帧", 1.0),
        Figure("  其中：双人评查一致性统计", agreement, "s", None, "", None),
    ]


# ---------------------------------------------------------------------------------------------
# The whole campaign


def _fill_packages(packages: list[Path], seed: int = 7) -> None:
    """Each reviewer answers every applicable item of every file and submits (bench_merge.answer_all:
    answer and history rows as an answers import writes them, hash chain, revision, heads, seal;
    scores from scoring.score_case). The merge then checks all of it, as it would any package."""
    bench_merge.in_parallel([(bench_merge.answer_all, (out, f"campaign-{seed}-{n}")) for n, out in enumerate(packages)])


def run_campaign(work: Path, scale: float) -> list[Figure]:
    from anjuan.campaign import init_campaign
    from anjuan.db import open_database
    from anjuan.lead.merge import merge
    from anjuan.prepare.assignment import assign
    from anjuan.prepare.catalog_import import import_catalogs
    from anjuan.prepare.reviewers import add_reviewer
    from anjuan.prepare.sampling import draw_sample
    from anjuan.review.pack import pack

    rows, reviewers = int(100_000 * scale), 20
    t0 = time.perf_counter()
    csv_path = catalog_csv(rows, work / "全市案卷目录.csv")
    setup_done("campaign", f"生成 {rows:,} 行案卷目录", t0)
    campaign = work / "评查活动.db"
    figures: list[Figure] = []

    t = time.perf_counter()
    db = init_campaign(campaign, "全市行政执法案卷评查（基准测试）")
    report = import_catalogs(db, [csv_path])
    t_import = time.perf_counter() - t
    base_import = bench_import.baseline(csv_path, work / "campaign-base.db")
    figures.append(Figure(f"全流程 1 导入 {report.total_rows:,} 行", t_import, "s", base_import,
                          "csv.reader + sqlite3", bench_import.TARGET_RATIO, goal_on_ratio=True))

    t = time.perf_counter()
    sample = draw_sample(db, "20241201", 0.2)
    names = [f"评查员{k:02d}" for k in range(1, reviewers + 1)]
    for name in names:
        add_reviewer(db, name, "某律师事务所")
    assign(db, "20241201")
    packages = []
    for name in names:
        out = work / f"{name}.db"
        pack(db, name, out)
        packages.append(out)
    db.close()
    sampled = sum(len(a.drawn) for a in sample.agencies)
    figures.append(Figure(f"全流程 2 抽样 {sampled:,} 卷、分配并打包 {reviewers} 人", time.perf_counter() - t, "s"))

    t0 = time.perf_counter()
    _fill_packages(packages)  # the reviewers' work: set-up, not timed
    setup_done("campaign", f"{reviewers} 名评查人员作答并提交", t0)

    base_copy = work / "campaign-merge-base.db"
    shutil.copy(campaign, base_copy)
    base_merge = bench_merge.baseline(base_copy, packages)
    t = time.perf_counter()
    db = open_database(campaign)
    result = merge(db, [str(p) for p in packages])
    db.close()
    t_merge = time.perf_counter() - t
    assert not result.skipped, [p.error for p in result.skipped]
    figures.append(Figure(f"全流程 3 合并 {reviewers} 个数据包", t_merge, "s", base_merge,
                          "sqlite3 ATTACH + INSERT … SELECT", 3.0, goal_on_ratio=True))

    seconds, mb = report_in_fresh_process(campaign, work / "全流程通报")
    figures.append(Figure(f"全流程 4 出具通报（{sampled:,} 卷）", seconds, "s", plain_read(campaign),
                          "sqlite3 读出全部案卷、评查、条目", 10.0))
    figures.append(Figure("全流程 4 通报进程内存峰值", mb, "MB", None, "", 300.0))
    total = t_import + figures[1].value + t_merge + seconds
    figures.append(Figure("全流程合计（不含评查人员作答）", total, "s", base_import + base_merge + figures[-2].baseline,
                          "各步基准之和"))
    return figures


# ---------------------------------------------------------------------------------------------


BENCHMARKS = ("import", "ui", "merge", "report", "dashboard", "campaign")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a tenth of the sizes (smoke test)")
    ap.add_argument("--json", type=Path, default=HERE / "results.json", help="where to write the figures")
    ap.add_argument("--only", nargs="*", choices=BENCHMARKS, help="run only these")
    args = ap.parse_args()
    scale = 0.1 if args.quick else 1.0
    wanted = args.only or list(BENCHMARKS)
    started = time.perf_counter()
    figures: list[Figure] = []
    sections: dict[str, float] = {}
    bare = bare_textual_frame() if {"ui", "dashboard"} & set(wanted) else 0.0
    SHARED["dir"] = Path(tempfile.mkdtemp(prefix="anjuan-bench-shared-"))
    SHARED["setup"] = {}
    for name in wanted:
        work = Path(tempfile.mkdtemp(prefix=f"anjuan-bench-{name}-"))
        t = time.perf_counter()
        log(f"[{name}] …")
        try:
            if name == "import":
                figures += run_import(work, scale)
            elif name == "ui":
                figures += run_ui(work, scale, bare)
            elif name == "merge":
                figures += run_merge(work, scale)
            elif name == "report":
                figures += run_report(work, scale)
            elif name == "dashboard":
                figures += run_dashboard(work, scale, bare)
            elif name == "campaign":
                figures += run_campaign(work, scale)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        sections[name] = time.perf_counter() - t
        log(f"[{name}] {sections[name]:.0f} s")
    shutil.rmtree(SHARED["dir"], ignore_errors=True)
    elapsed = time.perf_counter() - started

    print(f"{'项目':<44} {'结果':>13} {'基准（同次运行）':>13} {'比值':>7}  目标")
    for f in figures:
        print(f.row())
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    setup = SHARED["setup"]
    print("各部分用时：" + "；".join(
        f"{name} {sec:.0f} s" + (f"（其中准备数据 {setup[name]:.0f} s）" if setup.get(name) else "")
        for name, sec in sections.items()))
    spent = os.times()
    cpu = spent.user + spent.system + spent.children_user + spent.children_system
    print(f"共用时 {elapsed:.0f} s（本进程及其子进程 CPU 用时 {cpu:.0f} s）；{os.cpu_count()} 核；结束时负载 {load:.1f}；Python {platform.python_version()}；"
          f"SQLite {sqlite3.sqlite_version}{'；--quick（十分之一规模）' if args.quick else ''}")
    if load is not None and os.cpu_count() and load > os.cpu_count():
        print("注意：机器负载高于核数，其他程序占用了 CPU，以上用时偏长；比值（与同次运行的基准相比）受影响较小。")
    args.json.write_text(json.dumps({
        "when": time.strftime("%Y-%m-%d %H:%M:%S"), "seconds": elapsed, "cpu_seconds": round(cpu, 1),
        "quick": args.quick,
        "cpus": os.cpu_count(), "load": load, "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
        "machine": platform.machine(), "sections": {name: round(sec, 1) for name, sec in sections.items()},
        "setup": {name: round(sec, 1) for name, sec in setup.items()}, "figures": [f.to_json() for f in figures],
    }, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"已写入 {args.json}")
    return 0 if all(f.ok is not False for f in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
