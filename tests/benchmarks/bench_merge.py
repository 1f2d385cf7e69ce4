"""Benchmark: `anjuan merge` against a raw sqlite3 ATTACH + INSERT … SELECT of the same rows.

    /work/venv/bin/python tests/benchmarks/bench_merge.py [--packages 30] [--reviews 20000] [--answers 40]

Builds a campaign (built-in standard) with one file per review, 30 reviewers and their packages
(anjuan.review.pack), then fills the packages (fill_package: sqlite3 executemany of plain tuples, one
process per core): 20,000 submitted reviews in all, 40 answers each and one history row per answer
plus a submit row, hash-chained with anjuan.integrity.chain.row_hash, scored with scoring.score_case
and re-sealed with anjuan.integrity.seal.seal, as an answers import writes them (so the merge's
row-by-row integrity checks all run and pass). Then, each on a fresh copy of the campaign:
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
import random
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
from anjuan.integrity.seal import REVIEW_FIELDS, seal  # noqa: E402
from anjuan.integrity.verify import ANSWER_FIELDS, HISTORY_FIELDS  # noqa: E402
from anjuan.lead.merge import merge  # noqa: E402
from anjuan.review.pack import pack  # noqa: E402
from anjuan.review.reviewing import StoredAnswer  # noqa: E402
from scoring import score_case  # noqa: E402

KIND = "行政处罚"


def fast_ids(seed: str):
    """UUID4-shaped ids from a seeded generator: what m.new_id() gives, at a fraction of its cost
    (uuid.uuid4 reads the OS's random source and builds a UUID object per id; a package of
    27,000 reviews' rows needs 55,000 of them)."""
    rng = random.Random(seed)
    bits = rng.getrandbits

    def new() -> str:
        h = f"{bits(128):032x}"
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"
    return new


def fill_package(out: Path, reviewer_id: str, reviews: list[tuple[str, list[StoredAnswer], tuple]], ids: str) -> None:
    """One reviewer's work written into their package as anjuan writes it (answers import,
    anjuan.review.answers_write): for each (case id, answers, (score, grade, vetoed)) a submitted
    review — one answer and one history row per item (new = StoredAnswer.to_json()), then a submit
    row, so revision = history rows — the history hash-chained with anjuan.integrity.chain.row_hash,
    each review holding its chain's head; then the package re-sealed by anjuan.integrity.seal.seal.
    Rows go in with one sqlite3 executemany per table (named columns), the seal through anjuan's own
    connection. Scores are the caller's: scoring.score_case of the same answers. `ids` seeds the
    ids (fast_ids)."""
    new_id = fast_ids(ids)
    as_json: dict[StoredAnswer, str] = {}
    submit_old, submit_new = json.dumps({"status": m.STATUS_DRAFT}), json.dumps({"status": m.STATUS_SUBMITTED})
    review_rows, answers, history = [], [], []
    row_hash = chain.row_hash
    for cid, stored, (score, grade, vetoed) in reviews:
        rid, stamp = new_id(), m.now()
        prev, seq = "", 0
        for a in stored:
            new = as_json.get(a)
            if new is None:
                new = as_json[a] = a.to_json()
            answers.append((new_id(), rid, a.item_id, a.verdict, a.deducted, a.option, a.occurrences, a.note,
                            a.page_ref, stamp))
            seq += 1
            row = (new_id(), rid, a.item_id, reviewer_id, stamp, "answer", None, new, "", seq)
            prev = row_hash(prev, row)
            history.append((*row, prev))
        seq += 1
        row = (new_id(), rid, None, reviewer_id, stamp, "submit", submit_old, submit_new, "", seq)
        prev = row_hash(prev, row)
        history.append((*row, prev))
        review_rows.append((rid, cid, reviewer_id, False, m.STATUS_SUBMITTED, seq, score, grade, vetoed, "", stamp,
                            stamp, stamp, prev, None))
    con = sqlite3.connect(out, isolation_level=None)
    try:
        # Set-up only: a page cache that holds the package, and no fsync (the file is complete once
        # closed; the merge reads it afterwards like any package).
        con.execute("PRAGMA cache_size = -262144")
        con.execute("PRAGMA synchronous = OFF")
        con.execute("BEGIN IMMEDIATE")
        for table, fields, rows in (("review", REVIEW_FIELDS, review_rows), ("answer", ANSWER_FIELDS, answers),
                                    ("answer_history", HISTORY_FIELDS, history)):
            con.executemany(f"INSERT INTO {table} ({', '.join(fields)}) VALUES ({', '.join('?' * len(fields))})", rows)
        con.execute("COMMIT")
    finally:
        con.close()
    pdb = open_database(out)
    with pdb.session() as s:
        seal(s.connection())
    pdb.close()


def build(folder: Path, n_packages: int, n_reviews: int, n_answers: int) -> tuple[Path, list[Path]]:
    campaign = folder / "campaign.db"
    db = init_campaign(campaign, "2024年度行政执法案卷评查（基准测试）")
    std = campaign_info(db).standard
    items = [i.id for i in std.items_for(KIND)][:n_answers]
    if len(items) < n_answers:
        raise SystemExit(f"内置标准的“{KIND}”只有 {len(items)} 个条目，不足 --answers {n_answers}")
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
        pack(db, r["name"], out)  # anjuan's own packages: meta, issue id and secret, seal
        packages.append(out)
    db.close()

    by_reviewer: dict[str, list[str]] = {}
    for a in assignments:
        by_reviewer.setdefault(a["reviewer_id"], []).append(a["case_id"])
    seed = f"bench-merge-{campaign_info_id(campaign)}"
    stored = [StoredAnswer(item, "符合") for item in items]
    result = score_case(std, KIND, [a.as_input() for a in stored])
    scored = (result.score, result.grade, result.vetoed)
    in_parallel([(fill_package, (out, r["id"], [(cid, stored, scored) for cid in by_reviewer[r["id"]]], f"{seed}-{k}"))
                 for k, (r, out) in enumerate(zip(reviewers, packages, strict=True))])
    return campaign, packages


def answer_all(out: Path, seed: str) -> None:
    """A reviewer answers every applicable item of every file of their package and submits (about
    15% 扣分 with a note, 5% 不适用, the rest 符合; a seeded choice), scored with scoring.score_case
    and written by fill_package — what the whole-campaign benchmark's reviewers hand back."""
    rng = random.Random(seed)
    db = open_database(out)
    std = campaign_info(db).standard
    db.close()
    con = sqlite3.connect(f"file:{out}?mode=ro", uri=True)
    try:
        reviewer_id = con.execute("SELECT value FROM meta WHERE key = 'package_reviewer_id'").fetchone()[0]
        files = con.execute("SELECT case_file.id, case_file.kind FROM case_file JOIN assignment "
                            "ON assignment.case_id = case_file.id ORDER BY case_file.case_no").fetchall()
    finally:
        con.close()
    reviews = []
    for cid, kind in files:
        stored = []
        for item in std.items_for(kind or ""):
            roll = rng.random()
            verdict = "扣分" if roll < 0.15 and item.points else ("不适用" if roll < 0.2 else "符合")
            deducted = round(min(item.points, rng.choice((1.0, 2.0, item.points / 2))), 1) if verdict == "扣分" else 0.0
            stored.append(StoredAnswer(item.id, verdict, deducted, None, 1, "卷内未见相关材料" if verdict == "扣分" else "", ""))
        result = score_case(std, kind or "", [a.as_input() for a in stored])
        reviews.append((cid, stored, (result.score, result.grade, result.vetoed)))
    fill_package(out, reviewer_id, reviews, f"{seed}-ids")


def in_parallel(jobs: list[tuple]) -> None:
    """Run set-up jobs (function, args) on every core: set-up is not measured, and each job writes
    its own package file."""
    import os
    from concurrent.futures import ProcessPoolExecutor

    workers = min(len(jobs), os.cpu_count() or 1)
    if workers <= 1:
        for fn, args in jobs:
            fn(*args)
        return
    with ProcessPoolExecutor(workers) as pool:
        for f in [pool.submit(fn, *args) for fn, args in jobs]:
            f.result()


def campaign_info_id(path: Path) -> str:
    con = sqlite3.connect(path)
    try:
        return con.execute("SELECT id FROM campaign").fetchone()[0]
    finally:
        con.close()


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
