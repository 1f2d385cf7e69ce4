"""How tests/data/v1/campaign-v1.db and its expected figures were made (run once, with the code of
commit 2faf2fd, schema version 1, before rounds existed). Kept for the record: running it with
newer code makes a newer schema, so the committed files must not be regenerated.

    python tests/data/v1/make_v1_campaign.py tests/data/v1
"""

from __future__ import annotations

import json
import random
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

from anjuan import demo
from anjuan.campaign import init_campaign
from anjuan.lead.reporting import load_bulletin
from anjuan.lead.status import campaign_status
from reports.jsonout import write_json

TODAY = date(2025, 1, 10)
DEADLINE = date(2025, 3, 31)


def main(out: Path) -> None:
    from anjuan.prepare.assignment import assign
    from anjuan.prepare.catalog_import import import_catalogs
    from anjuan.prepare.reviewers import import_reviewers
    from anjuan.prepare.sampling import draw_sample

    demo.AGENCIES = tuple(replace(a, files=n) for a, n in zip(demo.AGENCIES[:4], (30, 24, 20, 12), strict=True))
    rng = random.Random(20240601)
    work = out / "build"
    catalogs = demo.write_catalogs(work / "案卷目录", rng)
    target = out / "campaign-v1.db"
    db = init_campaign(target, "2024年度行政执法案卷评查", 2024, "安溪县司法局")
    import_catalogs(db, catalogs)
    import_reviewers(db, demo.write_reviewer_list(work))
    draw_sample(db, seed="20240601", ratio=0.3, min_n=3)
    assign(db, seed="20240601", double=0.3)
    demo.simulate_reviews(db, "陈立新", 0.8, rng)
    demo.simulate_reviews(db, "刘建国", 0.8, rng)
    demo.simulate_reviews(db, "王敏", 1.0, rng, only_reviewed_by_others=True)
    data = load_bulletin(db, TODAY, DEADLINE)
    write_json(data, out / "campaign-v1.report.json")
    (out / "campaign-v1.status.json").write_text(
        json.dumps(campaign_status(db).to_json(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    db.close()
    with __import__("sqlite3").connect(target) as c:
        c.execute("VACUUM")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
