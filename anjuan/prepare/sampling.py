"""Reproducible random sampling of case files per agency (双随机、一公开).

Algorithm (documented so anyone can re-run the draw by hand):
1. For each agency, n = ceil(ratio × catalog size), clamped to [min, max] and to the size.
2. Every file gets the key sha256("{seed}|{agency name}|{case number}") as hex; files are ordered
   by key (ties cannot happen for distinct case numbers) and the first n are drawn.
3. With --by-kind, n is split across 案件类别 in proportion to their sizes (largest remainder,
   ties by kind name), and each kind draws its share in key order.
The draw depends only on the seed, agency names and case numbers: not on Python's `random`,
set ordering, database row order or the machine.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field

from sqlalchemy import delete, func, insert, select

from anjuan import models as m
from anjuan.db import Database, campaign_lock
from anjuan.errors import AnjuanError, WorkflowError

ALGORITHM = ("按执法机关分别抽取：以公开的随机种子、执法机关名称和案号计算 SHA-256 校验值，按校验值排序后取前 n 卷；"
             "n 为案卷数乘以抽样比例后向上取整，且不少于最少卷数、不多于最多卷数和案卷数。任何人可用同一种子复核")


def draw_key(seed: str, agency: str, case_no: str) -> str:
    return hashlib.sha256(f"{seed}|{agency}|{case_no}".encode()).hexdigest()


def sample_size(total: int, ratio: float, min_n: int = 0, max_n: int | None = None) -> int:
    n = math.ceil(round(ratio * total, 9))
    n = max(n, min_n)
    if max_n is not None:
        n = min(n, max_n)
    return max(0, min(n, total))


def split_by_kind(n: int, sizes: dict[str, int]) -> dict[str, int]:
    """Largest-remainder allocation of n draws across strata, proportional to their sizes."""
    total = sum(sizes.values())
    if total == 0:
        return {k: 0 for k in sizes}
    quotas = {k: n * v / total for k, v in sizes.items()}
    alloc = {k: min(sizes[k], math.floor(q)) for k, q in quotas.items()}
    left = n - sum(alloc.values())
    order = sorted(sizes, key=lambda k: (-(quotas[k] - math.floor(quotas[k])), k))
    while left > 0:
        progressed = False
        for k in order:
            if left and alloc[k] < sizes[k]:
                alloc[k] += 1
                left -= 1
                progressed = True
        if not progressed:
            break
    return alloc


@dataclass
class AgencyDraw:
    agency: str
    catalog: int
    drawn: list[str] = field(default_factory=list)  # case numbers in draw order
    skipped: bool = False


@dataclass
class SampleResult:
    batch_id: str | None
    seed: str
    params: dict
    created_at: str
    agencies: list[AgencyDraw]

    def to_json(self) -> dict:
        return {
            "batch_id": self.batch_id, "seed": self.seed, "params": self.params, "created_at": self.created_at,
            "algorithm": ALGORITHM,
            "agencies": {a.agency: a.drawn for a in self.agencies if not a.skipped},
            "skipped": [a.agency for a in self.agencies if a.skipped],
        }


def draw_sample(db: Database, seed: str, ratio: float, min_n: int = 0, max_n: int | None = None,
                by_kind: bool = False, agencies: list[str] | None = None, redraw: bool = False) -> SampleResult:
    """Draw and store the sample; agencies already sampled are kept unless redraw is set."""
    if not 0 < ratio <= 1:
        raise AnjuanError(f"抽样比例应在 0 到 1 之间（如 0.3 表示 30%），实际为 {ratio}")
    if max_n is not None and max_n < min_n:
        raise AnjuanError(f"--max（{max_n}）不能小于 --min（{min_n}）")
    params = {"ratio": ratio, "min": min_n, "max": max_n, "by_kind": by_kind, "agencies": agencies or [], "redraw": redraw}
    cf, ag, sc = m.CaseFile.__table__, m.Agency.__table__, m.SampledCase.__table__
    with db.session() as s:
        campaign_lock(s, "sample")
        all_agencies = {name: aid for aid, name in s.execute(select(ag.c.id, ag.c.name))}
        if not all_agencies:
            raise WorkflowError("数据库中还没有案卷，请先用 anjuan import 导入案卷目录")
        wanted = sorted(all_agencies)
        if agencies:
            missing = [a for a in agencies if a not in all_agencies]
            if missing:
                raise AnjuanError(f"没有找到执法机关：{'、'.join(missing)}。已有：{'、'.join(wanted)}")
            wanted = sorted(set(agencies))
        sampled_agencies = set(s.scalars(
            select(ag.c.name).select_from(sc.join(cf, cf.c.id == sc.c.case_id).join(ag, ag.c.id == cf.c.agency_id)).distinct()))
        batch = m.SamplingBatch(seed=str(seed), params=json.dumps(params, ensure_ascii=False), algorithm=ALGORITHM)
        draws: list[AgencyDraw] = []
        rows = []
        for name in wanted:
            aid = all_agencies[name]
            files = s.execute(select(cf.c.id, cf.c.case_no, cf.c.kind).where(cf.c.agency_id == aid)).all()
            draw = AgencyDraw(name, len(files))
            draws.append(draw)
            if name in sampled_agencies and not redraw:
                draw.skipped = True
                continue
            if name in sampled_agencies:
                _clear_agency_sample(s, aid)
            n = sample_size(len(files), ratio, min_n, max_n)
            keyed = sorted(files, key=lambda f: draw_key(str(seed), name, f.case_no))
            if by_kind:
                strata: dict[str, list] = {}
                for f in keyed:
                    strata.setdefault(f.kind or "", []).append(f)
                alloc = split_by_kind(n, {k: len(v) for k, v in strata.items()})
                chosen = [f for k in sorted(strata) for f in strata[k][: alloc[k]]]
                chosen.sort(key=lambda f: draw_key(str(seed), name, f.case_no))
            else:
                chosen = keyed[:n]
            draw.drawn = [f.case_no for f in chosen]
            rows.extend({"case_id": f.id, "batch_id": batch.id, "position": i} for i, f in enumerate(chosen, 1))
        if not rows:
            return SampleResult(None, str(seed), params, batch.created_at, draws)
        s.add(batch)
        s.flush()
        s.execute(insert(sc), rows)
    return SampleResult(batch.id, str(seed), params, batch.created_at, draws)


def _clear_agency_sample(s, agency_id: str) -> None:
    cf, sc, asg, rv = m.CaseFile.__table__, m.SampledCase.__table__, m.Assignment.__table__, m.Review.__table__
    case_ids = select(cf.c.id).where(cf.c.agency_id == agency_id)
    reviewed = s.scalar(select(func.count()).select_from(rv).where(rv.c.case_id.in_(case_ids)))
    if reviewed:
        name = s.scalar(select(m.Agency.name).where(m.Agency.id == agency_id))
        raise WorkflowError(f"“{name}”的抽中案卷已有评查记录，不能重新抽样")
    s.execute(delete(asg).where(asg.c.case_id.in_(case_ids)))
    s.execute(delete(sc).where(sc.c.case_id.in_(case_ids)))


def sampling_batches(db: Database) -> list[m.SamplingBatch]:
    with db.session() as s:
        return list(s.scalars(select(m.SamplingBatch).order_by(m.SamplingBatch.created_at)))
