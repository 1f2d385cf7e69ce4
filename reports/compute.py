"""From scored files to the figures of a bulletin (pure: no database, no files).

The caller (anjuan.lead.reporting, or a benchmark) hands over the sampled files with their final
scores (scoring.CaseScore) and gets back a BulletinData. Only files with a final review count in
any figure; files waiting for 合议 or not yet reviewed are listed separately.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from scoring import VETO, CaseScore, GroupStats, ScoredCase, Standard, group_stats, rank
from scoring.standard import VETO_ZERO

from . import model as md
from . import wording as w
from .filenames import UniqueNames
from .masking import Masker

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
    options: dict[str, int] | None = None  # item id -> index of the chosen deduction option
    reviewers: tuple[str, ...] = ()


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
    workload: list[md.WorkloadRow] = field(default_factory=list)


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
        self._statements: dict[tuple, tuple[str, bool]] = {}
        self.bars = frozenset(it.id for it in standard.items if it.bars_excellent)

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


    def statement(self, item_id: str, veto: bool, option: int | None, note: str) -> tuple[str, bool]:
        key = (item_id, veto, option, note)
        hit = self._statements.get(key)
        if hit is None:
            hit = self._statement(item_id, veto, option, note)
            if len(self._statements) < 200_000:
                self._statements[key] = hit
        return hit

    def _statement(self, item_id: str, veto: bool, option: int | None, note: str) -> tuple[str, bool]:
        """The problem in a bureau's words: the chosen deduction option's 问题表述, else the veto
        wording, else the reviewer's note when it is one short sentence, else the requirement negated."""
        if self.standard.has_item(item_id):
            it = self.standard.item(item_id)
            if veto and it.veto_text:
                return _sentence(it.veto_text), False
            if option is not None and 0 <= option < len(it.deductions):
                return _sentence(it.deductions[option].text), False
            text = it.text
        else:
            text = item_id
        short = _sentence(note)
        if short and len(short) <= STATEMENT_CHARS and not _MULTI_SENTENCE.search(short):
            return short, True  # the reviewer's words: may name people
        return f"不符合“{_sentence(text)}”的要求", False


STATEMENT_CHARS = 40
_MULTI_SENTENCE = re.compile(r"[。；;！？!?\n]")


def _sentence(text: str) -> str:
    """One line without a closing full stop (headings and list entries carry no final 。)."""
    return " ".join((text or "").split()).rstrip("。．.；;，, ")


def _pass_line(standard: Standard) -> float:
    return standard.bands[-2].min if len(standard.bands) > 1 else 0.0


def _failed_reasons(f: md.FileEntry, items: _Items, pass_line: float) -> list[str]:
    vetoes = [p for p in f.problems if p.verdict == md.VERDICT_VETO]
    if vetoes:
        out = []
        for p in vetoes:
            veto_text = p.statement or items.get(p.item_id)[3] or p.item_text
            extra = f"（{_short(p.note)}）" if p.note and _sentence(p.note) != veto_text else ""
            out.append(f"否决项：{veto_text}{extra}")
        return out
    out = [f"得分{w.score(f.score)}分，低于合格线{w.points(pass_line)}分"]
    worst = sorted(f.problems, key=lambda p: -p.deducted)[:FAILED_REASONS]
    out.extend(f"{p.statement or p.item_text}，扣{w.points(p.deducted)}分" for p in worst)
    return out


def build_bulletin(inputs: ReportInputs, today: date, deadline: date | None = None,
                   public: bool = False) -> md.BulletinData:
    """Every figure of the bulletin and of each agency's 反馈意见书."""
    std = inputs.standard
    masker = Masker(public)
    items = _Items(std)
    fail = std.fail_band.name
    top = std.bands[0].name if std.bands else ""
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
    # typical-problem bookkeeping: item -> [agencies seen, examples, wordings]
    seen: dict[str, tuple[set[str], list[md.Example], Counter]] = {}
    # Files of every agency as the bulletin shows them: parties of other agencies are never named
    # in a document sent to all agencies, so these titles are always anonymised.
    failed_anon: dict[str, md.FailedFile] = {}
    excellent: list[md.ExcellentFile] = []
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
            own = md.OpenFile(entry.name, masker.text(c.case_no), mask(c.title), state, list(c.reasons))
            entry.open_files.append(own)
            if public:
                open_files.append(own)
            else:
                anon = masker.quick(c.party)
                open_files.append(md.OpenFile(entry.name, c.case_no, anon(c.title), state, list(c.reasons)))
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
        options = c.options or {}
        for p in cs.problems:
            text, cat, basis, _ = items.get(p.item_id)
            veto = p.verdict == VETO
            verdict = md.VERDICT_VETO if veto else md.VERDICT_DEDUCT
            raw, from_note = items.statement(p.item_id, veto, options.get(p.item_id), p.note)
            statement = share(mask(raw) if from_note else raw)
            bars = p.item_id in items.bars and p.deducted > 0
            problems.append(md.ProblemEntry(p.item_id, text, cat, verdict, p.deducted, share(mask(p.note)),
                                            share(masker.text(p.page_ref)), basis, statement, bars))
            lost += p.deducted if not veto else 0.0
            bucket = seen.get(p.item_id)
            if bucket is None:
                bucket = seen[p.item_id] = (set(), [], Counter())
            ags, examples, wordings = bucket
            if from_note:
                anon = anon or masker.quick(c.party)
                wordings[statement if public else anon(raw)] += 1
            else:
                wordings[raw] += 1
            if len(examples) < EXAMPLES and p.note and c.agency not in ags:
                # a note that only repeats the heading is left out: the example then names the file
                note = "" if _sentence(p.note) == raw else _short(masker.anonymous(c.party)(p.note))
                examples.append(md.Example(entry.name, c.case_no, note))
            ags.add(c.agency)
        fe = md.FileEntry(
            c.case_id, entry.name, masker.text(c.case_no), mask(c.title), mask(c.party), c.kind, cs.score, cs.grade,
            cs.vetoed, cs.excellent_barred, round(lost, 4), mask(c.note), c.settled, problems,
            [] if public else list(c.reviewers))
        entry.files.append(fe)
        if cs.grade in (fail, top):
            title = fe.title if public else (anon or masker.quick(c.party))(c.title)
            if cs.grade == fail:
                failed_anon[c.case_id] = md.FailedFile(entry.name, fe.case_no, title, cs.score, [])
            else:
                excellent.append(md.ExcellentFile(entry.name, fe.case_no, title, c.kind, cs.score))
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
        entry.failed = []
        for f in entry.files:
            if f.grade == fail:
                reasons = _failed_reasons(f, items, pass_line)
                entry.failed.append(md.FailedFile(entry.name, f.case_no, f.title, f.score, reasons))
                failed_anon[f.case_id].reasons = [masker.anonymous(f.party)(r) for r in reasons]

    ordered = sorted(agencies.values(), key=lambda a: (a.rank is None, a.rank or 0, a.name))
    draft = w.DRAFT if open_files else ""
    for entry in ordered:
        entry.file_stem = names.take(f"{entry.name}反馈意见书{draft}")

    reviewed = len(everything)
    typical = []
    if overall_g is not None:
        for pc in overall_g.problems:
            text, cat, basis, _ = items.get(pc.item_id)
            ags, examples, wordings = seen.get(pc.item_id, (set(), [], Counter()))
            ranked_wordings = sorted(wordings.items(), key=lambda kv: (-kv[1], kv[0]))
            statements = [md.Statement(t, n) for t, n in ranked_wordings]
            veto = std.has_item(pc.item_id) and std.item(pc.item_id).veto
            typical.append(md.TypicalProblem(pc.item_id, text, cat, basis, pc.count, pc.vetoes, pc.points_lost,
                                             pc.count / reviewed if reviewed else 0.0, len(ags), examples,
                                             statements[0].text if statements else text, statements, veto))
    failed = [failed_anon[f.case_id] for a in ordered for f in a.files if f.grade == fail]
    deadline_is_default = deadline is None
    deadline = deadline or default_deadline(today)
    bands = [md.BandInfo(b.name, b.min) for b in std.bands]
    barring = [_sentence(it.text) for it in std.items if it.bars_excellent]
    std_info = md.StandardInfo(std.id, std.name, std.version, std.sha256, bands,
                               [md.CategoryInfo(c.id, c.name, c.points) for c in std.categories],
                               std.veto_score == VETO_ZERO, barring)
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
        requirements=[], agreement=None if public else inputs.agreement,
        excellent_files=sorted(excellent, key=lambda f: (-f.score, f.agency, natural_key(f.case_no))),
        workload=[] if public else list(inputs.workload),
        draft=bool(open_files),
    )
    _word(data)
    return data


def _word(data: md.BulletinData) -> None:
    """The sentences that depend on the chosen annexes and dates."""
    data.good_practices = w.good_practices(data)
    data.requirements = w.requirements(data)
    for entry in data.agencies:
        entry.requirements = w.agency_requirements(data, entry)


def with_options(data: md.BulletinData, *, doc_no: str = "", issued_on: date | None = None,
                 cc: Iterable[str] = (), annexes: Iterable[str] = ()) -> md.BulletinData:
    """The bulletin with a 文号, 成文日期, 抄送 and the annexes the lead chose."""
    from dataclasses import replace

    out = replace(data, doc_no=doc_no.strip(), issued_on=issued_on, cc=[c.strip() for c in cc if c.strip()],
                  annexes=list(annexes))
    _word(out)
    return out


def _agency_problems(entry: md.AgencyEntry, items: _Items) -> list[md.ProblemGroup]:
    """One group per problem as stated (vetoes first, then by category in the standard's order,
    most frequent first), each with the files and pages where it was found."""
    groups: dict[tuple[str, str], md.ProblemGroup] = {}
    for f in entry.files:
        for p in f.problems:
            key = (p.item_id, p.statement)
            g = groups.get(key)
            if g is None:
                g = groups[key] = md.ProblemGroup(p.item_id, p.item_text, p.category, p.basis, 0, 0.0,
                                                  statement=p.statement or p.item_text,
                                                  veto=p.verdict == md.VERDICT_VETO)
            g.count += 1
            g.points_lost += p.deducted if p.verdict == md.VERDICT_DEDUCT else 0.0
            g.occurrences.append(md.Occurrence(f.case_no, p.verdict, p.deducted, p.note, p.page_ref, p.statement))
    cat_order: dict[str, int] = {}
    for c in items.standard.categories:
        cat_order.setdefault(items.cat_names.get(c.id, c.id), len(cat_order))
    out = sorted(groups.values(), key=lambda g: (not g.veto, cat_order.get(g.category, 1 << 30), -g.count,
                                                 items.order.get(g.item_id, 1 << 30), g.statement))
    for g in out:
        g.points_lost = round(g.points_lost, 4)
    return out
