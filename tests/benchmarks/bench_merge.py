"""Benchmark: `anjuan merge` against a raw sqlite3 ATTACH + INSERT … SELECT of the same rows.

    /work/venv/bin/python tests/benchmarks/bench_merge.py [--packages 30] [--reviews 20000] [--answers 40]

Builds a campaign (built-in standard) with one file per review, 30 reviewers and their packages
(anjuan.review.pack), then fills the packages directly with SQLAlchemy Core inserts: 20,000 submitted
reviews in all, 40 answers each and one history row per answer plus a submit row, hash-chained and
sealed as anjuan seals a package (so the merge's row-by-row integrity checks all run and pass). Then, each on a
fresh copy of the campaign:
- baseline: plain sqlite3, per package ATTACH, BEGIN, INSERT INTO t SELECT * FROM pkg.t for review,
  answer and answer_history, COMMIT, DETACH;
- merge: anjuan.lead.merge.merge() (all its checks, newer-revision-wins, merge_log), one transaction.
Prints both times and the ratio (best of --repeat runs each); exits 1 if the ratio exceeds --limit (3).

PostgreSQL (unless --no-postgres): the same campaign copied into a fresh database of a throwaway
server (tests/pgserver.py, or ANJUAN_TEST_PG) and the same packages merged into it; prints its
time and the ratio to the SQLite merge of the same run; exits 1 if that exceeds --pg-limit (2).
Under CI=true a server that cannot be started is an error, otherwise it is reported and skipped.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from anjuan import models as m  # noqa: E402
from anjuan.campaign import campaign_info, init_campaign  # noqa: E402
from anjuan.db import open_database  # noqa: E402
from anjuan.integrity import chain  # noqa: E402
from anjuan.integrity.seal import seal  # noqa: E402
from anjuan.lead.merge import merge  # noqa: E402
from anjuan.review.pack import pack  # noqa: E402

KIND = "行政处罚"


def build(folder: Path, n_packages: int, n_reviews: int, n_answers: int) -> tuple[Path, list[Path]]:
    campaign = folder / "campaign.db"
    db = init_campaign(campaign, "2024年度行政执法案卷评查（基准测试）")
    std = campaign_info(db).standard
    items = [i.id for i in std.items_for(KIND)][:n_answers]
    items += [f"X-{k:02d}" for k in range(n_answers - len(items))]
    reviewers = [{"id": m.new_id(), "name": f"评查员{k:02d}", "agency_id": None, "unit": "某律师事务所",
                  "role": m.ROLE_REVIEWER, "created_at": m.now()} for k in range(n_packages)]
    agencies = [{"id": m.new_id(), "name": f"县第{k:02d}执法局", "created_at": m.now()} for k in range(20)]
    batch = m.new_id()
    files, sampled, assignments = [], [], []
    for k in range(n_reviews):
        cid = m.new_id()
        files.append({"id": cid, "agency_id": agencies[k % 20]["id"], "case_no": f"罚〔2024〕{k + 1}号", "title": f"案{k}",
                      "party": "某公司", "kind": KIND, "decided_on": "2024-03-01", "officers": "甲、乙", "source_file": "",
                      "source_row": None, "extra": "{}", "import_id": None})
        sampled.append({"case_id": cid, "batch_id": batch, "position": k})
        assignments.append({"id": m.new_id(), "case_id": cid, "reviewer_id": reviewers[k % n_packages]["id"], "slot": 1,
                            "seed": "bench", "assigned_at": m.now()})
    with db.session() as s:
        s.execute(insert(m.Agency.__table__), agencies)
        s.execute(insert(m.Reviewer.__table__), reviewers)
        s.execute(insert(m.CaseFile.__table__), files)
        s.execute(insert(m.SamplingBatch.__table__), [{"id": batch, "created_at": m.now(), "seed": "bench", "params": "{}",
                                                        "algorithm": ""}])
        s.execute(insert(m.SampledCase.__table__), sampled)
        s.execute(insert(m.Assignment.__table__), assignments)
    packages = []
    for r in reviewers:
        out = folder / f"{r['name']}.db"
        pack(db, r["name"], out)
        packages.append(out)
    db.close()

    by_reviewer: dict[str, list[str]] = {}
    for a in assignments:
        by_reviewer.setdefault(a["reviewer_id"], []).append(a["case_id"])
    new = json.dumps({"verdict": "符合", "deducted": 0.0, "option": None, "occurrences": 1, "note": "", "page_ref": ""})
    for r, out in zip(reviewers, packages, strict=True):
        reviews, answers, history = [], [], []
        for cid in by_reviewer[r["id"]]:
            rid, stamp = m.new_id(), m.now()
            reviews.append({"id": rid, "case_id": cid, "reviewer_id": r["id"], "is_final": False, "status": m.STATUS_SUBMITTED,
                            "revision": n_answers + 1, "score": 100.0, "grade": "优秀", "vetoed": False, "note": "",
                            "created_at": stamp, "updated_at": stamp, "submitted_at": stamp})
            for item in items:
                answers.append({"id": m.new_id(), "review_id": rid, "item_id": item, "verdict": "符合", "deducted": 0.0,
                                "option": None, "occurrences": 1, "note": "", "page_ref": "", "updated_at": stamp})
                history.append({"id": m.new_id(), "review_id": rid, "item_id": item, "actor_id": r["id"], "at": stamp,
                                "action": "answer", "old": None, "new": new, "reason": ""})
            history.append({"id": m.new_id(), "review_id": rid, "item_id": None, "actor_id": r["id"], "at": stamp,
                            "action": "submit", "old": '{"status": "draft"}', "new": '{"status": "submitted"}', "reason": ""})
        pdb = open_database(out)
        with pdb.session() as s:
            # Genuine packages as anjuan writes them: history hash-chained, each review holding its
            # chain's head, and the package re-sealed after the write (anjuan.integrity).
            heads = chain.link(s.connection(), history)
            for rv in reviews:
                rv["history_hash"] = heads[rv["id"]]
            s.execute(insert(m.Review.__table__), reviews)
            s.execute(insert(m.Answer.__table__), answers)
            s.execute(insert(m.AnswerHistory.__table__), history)
            seal(s.connection())
        pdb.close()
    return campaign, packages


def baseline(campaign: Path, packages: list[Path]) -> float:
    started = time.perf_counter()
    con = sqlite3.connect(campaign, isolation_level=None)
    con.execute("PRAGMA synchronous=FULL")
    for p in packages:
        con.execute("ATTACH DATABASE ? AS pkg", (str(p),))
        con.execute("BEGIN")
        for t in ("review", "answer", "answer_history"):
            con.execute(f"INSERT INTO main.{t} SELECT * FROM pkg.{t}")
        con.execute("COMMIT")
        con.execute("DETACH DATABASE pkg")
    con.close()
    return time.perf_counter() - started


def run_merge(campaign: Path, packages: list[Path]) -> float:
    started = time.perf_counter()
    db = open_database(campaign)
    result = merge(db, packages)
    db.engine.dispose()
    elapsed = time.perf_counter() - started
    assert not result.skipped, [p.error for p in result.skipped]
    return elapsed


def pg_merge(server, campaign: Path, packages: list[Path]) -> tuple[float, dict[str, int]]:
    """Merge the packages into a PostgreSQL copy of the campaign; (seconds, row counts)."""
    from sqlalchemy import func, select

    from tests.pgserver import copy_sqlite

    name = server.create_database()
    try:
        url = server.url(name)
        copy_sqlite(campaign, url)
        started = time.perf_counter()
        db = open_database(url)
        result = merge(db, packages)
        elapsed = time.perf_counter() - started
        assert not result.skipped, [p.error for p in result.skipped]
        with db.read_session() as s:
            rows = {t: s.scalar(select(func.count()).select_from(m.SQLModel.metadata.tables[t]))
                    for t in ("review", "answer", "answer_history")}
        db.close()
        return elapsed, rows
    finally:
        server.drop_database(name)


def counts(path: Path) -> dict[str, int]:
    con = sqlite3.connect(path)
    try:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("review", "answer", "answer_history")}
    finally:
        con.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--packages", type=int, default=30)
    ap.add_argument("--reviews", type=int, default=20_000)
    ap.add_argument("--answers", type=int, default=40)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--limit", type=float, default=3.0)
    ap.add_argument("--keep", type=Path, help="build in this folder and keep it")
    ap.add_argument("--no-postgres", action="store_true", help="do not measure the merge into PostgreSQL")
    ap.add_argument("--pg-limit", type=float, default=2.0, help="PostgreSQL merge ÷ SQLite merge at most this")
    args = ap.parse_args()
    from tests.pgserver import start_bench_server

    server = None if args.no_postgres else start_bench_server()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench_merge_"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        t0 = time.perf_counter()
        campaign, packages = build(folder, args.packages, args.reviews, args.answers)
        print(f"数据准备：{args.packages} 个数据包，{args.reviews} 份评查记录 × {args.answers} 条目，用时 {time.perf_counter() - t0:.1f} 秒")
        base_times, merge_times = [], []
        for k in range(args.repeat):
            b, g = folder / f"base{k}.db", folder / f"merge{k}.db"
            shutil.copy(campaign, b)
            shutil.copy(campaign, g)
            base_times.append(baseline(b, packages))
            merge_times.append(run_merge(g, packages))
            cb, cg = counts(b), counts(g)
            assert cb == cg, (cb, cg)
        base, mine = min(base_times), min(merge_times)
        ratio = mine / base
        print(f"行数：{counts(folder / 'merge0.db')}")
        print(f"基准（sqlite3 ATTACH + INSERT … SELECT）：{base:.2f} 秒；anjuan merge：{mine:.2f} 秒；比值 {ratio:.2f}（上限 {args.limit:g}）")
        ok = ratio <= args.limit
        if server is not None:
            pg_times = []
            for _ in range(args.repeat):
                t, rows = pg_merge(server, campaign, packages)
                assert rows == counts(folder / "merge0.db"), rows
                pg_times.append(t)
            pg = min(pg_times)
            pg_ratio = pg / mine
            print(f"PostgreSQL：anjuan merge {pg:.2f} 秒；SQLite anjuan merge {mine:.2f} 秒；"
                  f"比值 {pg_ratio:.2f}（上限 {args.pg_limit:g}）")
            ok = ok and pg_ratio <= args.pg_limit
        return 0 if ok else 1
    finally:
        if server is not None:
            server.stop()
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
