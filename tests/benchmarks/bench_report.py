"""Benchmark: anjuan report for 20,000 reviewed files in 200 agencies, every format.

    python tests/benchmarks/bench_report.py [--files 20000] [--agencies 200] [--keep]

1. A child process builds a campaign database with SQLAlchemy Core inserts (default standard,
   100 files per agency, every file sampled and reviewed, 10% double-reviewed, about 1.5 million
   answers). This is set-up and is not timed; with --keep the database is reused on the next run.
2. A fresh process then does what `anjuan report` does: opens the database read-only, reads it
   into BulletinData (anjuan.lead.reporting.load_bulletin) and writes xlsx, docx, html, md and
   json in one reports.build.build_reports call, the bulletin and one feedback document per
   agency in each of docx/html/md (1 + 3 × 200 + 2 files).
Each format is shown by when build_reports' progress reported its last file written, counted from
the start of writing (the workbook is zipped by a second thread while the documents are written,
so formats overlap and their times are not separable). Times are wall-clock, with the process's CPU time beside them (on a busy machine wall time grows, CPU
time much less); memory is the peak resident size of that process (VmHWM; interpreter and libraries included).
Goal (issue 13): at most 10 s and 300 MB on this 2-core machine (the report runs Python on one
core; zlib and file I/O of the workbook overlap on the second).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOAL_SECONDS = 10.0
GOAL_MB = 300.0


def cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def rss_mb() -> float:
    """Peak resident memory of this process since it started its program, in MB.

    Linux carries ru_maxrss across exec: a process started by a big parent (the runner, after
    its merges) reports the parent's size. VmHWM in /proc/self/status is the peak of this
    program's own memory; ru_maxrss is the fallback elsewhere."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def generate(path: Path, n_files: int, n_agencies: int, double: float = 0.1, seed: int = 7) -> None:
    from sqlalchemy import insert

    from anjuan import models as m
    from anjuan.campaign import campaign_info, init_campaign
    from scoring import DEDUCT, NA, PASS, VETO, AnswerInput, score_case

    rng = random.Random(seed)
    db = init_campaign(path, "2024年度行政执法案卷评查（压力测试）", 2024, "某市司法局")
    std = campaign_info(db).standard
    kinds = ["行政处罚"] * 7 + ["行政许可", "行政强制", "行政检查"]
    surnames = "陈林黄王李张吴刘苏郑"
    per_agency = n_files // n_agencies

    def simulated(item) -> AnswerInput:
        """A careful reviewer's answer: mostly 符合, some deductions, rare vetoes."""
        roll = rng.random()
        if item.veto:
            v, d, note = (VETO, 0.0, item.veto_text) if roll < 0.01 else (PASS, 0.0, "")
        elif roll < 0.05:
            v, d, note = NA, 0.0, ""
        elif roll < 0.20 and item.deductions:
            opt = item.deductions[rng.randrange(len(item.deductions))]
            v, d, note = DEDUCT, min(item.points, opt.points), opt.text
        else:
            v, d, note = PASS, 0.0, ""
        return AnswerInput(item.id, v, d, note, f"第{rng.randint(2, 80)}页" if v in (DEDUCT, VETO) else "")
    with db.session() as s:
        reviewers = []
        for i in range(20):
            r = m.Reviewer(name=f"评查员{i:02d}", unit="某市司法局")
            s.add(r)
            reviewers.append(r)
        batch = m.SamplingBatch(seed="20240601", params='{"ratio": 1.0, "min": 0, "max": null, "by_kind": false}',
                                algorithm="sha256(seed|执法机关|案号) 排序取前 n 个")
        s.add(batch)
        s.flush()
        rids = [r.id for r in reviewers]
        minute = 0
        for a in range(n_agencies):
            agency = m.Agency(name=f"某市第{a + 1:03d}行政执法局")
            s.add(agency)
            s.flush()
            files, sampled, assigns, reviews, answers = [], [], [], [], []
            for n in range(per_agency):
                cid = m.new_id()
                kind = rng.choice(kinds)
                person = rng.random() < 0.45
                party = rng.choice(surnames) + "某某" if person else f"某市{rng.randint(1, 999)}号商贸有限公司"
                files.append({"id": cid, "agency_id": agency.id, "case_no": f"某执{a + 1}罚〔2024〕{n + 1}号",
                              "title": f"{party}违法经营案", "party": party, "kind": kind, "extra": "{}"})
                sampled.append({"case_id": cid, "batch_id": batch.id, "position": n + 1})
                who = rng.sample(rids, 2 if rng.random() < double else 1)
                first = None
                for slot, rid in enumerate(who, 1):
                    assigns.append({"id": m.new_id(), "case_id": cid, "reviewer_id": rid, "slot": slot})
                    review_id = m.new_id()
                    if first is None:
                        inputs = [simulated(item) for item in std.items_for(kind)]
                        first = (inputs, score_case(std, kind, inputs))
                    else:  # the second reviewer agrees within the 合议 threshold, one item apart at most
                        inputs = list(first[0])
                        k = rng.randrange(len(inputs))
                        item = std.item(inputs[k].item_id)
                        if inputs[k].verdict == PASS and item.deductions and not item.veto:
                            d = min(x.points for x in item.deductions)
                            inputs[k] = AnswerInput(item.id, DEDUCT, d, item.deductions[0].text, "第9页")
                            res = score_case(std, kind, inputs)
                            if res.grade != first[1].grade or abs(res.score - first[1].score) > 5:
                                inputs = list(first[0])
                    for ans in inputs:
                        answers.append({"id": m.new_id(), "review_id": review_id, "item_id": ans.item_id,
                                        "verdict": ans.verdict, "deducted": ans.deducted, "note": ans.note,
                                        "page_ref": ans.page_ref, "occurrences": 1})
                    res = score_case(std, kind, inputs)
                    minute += 1
                    stamp = f"2024-12-{1 + minute // 86400 % 28:02d}T00:00:00.{minute:06d}Z"
                    reviews.append({"id": review_id, "case_id": cid, "reviewer_id": rid, "is_final": False,
                                    "status": m.STATUS_SUBMITTED, "revision": 1, "score": res.score, "grade": res.grade,
                                    "vetoed": res.vetoed, "note": "", "created_at": stamp, "updated_at": stamp,
                                    "submitted_at": stamp})
            s.execute(insert(m.CaseFile.__table__), files)
            s.execute(insert(m.SampledCase.__table__), sampled)
            s.execute(insert(m.Assignment.__table__), assigns)
            s.execute(insert(m.Review.__table__), reviews)
            s.execute(insert(m.Answer.__table__), answers)
    db.close()


def measure(db_path: Path) -> bool:
    """Read the database and write every format in this (fresh) process; print time and memory."""
    from datetime import date

    from anjuan.db import open_database
    from anjuan.lead.reporting import load_bulletin
    from reports.build import FORMATS, build_reports

    base = rss_mb()
    out = Path(tempfile.mkdtemp(prefix="out-", dir=db_path.parent))
    t0, c0 = time.perf_counter(), cpu_s()
    db = open_database(db_path, read_only=True)
    data = load_bulletin(db, date(2025, 1, 10))
    db.close()
    t1, c1 = time.perf_counter(), cpu_s()
    print(f"{data.sampling.reviewed} files reviewed in {len(data.agencies)} agencies, "
          f"{sum(len(f.problems) for f in data.files())} problems found")
    print(f"  read database + score : {t1 - t0:6.2f} s  (cpu {c1 - c0:5.2f} s, {rss_mb():4.0f} MB)")
    marks: dict[str, tuple[float, float, float]] = {}

    def progress(done: int, total: int, label: str) -> None:
        fmt = label.rsplit(".", 1)[-1]
        marks[fmt] = (time.perf_counter(), cpu_s(), rss_mb())

    build_reports(data, out, list(FORMATS), progress=progress)  # as anjuan report does: one call
    t2, c2 = time.perf_counter(), cpu_s()
    # the workbook is zipped by a second thread while the documents are written: formats overlap,
    # so each one is shown by when it was done (time and CPU since the writing began)
    for fmt, (now, cpu, mb) in sorted(marks.items(), key=lambda kv: kv[1][0]):
        print(f"  {fmt:<5} written after    : {now - t1:6.2f} s  (cpu {cpu - c1:5.2f} s, {mb:4.0f} MB)")
    print(f"  write every format    : {t2 - t1:6.2f} s  (cpu {c2 - c1:5.2f} s)")
    last = t2
    cpu_total = cpu_s() - c0
    total = last - t0
    peak = rss_mb()
    files = sum(1 for p in out.rglob("*") if p.is_file())
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) / 2**20
    shutil.rmtree(out)
    ok = total <= GOAL_SECONDS and peak <= GOAL_MB
    print(f"  total                 : {total:6.2f} s  (cpu {cpu_total:5.2f} s; goal ≤ {GOAL_SECONDS:.0f} s)"
          f"  {'OK' if total <= GOAL_SECONDS else 'OVER'}")
    print(f"  peak memory (maxrss)  : {peak:6.0f} MB  (goal ≤ {GOAL_MB:.0f} MB; {base:.0f} MB after imports)"
          f"  {'OK' if peak <= GOAL_MB else 'OVER'}")
    print(f"  output: {files} files, {size:.1f} MB")
    return ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=20000)
    ap.add_argument("--agencies", type=int, default=200)
    ap.add_argument("--keep", action="store_true", help="reuse (and keep) the generated database")
    ap.add_argument("--generate", metavar="DB", help=argparse.SUPPRESS)
    ap.add_argument("--measure", metavar="DB", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.generate:
        generate(Path(args.generate), args.files, args.agencies)
        return 0
    if args.measure:
        return 0 if measure(Path(args.measure)) else 1

    work = Path(tempfile.gettempdir()) / "anjuan-bench-report"
    work.mkdir(exist_ok=True)
    db_path = work / f"campaign-{args.files}-{args.agencies}.db"
    if not (args.keep and db_path.exists()):
        for p in work.glob(f"{db_path.name}*"):
            p.unlink()
        t = time.perf_counter()
        part = db_path.with_name(db_path.name + ".part")
        part.unlink(missing_ok=True)
        subprocess.run([sys.executable, __file__, "--generate", str(part), "--files", str(args.files),
                        "--agencies", str(args.agencies)], check=True)
        part.rename(db_path)
        print(f"set-up (not timed): database with {args.files} files generated in {time.perf_counter() - t:.1f} s")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    print(f"cpus: {os.cpu_count()}; load {load:.1f}; goal: at most {GOAL_SECONDS:.0f} s and {GOAL_MB:.0f} MB")
    # measured in a fresh process, so the peak memory is that of the report alone
    code = subprocess.run([sys.executable, __file__, "--measure", str(db_path)]).returncode
    if not args.keep:
        db_path.unlink(missing_ok=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
