"""From scored files to the figures of a bulletin (pure: no database, no files).

The caller (anjuan.lead.reporting, or a benchmark) hands over the sampled files with their final
scores (scoring.CaseScore) and gets back a BulletinData. Only files with a final review count in
any figure; files waiting for 合议 or not yet reviewed are listed separately.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from scoring import VETO, CaseScore, GroupStats, ScoredCase, Standard, group_stats, rank
from scoring.standard import VETO_ZERO

from . import model as md
from . import wording as w
from .filenames import UniqueNames
from .masking import Masker, file_masker

DEFAULT_DEADLINE_DAYS = 30
EXAMPLES = 3
EXAMPLE_CHARS = 60
FAILED_REASONS = 3

_DIGITS = re.compile(r"([0-9]+)")

FINAL = "final"
CONFLICT = "conflict"
PENDING = "pending"


@dataclass(slots=True)
class CaseInput:
    """A sampled file as read from the campaign: identity, outcome and (if final) its score."""

    case_id: str
    agency: str
    case_no: str
    title: str
    party: str
    kind: str
    state: str  # final | conflict | pending
    score: CaseScore | None = None
    note: str = ""
    settled: bool = False
    reasons: tuple[str, ...] = ()


@dataclass(slots=True)
class AgencyInput:
    name: str
    catalog: int


@dataclass
class ReportInputs:
    campaign: str
    year: int | None
    organiser: str
    standard: Standard
    agencies: list[AgencyInput]
    cases: Iterable[CaseInput]
    batches: list[md.SamplingBatchInfo] = field(default_factory=list)
    agreement: md.AgreementStats | None = None


def natural_key(text: str) -> tuple:
    """Sort key that orders 安罚〔2024〕5号 before 安罚〔2024〕11号."""
    return tuple((0, int(part), "") if part.isascii() and part.isdigit() else (1, 0, part) for part in _DIGITS.split(text) if part)


def default_deadline(today: date) -> date:
    return today + timedelta(days=DEFAULT_DEADLINE_DAYS)


def _stats(standard: Standard, g: GroupStats) -> md.Stats:
    grades = [md.GradeCount(b.name, b.min, g.grades.get(b.name, 0),
                            g.grades.get(b.name, 0) / g.count if g.count else 0.0) for b in standard.bands]
    return md.Stats(g.count, g.mean, g.median, g.min, g.max, g.total, g.pass_rate, g.excellent_rate, grades)


def _losses(standard: Standard, g: GroupStats) -> list[md.CategoryLoss]:
    points = {c.id: c.points for c in standard.categories}
    return [md.CategoryLoss(c.id, c.name, points.get(c.id, 0.0), c.possible, c.lost) for c in g.categories]


def _short(text: str, limit: int = EXAMPLE_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _Items:
    """Item texts, categories and legal bases, looked up once per item."""

    def __init__(self, standard: Standard):
        self.standard = standard
        self.cat_names = {c.id: c.name for c in standard.categories}
        self.order = {item.id: n for n, item in enumerate(standard.items)}
        self._cache: dict[str, tuple[str, str, str, str]] = {}

    def get(self, item_id: str) -> tuple[str, str, str, str]:
        """(text, category name, basis, veto text)."""
        hit = self._cache.get(item_id)
        if hit is None:
            if self.standard.has_item(item_id):
                it = self.standard.item(item_id)
                hit = (it.text, self.cat_names.get(it.category_id, it.category_id), it.basis, it.veto_text)
            else:
                hit = (item_id, "", "", "")
            self._cache[item_id] = hit
        return hit


def _pass_line(standard: Standard) -> float:
    return standard.bands[-2].min if len(standard.bands) > 1 else 0.0


def _failed_reasons(f: md.FileEntry, items: _Items, pass_line: float) -> list[str]:
    vetoes = [p for p in f.problems if p.verdict == md.VERDICT_VETO]
    if vetoes:
        out = []
        for p in vetoes:
            veto_text = items.get(p.item_id)[3] or p.item_text
            extra = f"（{_short(p.note)}）" if p.note and p.note != veto_text else ""
            out.append(f"否决项：{veto_text}{extra}")
        return out
    out = [f"得分{w.score(f.score)}分，低于合格线{w.points(pass_line)}分"]
    worst = sorted(f.problems, key=lambda p: -p.deducted)[:FAILED_REASONS]
    out.extend(f"{p.item_text}，扣{w.points(p.deducted)}分" + (f"（{_short(p.note)}）" if p.note else "") for p in worst)
    return out


def build_bulletin(inputs: ReportInputs, today: date, deadline: date | None = None,
                   public: bool = False) -> md.BulletinData:
    """Every figure of the bulletin and of each agency's 反馈意见书."""
    std = inputs.standard
    masker = Masker(public)
    items = _Items(std)
    fail = std.fail_band.name
    pass_line = _pass_line(std)
    names = UniqueNames()

    agencies: dict[str, md.AgencyEntry] = {}
    catalogs = {a.name: a.catalog for a in inputs.agencies}

    def agency(name: str) -> md.AgencyEntry:
        entry = agencies.get(name)
        if entry is None:
            entry = md.AgencyEntry(masker.text(name), "", catalogs.get(name, 0), 0, 0, 0, 0, None, None)
            agencies[name] = entry
        return entry

    for a in inputs.agencies:
        agency(a.name)

    scored: dict[str, list[ScoredCase]] = {}
    everything: list[ScoredCase] = []
    open_files: list[md.OpenFile] = []
    # typical-problem bookkeeping: item -> [agencies seen, examples]
    seen: dict[str, tuple[set[str], list[md.Example]]] = {}
    # notes and page references repeat a lot (notes are often the standard's own wording): keep
    # one copy of each, which saves tens of MB on a large campaign
    strings: dict[str, str] = {}

    def share(text: str) -> str:
        return strings.setdefault(text, text)

    sampled = 0
    for c in inputs.cases:
        sampled += 1
        entry = agency(c.agency)
        entry.sampled += 1
        mask = masker.for_party(c.party)
        if c.state != FINAL or c.score is None:
            state = md.STATE_CONFLICT if c.state == CONFLICT else md.STATE_PENDING
            of = md.OpenFile(entry.name, mask(c.case_no), mask(c.title), state, [mask(r) for r in c.reasons])
            entry.open_files.append(of)
            open_files.append(of)
            if state == md.STATE_CONFLICT:
                entry.conflicts += 1
            else:
                entry.pending += 1
            continue
        entry.reviewed += 1
        cs = c.score
        problems = []
        lost = 0.0
        anon = None
        for p in cs.problems:
            text, cat, basis, _ = items.get(p.item_id)
            verdict = md.VERDICT_VETO if p.verdict == VETO else md.VERDICT_DEDUCT
            problems.append(md.ProblemEntry(p.item_id, text, cat, verdict, p.deducted, share(mask(p.note)),
                                            share(mask(p.page_ref)), basis))
            lost += p.deducted if p.verdict != VETO else 0.0
            bucket = seen.get(p.item_id)
            if bucket is None:
                bucket = seen[p.item_id] = (set(), [])
            ags, examples = bucket
            if len(examples) < EXAMPLES and p.note and c.agency not in ags:
                anon = anon or file_masker(c.party)
                examples.append(md.Example(entry.name, anon(c.case_no), _short(anon(p.note))))
            ags.add(c.agency)
        entry.files.append(md.FileEntry(
            c.case_id, entry.name, mask(c.case_no), mask(c.title), mask(c.party), c.kind, cs.score, cs.grade,
            cs.vetoed, cs.excellent_barred, round(lost, 4), mask(c.note), c.settled, problems))
        sc = ScoredCase(c.case_id, c.case_no, c.agency, c.kind, cs)
        scored.setdefault(c.agency, []).append(sc)
        everything.append(sc)

    groups = rank([group_stats(std, name, cases, examples=0) for name, cases in scored.items()])
    by_name = {g.key: g for g in groups}
    overall_g = group_stats(std, "全部", everything, examples=0) if everything else None

    for name, entry in agencies.items():
        g = by_name.get(name)
        if g is not None:
            entry.rank = g.rank
            entry.stats = _stats(std, g)
            entry.categories = _losses(std, g)
        entry.files.sort(key=lambda f: natural_key(f.case_no))
        entry.open_files.sort(key=lambda f: natural_key(f.case_no))
        entry.problems = _agency_problems(entry, items)
        entry.failed = [md.FailedFile(entry.name, f.case_no, f.title, f.score, _failed_reasons(f, items, pass_line))
                        for f in entry.files if f.grade == fail]

    ordered = sorted(agencies.values(), key=lambda a: (a.rank is None, a.rank or 0, a.name))
    for entry in ordered:
        entry.file_stem = names.take(f"{entry.name}反馈意见书")

    reviewed = len(everything)
    typical = []
    if overall_g is not None:
        for pc in overall_g.problems:
            text, cat, basis, _ = items.get(pc.item_id)
            ags, examples = seen.get(pc.item_id, (set(), []))
            typical.append(md.TypicalProblem(pc.item_id, text, cat, basis, pc.count, pc.vetoes, pc.points_lost,
                                             pc.count / reviewed if reviewed else 0.0, len(ags), examples))
    failed = [f for a in ordered for f in a.failed]
    deadline_is_default = deadline is None
    deadline = deadline or default_deadline(today)
    bands = [md.BandInfo(b.name, b.min) for b in std.bands]
    std_info = md.StandardInfo(std.id, std.name, std.version, std.sha256, bands,
                               [md.CategoryInfo(c.id, c.name, c.points) for c in std.categories],
                               std.veto_score == VETO_ZERO)
    conflicts = sum(a.conflicts for a in ordered)
    pending = sum(a.pending for a in ordered)
    sampling = md.SamplingSummary(len(ordered), sum(a.catalog for a in ordered), sampled, reviewed,
                                  conflicts, pending, list(inputs.batches))
    campaign = masker.text(inputs.campaign)
    data = md.BulletinData(
        campaign=campaign, year=inputs.year, organiser=masker.text(inputs.organiser),
        title=w.bulletin_title(campaign), standard=std_info, generated_on=today, deadline=deadline,
        deadline_is_default=deadline_is_default, public=public, sampling=sampling,
        overall=_stats(std, overall_g) if overall_g is not None else None,
        agencies=ordered, categories=_losses(std, overall_g) if overall_g is not None else
        [md.CategoryLoss(c.id, c.name, c.points, 0.0, 0.0) for c in std.categories],
        typical_problems=typical, failed_files=failed,
        open_files=sorted(open_files, key=lambda f: (f.state, f.agency, natural_key(f.case_no))),
        requirements=[], agreement=inputs.agreement,
    )
    data.requirements = w.requirements(data)
    for entry in ordered:
        entry.requirements = w.agency_requirements(data, entry)
    return data


def _agency_problems(entry: md.AgencyEntry, items: _Items) -> list[md.ProblemGroup]:
    groups: dict[str, md.ProblemGroup] = {}
    for f in entry.files:
        for p in f.problems:
            g = groups.get(p.item_id)
            if g is None:
                g = groups[p.item_id] = md.ProblemGroup(p.item_id, p.item_text, p.category, p.basis, 0, 0.0)
            g.count += 1
            g.points_lost += p.deducted if p.verdict == md.VERDICT_DEDUCT else 0.0
            g.occurrences.append(md.Occurrence(f.case_no, p.verdict, p.deducted, p.note, p.page_ref))
    out = sorted(groups.values(), key=lambda g: (-g.count, items.order.get(g.item_id, 1 << 30)))
    for g in out:
        g.points_lost = round(g.points_lost, 4)
    return out
