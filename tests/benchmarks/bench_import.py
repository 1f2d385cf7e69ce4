"""Catalog import speed: anjuan import vs. the plainest possible csv.reader + sqlite3 import.

    python tests/benchmarks/bench_import.py [--rows 100000] [--repeat 3] [--profile]

Both sides read the same 100,000-row UTF-8 CSV and write it into a SQLite file with WAL and
synchronous=FULL in one transaction. The baseline inserts into a table with exactly the DDL
of anjuan's case_file table (same columns, primary key, unique constraint and index), passing
the CSV fields through unchanged with a counter as id: no decoding detection, header search,
normalisation, date parsing, duplicate checks or UUIDs. The target is anjuan ≤ 2× baseline.

PostgreSQL (unless --no-postgres): the same anjuan import into a fresh database of a throwaway
server (tests/pgserver.py, or ANJUAN_TEST_PG); the target is ≤ 1.5× the SQLite anjuan import of
the same run. Under CI=true a server that cannot be started is an error; otherwise it is skipped.
"""

from __future__ import annotations

import argparse
import csv
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

TARGET_RATIO = 2.0
PG_TARGET_RATIO = 1.5
HEADER = ["序号", "执法机关", "案号", "案件名称", "当事人", "案件类别", "决定日期", "承办人"]
AGENCIES = [f"安溪县第{i}执法局" for i in range(1, 21)]
KINDS = ["行政处罚", "行政处罚", "行政处罚", "行政许可", "行政强制", "行政检查"]
CAUSES = ["销售过期食品", "无证经营", "超限运输", "占道经营", "违法排污", "未按规定开展安全培训"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"


def make_csv(path: Path, rows: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    start = date(2023, 1, 1)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        for i in range(1, rows + 1):
            agency = AGENCIES[i % len(AGENCIES)]
            kind = rng.choice(KINDS)
            party = f"{rng.choice(SURNAMES)}某某"
            officers = f"{rng.choice(SURNAMES)}某、{rng.choice(SURNAMES)}某"
            decided = (start + timedelta(days=rng.randrange(365))).isoformat()
            w.writerow([i, agency, f"安执罚〔2023〕{i}号", f"{party}{rng.choice(CAUSES)}案", party, kind,
                        decided, officers])


def case_file_ddl() -> list[str]:
    from sqlalchemy.dialects import sqlite
    from sqlalchemy.schema import CreateIndex, CreateTable

    from anjuan import models as m

    d = sqlite.dialect()
    table = m.CaseFile.__table__
    return [str(CreateTable(table).compile(dialect=d))] + [str(CreateIndex(ix).compile(dialect=d)) for ix in table.indexes]


def baseline(csv_path: Path, db_path: Path) -> float:
    ddl = case_file_ddl()
    con = sqlite3.connect(db_path, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=FULL")
    for stmt in ddl:
        con.execute(stmt)
    name = csv_path.name
    t0 = time.perf_counter()
    with open(csv_path, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        con.execute("BEGIN")
        con.executemany(
            "INSERT INTO case_file (id, agency_id, case_no, title, party, kind, decided_on, officers,"
            " source_file, source_row, extra, import_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            ((str(n), r[1], r[2], r[3], r[4], r[5], r[6], r[7], name, n + 2, "{}", None)
             for n, r in enumerate(reader)))
        con.execute("COMMIT")
    elapsed = time.perf_counter() - t0
    count = con.execute("SELECT count(*) FROM case_file").fetchone()[0]
    con.close()
    assert count > 0
    return elapsed


def fresh_campaign(path: Path):
    from anjuan.campaign import init_campaign

    return init_campaign(path, "导入速度测试")  # built-in standard (data/standards/default.toml)


def anjuan_import(csv_path: Path, db_path: Path, profile: bool = False) -> float:
    from anjuan.prepare.catalog_import import import_catalogs

    db = fresh_campaign(db_path)
    try:
        if profile:
            import cProfile
            import pstats

            prof = cProfile.Profile()
            t0 = time.perf_counter()
            prof.enable()
            report = import_catalogs(db, [csv_path])
            prof.disable()
            elapsed = time.perf_counter() - t0
            pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
        else:
            t0 = time.perf_counter()
            report = import_catalogs(db, [csv_path])
            elapsed = time.perf_counter() - t0
    finally:
        db.engine.dispose()
    assert report.total_rows > 0, report.errors[:3]
    return elapsed


def pg_import(server, csv_path: Path) -> float:
    name = server.create_database()
    try:
        return anjuan_import(csv_path, server.url(name))
    finally:
        server.drop_database(name)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--profile", action="store_true", help="print a cProfile of one anjuan import")
    ap.add_argument("--no-postgres", action="store_true", help="do not measure the import into PostgreSQL")
    args = ap.parse_args()
    from tests.pgserver import start_bench_server

    server = None if args.no_postgres else start_bench_server()
    pg_times: list[float] = []

    with tempfile.TemporaryDirectory(prefix="anjuan-bench-") as tmp:
        tmpdir = Path(tmp)
        csv_path = tmpdir / "catalog.csv"
        make_csv(csv_path, args.rows)
        base_times, anjuan_times = [], []
        for i in range(args.repeat):
            base_times.append(baseline(csv_path, tmpdir / f"base{i}.db"))
            anjuan_times.append(anjuan_import(csv_path, tmpdir / f"anjuan{i}.db"))
            if server is not None:
                pg_times.append(pg_import(server, csv_path))
        if server is not None:
            server.stop()
        if args.profile:
            anjuan_import(csv_path, tmpdir / "profile.db", profile=True)
    base, ours = statistics.median(base_times), statistics.median(anjuan_times)
    ratio = ours / base
    print(f"rows:                        {args.rows:,}")
    print(f"baseline csv+sqlite3 (median of {args.repeat}): {base:.3f} s   {[round(t, 3) for t in base_times]}")
    print(f"anjuan import    (median of {args.repeat}): {ours:.3f} s   {[round(t, 3) for t in anjuan_times]}")
    print(f"ratio:                       {ratio:.2f}  (target ≤ {TARGET_RATIO:g})")
    ok = ratio <= TARGET_RATIO
    if pg_times:
        pg = statistics.median(pg_times)
        print(f"anjuan import PostgreSQL (median of {args.repeat}): {pg:.3f} s   {[round(t, 3) for t in pg_times]}")
        print(f"PostgreSQL ÷ SQLite:         {pg / ours:.2f}  (target ≤ {PG_TARGET_RATIO:g})")
        ok = ok and pg / ours <= PG_TARGET_RATIO
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
