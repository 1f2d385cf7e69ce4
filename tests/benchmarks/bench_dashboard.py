"""The lead's dashboard on a campaign of 20,000 files: first paint and time until fully loaded.

    python tests/benchmarks/bench_dashboard.py [--files 20000] [--repeat 3] [--keep FOLDER]

Builds a campaign (built-in standard) of 20,000 sampled files in 40 agencies, assigned to eight
reviewers, a fifth of them to two; about 70% of the assignments are submitted with an answer for
every applicable item, and a share of the double-reviewed files disagree (the 合议 queue).
Then opens `anjuan review` as the lead, headless at 120×40, and measures from before make_app:
- first paint: the dashboard has drawn its skeleton (goal ≤ 1 s);
- agency rows: the progress table has drawn its first row (the first part the worker reads);
- loaded: every panel (progress, scores, 合议 queue, merge log, agreement) is filled in;
- each panel: when its part was read and handed to the screen (进度, 待合议与得分, 合并记录,
  自查复查, 整改, 一致性).
Also prints how long each service call the dashboard makes takes on its own.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from anjuan import models as m  # noqa: E402
from anjuan.campaign import campaign_info, init_campaign  # noqa: E402

FIRST_PAINT_GOAL = 1.0
KINDS = ("行政处罚", "行政处罚", "行政处罚", "行政许可", "行政强制", "行政检查")
REVIEWERS = ("王敏", "陈立新", "刘建国", "林秀英", "黄志强", "吴丽娟", "郑国栋", "谢雅琴")
LEAD = "李卫东"
PANELS = {"StatusRead": "进度", "OutcomesRead": "待合议与得分", "MergesRead": "合并记录", "RoundsRead": "自查复查",
          "LedgerRead": "整改", "AgreementRead": "一致性"}
panel_times: dict[str, float] = {}
"""Seconds from before make_app until each panel's part was read (the last dashboard_times run)."""


def build(path: Path, files: int, seed: int = 7) -> None:
    """A campaign of `files` sampled files with reviews, double reviews and conflicts."""
    db = init_campaign(path, "2024年度行政执法案卷评查（基准测试）", 2024, "测试县司法局")
    std = campaign_info(db).standard
    rng = random.Random(seed)
    stamp = m.now()
    agencies = [{"id": m.new_id(), "name": f"测试县第{i + 1}执法局", "created_at": stamp} for i in range(40)]
    people = [{"id": m.new_id(), "name": name, "agency_id": None, "unit": "测试县司法局",
               "role": m.ROLE_REVIEWER, "created_at": stamp} for name in REVIEWERS]
    people.append({"id": m.new_id(), "name": LEAD, "agency_id": None, "unit": "测试县司法局", "role": m.ROLE_LEAD,
                   "created_at": stamp})
    batch = m.new_id()
    cases, sampled, assigned, reviews, answers = [], [], [], [], []
    for i in range(files):
        cid = m.new_id()
        kind = KINDS[i % len(KINDS)]
        cases.append({"id": cid, "agency_id": agencies[i % 40]["id"], "case_no": f"测罚〔2024〕{i + 1}号",
                      "title": f"某某商贸有限公司违法经营案{i}", "party": f"当事人{i}", "kind": kind,
                      "decided_on": "2024-05-01", "officers": "张三、李四", "source_file": "", "source_row": None,
                      "extra": "{}", "import_id": None})
        sampled.append({"case_id": cid, "batch_id": batch, "position": i})
        double = rng.random() < 0.2
        first = rng.randrange(len(REVIEWERS))
        team = [first, (first + 1 + rng.randrange(len(REVIEWERS) - 1)) % len(REVIEWERS)] if double else [first]
        harsh = double and rng.random() < 0.25  # the second reviewer finds much more wrong: a conflict
        for slot, who in enumerate(team, 1):
            rid = people[who]["id"]
            assigned.append({"id": m.new_id(), "case_id": cid, "reviewer_id": rid, "slot": slot, "seed": "bench",
                             "assigned_at": stamp})
            if rng.random() > 0.7:
                continue
            review_id = m.new_id()
            lost = 0.0
            for item in std.items_for(kind):
                ded = 0.0
                rate = 0.35 if harsh and slot == 2 else 0.05
                if item.deductions and item.points > 0 and rng.random() < rate:
                    ded = min(item.points, item.deductions[0].points)
                lost += ded
                answers.append({"id": m.new_id(), "review_id": review_id, "item_id": item.id,
                                "verdict": "扣分" if ded else "符合", "deducted": ded, "option": 1 if ded else None,
                                "occurrences": 1, "note": item.deductions[0].text if ded else "",
                                "page_ref": "第3页" if ded else "", "updated_at": stamp})
            score = round(100.0 - lost, 2)
            reviews.append({"id": review_id, "case_id": cid, "reviewer_id": rid, "is_final": False,
                            "status": m.STATUS_SUBMITTED, "revision": 2, "score": score, "grade": std.grade_for(score),
                            "vetoed": False, "note": "", "created_at": stamp, "updated_at": stamp, "submitted_at": stamp})
    with db.session() as s:
        s.execute(insert(m.Agency.__table__), agencies)
        s.execute(insert(m.Reviewer.__table__), people)
        s.execute(insert(m.SamplingBatch.__table__), [{"id": batch, "created_at": stamp, "seed": "bench",
                                                       "params": "{}", "algorithm": ""}])
        s.execute(insert(m.CaseFile.__table__), cases)
        s.execute(insert(m.SampledCase.__table__), sampled)
        s.execute(insert(m.Assignment.__table__), assigned)
        s.execute(insert(m.Review.__table__), reviews)
        for n in range(0, len(answers), 50_000):
            s.execute(insert(m.Answer.__table__), answers[n:n + 50_000])
        s.execute(insert(m.MergeLog.__table__), [
            {"id": m.new_id(), "package_file": f"{name}.db", "checksum": f"{k:064d}", "reviewer_id": people[k]["id"],
             "merged_at": stamp, "summary": '{"answers": 0, "conflicts": 0, "history": 0, "reviews": {"new": 0}}'}
            for k, name in enumerate(REVIEWERS)])
    db.close()


async def dashboard_times(path: Path) -> tuple[float, float, float]:
    """(first paint, agency rows painted, fully loaded) in seconds, from before make_app."""
    from anjuan.ui.app import make_app
    from anjuan.ui.screens.dashboard import DashboardScreen
    from anjuan.ui.widgets.grid_list import GridList

    painted: list[float] = []
    rows: list[float] = []
    original_refresh, original_line = DashboardScreen._compositor_refresh, GridList.render_line
    original_post = DashboardScreen.post_message
    panel_times.clear()

    def posted(self, message):
        name = type(message).__name__
        if name in PANELS and name not in panel_times:
            panel_times[name] = time.perf_counter() - start
        return original_post(self, message)

    def refreshed(self):
        result = original_refresh(self)
        if not painted and self.is_current:
            painted.append(time.perf_counter())
        return result

    def render_line(self, y):
        if not rows and self.id == "agencies" and self.rows and y >= self.header_lines:
            rows.append(time.perf_counter())
        return original_line(self, y)

    start = time.perf_counter()  # set again just before make_app
    DashboardScreen._compositor_refresh = refreshed  # type: ignore[method-assign]
    DashboardScreen.post_message = posted  # type: ignore[method-assign]
    GridList.render_line = render_line  # type: ignore[method-assign]
    try:
        start = time.perf_counter()
        app = make_app(str(path), LEAD)
        async with app.run_test(size=(120, 40)) as pilot:
            while not (painted and rows):
                await asyncio.sleep(0.001)
            screen = app.screen
            assert isinstance(screen, DashboardScreen), screen
            while not screen.loaded:
                await asyncio.sleep(0.005)
            loaded = time.perf_counter()
            await app.workers.wait_for_complete()
            await pilot.pause()
        app.session.db.close()
        return painted[0] - start, rows[0] - start, loaded - start
    finally:
        DashboardScreen._compositor_refresh = original_refresh  # type: ignore[method-assign]
        DashboardScreen.post_message = original_post  # type: ignore[method-assign]
        GridList.render_line = original_line  # type: ignore[method-assign]


def service_times(path: Path) -> list[tuple[str, float]]:
    from anjuan.db import open_database
    from anjuan.lead.conflicts import agreement_summary
    from anjuan.lead.dashboard import conflict_queue, final_scores, merge_history
    from anjuan.lead.finals import campaign_rows, file_outcomes
    from anjuan.lead.status import campaign_status

    db = open_database(str(path))
    out = []
    try:
        # As the dashboard calls them: the rows read once, the outcomes worked out once.
        rows = campaign_rows(db, vetoes=False)
        outcomes = file_outcomes(db, rows=rows)
        for label, call in (("finals.campaign_rows", lambda: campaign_rows(db, vetoes=False)),
                            ("status.campaign_status", lambda: campaign_status(db, rows=rows, finals=False)),
                            ("finals.file_outcomes", lambda: file_outcomes(db, rows=rows)),
                            ("lead.conflict_queue", lambda: conflict_queue(db, outcomes)),
                            ("lead.final_scores", lambda: final_scores(db, outcomes, rows)),
                            ("lead.merge_history", lambda: merge_history(db)),
                            ("conflicts.agreement_summary", lambda: agreement_summary(db))):
            t = time.perf_counter()
            result = call()
            size = f"（{len(result)} 条）" if isinstance(result, (list, dict)) and label != "conflicts.agreement_summary" else ""
            out.append((label + size, time.perf_counter() - t))
    finally:
        db.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="build (or reuse) the campaign in this folder and keep it")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench_dashboard_"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        path = folder / "评查活动.db"
        if not path.exists():
            t = time.perf_counter()
            build(path, args.files)
            print(f"建库：{args.files} 卷，用时 {time.perf_counter() - t:.1f} s")
        for label, seconds in service_times(path):
            print(f"  {label}：{seconds * 1000:.0f} ms")
        runs, panels = [], []
        for _ in range(args.repeat):
            runs.append(asyncio.run(dashboard_times(path)))
            panels.append(dict(panel_times))

        def span(n: int) -> str:
            return f"最好 {min(r[n] for r in runs) * 1000:.0f} ms，最差 {max(r[n] for r in runs) * 1000:.0f} ms"

        ok = "达标" if max(r[0] for r in runs) <= FIRST_PAINT_GOAL else "未达标"
        print(f"组长总览首屏（骨架）：{span(0)}（目标 ≤ {FIRST_PAINT_GOAL * 1000:.0f} ms）— {ok}")
        print(f"各执法机关进度行绘出：{span(1)}")
        print(f"全部面板读完（含待合议、合并记录、一致性）：{span(2)}")
        for key, label in PANELS.items():
            got = [p[key] for p in panels if key in p]
            if got:
                print(f"  {label}读出：最好 {min(got) * 1000:.0f} ms，最差 {max(got) * 1000:.0f} ms")
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
