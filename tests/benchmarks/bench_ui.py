"""Workbench speed: first paint of a 20,000-file case list, and answer-to-score time.

    python tests/benchmarks/bench_ui.py [--files 20000] [--answers 100] [--repeat 3]

1. First paint: a campaign database with 20,000 files assigned to one reviewer. Measured from
   before make_app (opening the database) until the case table has drawn its first row, headless.
   Goal: ≤ 1 s.
2. Answer-to-score: a standard of 100 items that all apply. The reviewer opens a file and answers
   items with space / 1 / n; measured from the key press until the score panel holds the new
   score (the rescoring with scoring.score_case plus the widget updates). Goal: p95 ≤ 50 ms.
   Printed for information: until the panel is redrawn (the next frame), and until the service
   reported the answer saved (已保存).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from anjuan import models as m  # noqa: E402
from anjuan.campaign import init_campaign  # noqa: E402

FIRST_PAINT_GOAL = 1.0
SCORE_GOAL = 0.050
KINDS = ("行政处罚", "行政许可", "行政强制", "行政检查")
CATEGORIES = (("subject", "主体适格"), ("procedure", "程序"), ("discretion", "裁量"), ("documents", "文书"))


def standard_text(items: int) -> str:
    """A valid standard with `items` items (all applying to every 案件类别) worth 100 points."""
    per_cat = items // len(CATEGORIES)
    lines = ['schema = 1', 'id = "bench-100"', 'name = "基准测试标准"', 'version = "1"',
             'description = "bench"', 'not_applicable = "exclude"', 'veto_score = "zero"',
             f'kinds = [{", ".join(repr(k).replace(chr(39), chr(34)) for k in KINDS)}]']
    for name, low in (("优秀", 90), ("合格", 60), ("不合格", 0)):
        lines += ["[[bands]]", f'name = "{name}"', f"min = {low}"]
    n = 0
    for c, (cid, cname) in enumerate(CATEGORIES):
        count = per_cat if c < len(CATEGORIES) - 1 else items - per_cat * (len(CATEGORIES) - 1)
        lines += ["[[categories]]", f'id = "{cid}"', f'name = "{cname}"', f"points = {25}"]
        base = 25 / count
        for i in range(count):
            n += 1
            pts = round(base, 2) if i < count - 1 else round(25 - round(base, 2) * (count - 1), 2)
            lines += ["[[categories.items]]", f'id = "B-{n:03d}"', f'text = "评查项目{n}：执法文书要素齐全、内容规范"',
                      f"points = {pts}", 'basis = "《中华人民共和国行政处罚法》第五十九条"', 'guide = "逐项核对。"']
            lines += ["[[categories.items.deductions]]", f'text = "第{n}项每处缺失"', f"points = {round(pts / 4, 2)}",
                      "per_occurrence = true"]
    return "\n".join(lines) + "\n"


def build(path: Path, files: int, standard: Path | None = None) -> None:
    """A campaign with `files` case files all assigned to 王敏."""
    db = init_campaign(path, "2024年度行政执法案卷评查（基准测试）", 2024, "测试县司法局", standard)
    rng = random.Random(7)
    with db.session() as s:
        agencies = [{"id": m.new_id(), "name": f"测试县第{i + 1}执法局", "created_at": m.now()} for i in range(40)]
        s.execute(insert(m.Agency.__table__), agencies)
        rid = m.new_id()
        s.execute(insert(m.Reviewer.__table__), [{"id": rid, "name": "王敏", "agency_id": None, "unit": "测试县司法局",
                                                  "role": m.ROLE_REVIEWER, "created_at": m.now()}])
        batch = m.new_id()
        s.execute(insert(m.SamplingBatch.__table__), [{"id": batch, "created_at": m.now(), "seed": "bench",
                                                       "params": "{}", "algorithm": ""}])
        cases, sampled, assigned = [], [], []
        for i in range(files):
            cid = m.new_id()
            kind = KINDS[i % len(KINDS)]
            cases.append({"id": cid, "agency_id": agencies[i % 40]["id"], "case_no": f"测罚〔2024〕{i + 1}号",
                          "title": f"某某{rng.choice('鑫顺恒福兴盛')}商贸有限公司违法经营案{i}", "party": f"当事人{i}",
                          "kind": kind, "decided_on": "2024-05-01", "officers": "张三、李四", "source_file": "",
                          "source_row": None, "extra": "{}", "import_id": None})
            sampled.append({"case_id": cid, "batch_id": batch, "position": i})
            assigned.append({"id": m.new_id(), "case_id": cid, "reviewer_id": rid, "slot": 1, "seed": "",
                             "assigned_at": m.now()})
        s.execute(insert(m.CaseFile.__table__), cases)
        s.execute(insert(m.SampledCase.__table__), sampled)
        s.execute(insert(m.Assignment.__table__), assigned)
    db.close()


async def first_paint(path: Path) -> tuple[float, int]:
    from anjuan.ui.app import make_app
    from anjuan.ui.widgets.case_table import CaseTable

    painted: list[float] = []
    original = CaseTable.render_line

    def render_line(self, y):
        if self.rows and not painted and y >= self.header_lines:
            painted.append(time.perf_counter())
        return original(self, y)

    CaseTable.render_line = render_line  # type: ignore[method-assign]
    try:
        start = time.perf_counter()
        app = make_app(str(path), "王敏")
        async with app.run_test(size=(120, 40)) as pilot:
            while not painted:
                await asyncio.sleep(0.001)
            rows = len(app.screen.query_one(CaseTable).rows)
            await pilot.pause()
        app.session.db.close()
        return painted[0] - start, rows
    finally:
        CaseTable.render_line = original  # type: ignore[method-assign]


async def answer_times(path: Path, answers: int) -> tuple[list[float], list[float], list[float], list[float]]:
    from anjuan.ui.app import make_app
    from anjuan.ui.screens.scoring import ScoringScreen
    from anjuan.ui.widgets.score_panel import ScorePanel
    from anjuan.ui.writer import Writer
    from scoring import score_case

    shown: list[float] = []
    painted: list[float] = []
    original, original_lines = ScorePanel.show, ScorePanel.render_lines

    def show(self, *args, **kwargs):
        original(self, *args, **kwargs)
        shown.append(time.perf_counter())

    def render_lines(self, crop):
        painted.append(time.perf_counter())
        return original_lines(self, crop)

    saved: list[float] = []
    original_finished = Writer.finished

    def finished(self, message):
        original_finished(self, message)
        saved.append(time.perf_counter())

    ScorePanel.show = show  # type: ignore[method-assign]
    ScorePanel.render_lines = render_lines  # type: ignore[method-assign]
    Writer.finished = finished  # type: ignore[method-assign]
    to_score, to_paint, to_saved, engine = [], [], [], []
    try:
        app = make_app(str(path), "王敏")
        async with app.run_test(size=(120, 40)) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            await pilot.press("enter")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, ScoringScreen)
            keys = ("space", "1", "n")
            for n in range(answers):
                if n and n % 90 == 0:
                    await pilot.press("home")
                shown.clear()
                painted.clear()
                saved.clear()
                start = time.perf_counter()
                await pilot.press(keys[n % len(keys)])
                if shown:
                    to_score.append(shown[0] - start)
                if painted:
                    to_paint.append(painted[0] - start)
                await app.writer.wait_idle()
                to_saved.append(saved[-1] - start)
                inputs = [a.as_input() for a in screen.answers.values()]
                t = time.perf_counter()
                score_case(screen.session.standard, screen.detail.kind, inputs)
                engine.append(time.perf_counter() - t)
            await app.workers.wait_for_complete()
        app.session.db.close()
    finally:
        ScorePanel.show = original  # type: ignore[method-assign]
        ScorePanel.render_lines = original_lines  # type: ignore[method-assign]
        Writer.finished = original_finished  # type: ignore[method-assign]
    return to_score, to_paint, to_saved, engine


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 2 else values[0]


def verdict(ok: bool) -> str:
    return "达标" if ok else "未达标"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=20_000)
    parser.add_argument("--answers", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t = time.perf_counter()
        big = folder / "big.db"
        build(big, args.files)
        print(f"建库：{args.files} 卷，用时 {time.perf_counter() - t:.1f} s")
        paints = []
        for _ in range(args.repeat):
            seconds, rows = asyncio.run(first_paint(big))
            paints.append(seconds)
        best, worst = min(paints), max(paints)
        print(f"首屏：{rows} 卷案卷列表，首次绘出行 最好 {best * 1000:.0f} ms，最差 {worst * 1000:.0f} ms"
              f"（目标 ≤ {FIRST_PAINT_GOAL * 1000:.0f} ms）— {verdict(worst <= FIRST_PAINT_GOAL)}")

        std_path = folder / "bench-100.toml"
        std_path.write_text(standard_text(100), encoding="utf-8")
        small = folder / "small.db"
        build(small, 20, std_path)
        to_score, to_paint, to_saved, engine = asyncio.run(answer_times(small, args.answers))
        print(f"评分更新：100 项标准，{len(to_score)} 次作答，按键到得分面板更新 p95 {p95(to_score) * 1000:.1f} ms，"
              f"中位数 {statistics.median(to_score) * 1000:.1f} ms（目标 p95 ≤ {SCORE_GOAL * 1000:.0f} ms）— "
              f"{verdict(p95(to_score) <= SCORE_GOAL)}")
        print(f"  按键到得分面板在屏幕上重绘（含等待下一帧）p95 {p95(to_paint) * 1000:.1f} ms；"
              f"scoring.score_case 本身 p95 {p95(engine) * 1000:.2f} ms；"
              f"按键到“已保存”（服务层提交返回）p95 {p95(to_saved) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
