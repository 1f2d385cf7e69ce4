"""A campaign scored by the first edition of the default standard, and its report as JSON.

The golden file tests/data/report_v1_golden.json was written by this module run against the code
as it stood before version 2 of the default standard (commit 8862720, whose data/standards/default.toml
is byte for byte data/standards/default-v1.toml):

    PYTHONPATH=<checkout of 8862720> python tests/v1_campaign.py <that checkout>/data/standards/default.toml golden.json

test_casebook.py builds the same campaign with today's code and compares the report byte for byte.
The module uses only interfaces both versions have (init_campaign, models, score_case, load_bulletin).
"""

from __future__ import annotations

import sys
import tempfile
from datetime import date
from pathlib import Path

from sqlalchemy import insert

from anjuan import models as m
from anjuan.campaign import campaign_info, init_campaign
from anjuan.lead.reporting import load_bulletin
from reports.jsonout import write_json
from scoring import DEDUCT, NA, VETO, AnswerInput, score_case

TODAY = date(2025, 1, 10)
MARKET, TRANSPORT = "甲县市场监督管理局", "甲县交通运输局"

# (agency, case no, kind, [(reviewer, {item: answer})]); answer: "V" veto, "NA", or points deducted
FILES = (
    (MARKET, "甲市监罚〔2024〕1号", "行政处罚", [("王敏", {"CX-25": 2, "ZT-10": "NA", "CX-22": "NA", "CX-26": "NA"})]),
    (MARKET, "甲市监罚〔2024〕2号", "行政处罚", [("王敏", {"WS-22": 2, "CL-21": 2, "CX-23": 1})]),
    (MARKET, "甲市监强〔2024〕1号", "行政强制", [("李强", {"CX-40": 3, "CX-41": 2, "CX-42": 3, "CX-44": 3, "CL-41": 3,
                                                      "CX-47": "NA", "CX-48": "NA", "CL-42": "NA", "WS-42": "NA"})]),
    (MARKET, "甲市监许〔2024〕1号", "行政许可", [("王敏", {"CX-61": 2, "WS-02": 0.5}), ("李强", {"CX-61": 4, "CL-30": 1.5})]),
    (TRANSPORT, "甲交罚〔2024〕1号", "行政处罚", [("李强", {"ZT-01": "V"})]),
    (TRANSPORT, "甲交检〔2024〕1号", "行政检查", [("王敏", {"CX-54": 4, "CX-53": 1, "CL-52": "NA"})]),
    (TRANSPORT, "甲交检〔2024〕2号", "行政检查", [("李强", {"WS-50": 0.5, "ZT-06": 1})]),
)


def answers_for(std, kind: str, given: dict) -> list[AnswerInput]:
    out = []
    for item in std.items_for(kind):
        v = given.get(item.id)
        if v == "V":
            out.append(AnswerInput(item.id, VETO, item.points, item.veto_text, "第3页"))
        elif v == "NA":
            out.append(AnswerInput(item.id, NA))
        elif v is not None:
            out.append(AnswerInput(item.id, DEDUCT, float(v), item.deductions[0].text, "第5页"))
        else:
            out.append(AnswerInput(item.id, "符合"))
    return out


def build(path: Path, standard_file: str) -> Path:
    db = init_campaign(path, "2024年度行政执法案卷评查", 2024, "甲县司法局", standard_file)
    std = campaign_info(db).standard
    with db.session() as s:
        agencies, people = {}, {}
        for name in (MARKET, TRANSPORT):
            a = m.Agency(name=name)
            s.add(a)
            s.flush()
            agencies[name] = a.id
        for name in ("王敏", "李强"):
            r = m.Reviewer(name=name, unit="甲县司法局")
            s.add(r)
            s.flush()
            people[name] = r.id
        batch = m.SamplingBatch(seed="20240601", algorithm="test", params="{}", created_at="2024-11-30T09:00:00.000000Z")
        s.add(batch)
        s.flush()
        minute = 0
        for n, (agency, case_no, kind, reviews) in enumerate(FILES, 1):
            case_id = f"00000000-0000-4000-8000-{n:012d}"  # fixed ids: the report lists them
            s.execute(insert(m.CaseFile.__table__), [{
                "id": case_id, "agency_id": agencies[agency], "case_no": case_no, "title": f"{case_no}案",
                "party": "甲县某商贸有限公司", "kind": kind, "officers": "甲、乙", "extra": "{}"}])
            s.execute(insert(m.SampledCase.__table__), [{"case_id": case_id, "batch_id": batch.id, "position": 1}])
            for slot, (who, given) in enumerate(reviews, 1):
                s.execute(insert(m.Assignment.__table__), [{"id": m.new_id(), "case_id": case_id,
                                                            "reviewer_id": people[who], "slot": slot}])
                ans = answers_for(std, kind, given)
                res = score_case(std, kind, ans)
                minute += 1
                stamp = f"2024-12-01T10:{minute:02d}:00.000000Z"
                rid = f"00000000-0000-4000-9000-{minute:012d}"
                s.execute(insert(m.Review.__table__), [{
                    "id": rid, "case_id": case_id, "reviewer_id": people[who], "is_final": False,
                    "status": m.STATUS_SUBMITTED, "revision": 1, "score": res.score, "grade": res.grade,
                    "vetoed": res.vetoed, "note": "", "created_at": stamp, "updated_at": stamp, "submitted_at": stamp}])
                s.execute(insert(m.Answer.__table__), [{
                    "id": m.new_id(), "review_id": rid, "item_id": a.item_id, "verdict": a.verdict,
                    "deducted": a.deducted, "note": a.note, "page_ref": a.page_ref, "occurrences": 1} for a in ans])
    db.close()
    return path


def report_json(standard_file: str, out: Path) -> bytes:
    from anjuan.db import open_database

    with tempfile.TemporaryDirectory() as tmp:
        path = build(Path(tmp) / "v1.db", standard_file)
        db = open_database(path)
        try:
            write_json(load_bulletin(db, TODAY), out)
        finally:
            db.close()
    return out.read_bytes()


if __name__ == "__main__":
    report_json(sys.argv[1], Path(sys.argv[2]))
