"""The 整改台账: problems out to each agency, ledgers back in, states, deadlines and overdue items.

A ledger item is one problem of one file's final result: every deduction or veto of a 抽查 file
and, where the bureau did not find the same item in the same file, of a 自查 file. Items are made
once (anjuan ledger export) and keep their 问题编号 (ZG-0001, …) for good, so a returned ledger is
matched to problems by that number, never by row position.

States: 未整改, 整改中, 已整改 and 不予整改 (with a reason) are stored as the agency reports them;
逾期 is derived: an item still 未整改 or 整改中 after its deadline. Deadlines and "today" are local
dates in China (UTC+8, no daylight saving), so a ledger is not overdue a day early at night.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import func, select, update

from anjuan import models as m
from anjuan.campaign import campaign_info
from anjuan.db import Database
from anjuan.errors import InputError, WorkflowError
from anjuan.tables import SheetProblem, column_letter, read_table

CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")
CODE_PREFIX = "ZG-"
MAX_ERRORS_SHOWN = 50
HEADER_SCAN_ROWS = 10


def local_today() -> date:
    """Today's date in China, whatever the machine's time zone."""
    return datetime.now(UTC).astimezone(CHINA).date()


@dataclass
class LedgerEntry:
    code: str
    agency: str
    case_no: str
    title: str
    source: str  # 抽查 | 自查
    item_id: str
    item_text: str
    verdict: str
    deducted: float
    problem: str
    page_ref: str
    deadline: date
    state: str
    measure: str = ""
    owner: str = ""
    progress: str = ""
    done_on: date | None = None
    evidence: str = ""
    reason: str = ""

    def status(self, today: date) -> str:
        """The state as reported, or 逾期 for an open item past its deadline."""
        if self.state in (m.LEDGER_OPEN, m.LEDGER_DOING) and today > self.deadline:
            return m.LEDGER_OVERDUE
        return self.state

    def days_overdue(self, today: date) -> int:
        return (today - self.deadline).days if self.status(today) == m.LEDGER_OVERDUE else 0

    def to_json(self, today: date) -> dict:
        d = asdict(self)
        d["deadline"] = self.deadline.isoformat()
        d["done_on"] = self.done_on.isoformat() if self.done_on else None
        d["status"] = self.status(today)
        d["days_overdue"] = self.days_overdue(today)
        return d


@dataclass
class AgencyLedger:
    """Per-agency counts: open = 未整改 + 整改中 (overdue ones included), done = 已整改."""

    agency: str
    total: int = 0
    open: int = 0
    doing: int = 0
    done: int = 0
    refused: int = 0
    overdue: int = 0


@dataclass
class CreateResult:
    created: int
    kept: int
    by_agency: dict[str, int] = field(default_factory=dict)
    stale: list[str] = field(default_factory=list)
    """Codes of items whose problem is no longer in the final results (a 合议 or a new self-check
    changed it since the ledger was made); they stay in the ledger for the record."""


def _d(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def create_ledger(db: Database, deadline: date, include_selfcheck: bool = True) -> CreateResult:
    """Make a ledger item for every problem of the final results that has none yet.

    Items already made keep their number, deadline and state; a new problem (a file settled
    since) gets the next number and this deadline."""
    from anjuan.rounds.results import round_results, spot_results, spot_round_id

    std = campaign_info(db).standard
    spot_id = spot_round_id(db)
    wanted: list[tuple[str, str, object, str]] = []  # (round id, case id, finding, agency)
    spot = spot_results(db)
    for fr in sorted(spot.values(), key=lambda f: (f.agency, f.case_no)):
        for fnd in fr.findings.values():
            wanted.append((spot_id, fr.case_id, fnd, fr.agency))
    if include_selfcheck:
        with db.read_session() as s:
            self_rounds = dict(s.execute(select(m.RoundResult.case_id, m.RoundResult.round_id).join(
                m.Round, m.Round.id == m.RoundResult.round_id).where(m.Round.kind == m.ROUND_SELF)).all())
        own = round_results(db, kind=m.ROUND_SELF)
        for fr in sorted(own.values(), key=lambda f: (f.agency, f.case_no)):
            bureau = spot.get(fr.case_id)
            for item_id, fnd in fr.findings.items():
                if bureau is not None and item_id in bureau.findings:
                    continue  # the bureau's finding of the same item stands
                wanted.append((self_rounds[fr.case_id], fr.case_id, fnd, fr.agency))
    li = m.LedgerItem.__table__
    created = kept = 0
    by_agency: dict[str, int] = {}
    with db.session() as s:
        existing = {(r, c, i) for r, c, i in s.execute(select(li.c.round_id, li.c.case_id, li.c.item_id))}
        codes = [c for (c,) in s.execute(select(li.c.code))]
        seq = max((int(c[len(CODE_PREFIX):]) for c in codes if c.startswith(CODE_PREFIX) and c[len(CODE_PREFIX):].isdigit()),
                  default=0)
        for round_id, case_id, fnd, agency in wanted:
            if (round_id, case_id, fnd.item_id) in existing:
                kept += 1
                continue
            seq += 1
            item = std.item(fnd.item_id) if std.has_item(fnd.item_id) else None
            s.add(m.LedgerItem(code=f"{CODE_PREFIX}{seq:04d}", round_id=round_id, case_id=case_id,
                               item_id=fnd.item_id, item_text=item.text if item else "", verdict=fnd.verdict,
                               deducted=fnd.deducted, problem=fnd.note or (item.text if item else ""),
                               page_ref=fnd.page_ref, deadline=deadline.isoformat()))
            existing.add((round_id, case_id, fnd.item_id))
            created += 1
            by_agency[agency] = by_agency.get(agency, 0) + 1
        wanted_keys = {(r, c, f.item_id) for r, c, f, _ in wanted}
        stale = sorted(code for code, r, c, i in s.execute(select(li.c.code, li.c.round_id, li.c.case_id, li.c.item_id))
                       if (r, c, i) not in wanted_keys)
    return CreateResult(created, kept, by_agency, stale)


def ledger_entries(db: Database, agency: str | None = None) -> list[LedgerEntry]:
    """Every ledger item (or one agency's), by agency, case number and item."""
    li, cf, ag, rd = m.LedgerItem.__table__, m.CaseFile.__table__, m.Agency.__table__, m.Round.__table__
    q = (select(li, ag.c.name.label("agency"), cf.c.case_no, cf.c.title, rd.c.kind)
         .select_from(li.join(cf, cf.c.id == li.c.case_id).join(ag, ag.c.id == cf.c.agency_id)
                      .join(rd, rd.c.id == li.c.round_id)))
    if agency is not None:
        q = q.where(ag.c.name == agency)
    with db.read_session() as s:
        rows = s.execute(q).mappings().all()
    if not rows:
        return []  # no ledger yet (the lead's dashboard asks on every read): nothing to sort by
    from reports.compute import natural_key

    out = [LedgerEntry(r["code"], r["agency"], r["case_no"], r["title"] or "", m.ROUND_LABELS.get(r["kind"], r["kind"]),
                       r["item_id"], r["item_text"] or "", r["verdict"] or "", r["deducted"] or 0.0, r["problem"] or "",
                       r["page_ref"] or "", date.fromisoformat(r["deadline"]), r["state"], r["measure"] or "",
                       r["owner"] or "", r["progress"] or "", _d(r["done_on"]), r["evidence"] or "", r["reason"] or "")
           for r in rows]
    order = {item.id: n for n, item in enumerate(campaign_info(db).standard.items)}
    out.sort(key=lambda e: (e.agency, natural_key(e.case_no), order.get(e.item_id, len(order)), e.code))
    return out


def ledger_summary(db: Database, today: date | None = None) -> list[AgencyLedger]:
    """Per agency: problems in the ledger, open (未整改/整改中), done, refused and overdue."""
    today = today or local_today()
    agencies: dict[str, AgencyLedger] = {}
    for e in ledger_entries(db):
        a = agencies.setdefault(e.agency, AgencyLedger(e.agency))
        a.total += 1
        st = e.status(today)
        if e.state == m.LEDGER_OPEN:
            a.open += 1
        elif e.state == m.LEDGER_DOING:
            a.doing += 1
        elif e.state == m.LEDGER_DONE:
            a.done += 1
        elif e.state == m.LEDGER_REFUSED:
            a.refused += 1
        if st == m.LEDGER_OVERDUE:
            a.overdue += 1
    return sorted(agencies.values(), key=lambda a: a.agency)


def overdue_entries(db: Database, today: date | None = None) -> list[LedgerEntry]:
    """Open items past their deadline, the longest overdue first."""
    today = today or local_today()
    late = [e for e in ledger_entries(db) if e.status(today) == m.LEDGER_OVERDUE]
    late.sort(key=lambda e: (-e.days_overdue(today), e.agency, e.code))
    return late


# ---------------------------------------------------------------------------------------------
# Ledgers out


def ledger_sheets(db: Database, today: date | None = None, agencies: list[str] | None = None):
    from reports.ledger import LedgerLine, LedgerSheet

    info = campaign_info(db)
    today = today or local_today()
    sheets: dict[str, LedgerSheet] = {}
    for e in ledger_entries(db):
        if agencies and e.agency not in agencies:
            continue
        sh = sheets.setdefault(e.agency, LedgerSheet(info.name, info.organiser, e.agency, today))
        sh.lines.append(LedgerLine(e.code, e.agency, e.case_no, e.title, e.source, f"{e.item_id} {e.item_text}".strip(),
                                   e.problem, e.page_ref, e.deadline, e.state, e.measure, e.owner, e.progress,
                                   e.done_on, e.evidence, e.reason))
    return list(sheets.values())


def export_ledgers(db: Database, outdir: str | Path, formats: tuple[str, ...] = ("xlsx", "docx"),
                   today: date | None = None, agencies: list[str] | None = None) -> list[Path]:
    """One ledger per agency with problems, as 《…问题整改台账》.xlsx / .docx in outdir."""
    from reports.filenames import UniqueNames
    from reports.ledger import write_ledger_docx, write_ledger_xlsx

    outdir = Path(outdir)
    with db.read_session() as s:
        known = {n for (n,) in s.execute(select(m.Agency.name))}
    unknown = [a for a in agencies or [] if a not in known]
    if unknown:
        raise InputError(f"执法机关“{'、'.join(unknown)}”不在本评查活动中")
    outdir.mkdir(parents=True, exist_ok=True)
    names = UniqueNames()
    written = []
    for sheet in ledger_sheets(db, today, agencies):
        stem = names.take(f"{sheet.agency}问题整改台账")
        for fmt in formats:
            path = outdir / f"{stem}.{fmt}"
            tmp = path.with_name(path.name + ".part")
            (write_ledger_xlsx if fmt == "xlsx" else write_ledger_docx)(sheet, tmp)
            tmp.replace(path)
            written.append(path)
    return written


# ---------------------------------------------------------------------------------------------
# Ledgers back


@dataclass
class ImportResult:
    files: int = 0
    rows: int = 0
    changed: int = 0
    by_state: dict[str, int] = field(default_factory=dict)
    unchanged_files: list[str] = field(default_factory=list)


_DATE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*(?:0{1,2}:00(?::00)?)?\s*$")


def parse_local_date(text: str) -> date | None:
    """2025-03-15, 2025/3/15, 2025.3.15 or 2025年3月15日 (an Excel date cell reads as the first)."""
    mt = _DATE.match(text or "")
    if not mt:
        return None
    try:
        return date(int(mt.group(1)), int(mt.group(2)), int(mt.group(3)))
    except ValueError:
        return None


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", text or "")


def _header(table: list[list[str]], name: str) -> tuple[int, dict[str, int]]:
    from reports.ledger import COL_CODE, COL_STATE, COLUMNS

    for i, row in enumerate(table[:HEADER_SCAN_ROWS]):
        cols = {}
        for c, cell in enumerate(row):
            key = _norm(cell)
            if key in COLUMNS and key not in cols:
                cols[key] = c
        if COL_CODE in cols and COL_STATE in cols:
            return i, cols
    if not any(any(c.strip() for c in r) for r in table):
        raise InputError(f"{name} 是空文件，没有整改台账内容")
    raise InputError(f"{name}：前 {HEADER_SCAN_ROWS} 行中找不到表头（须有“{COL_CODE}”和“{COL_STATE}”两列），"
                     "请使用 anjuan ledger export 导出的整改台账填写")


def import_ledgers(db: Database, paths: list[str | Path], today: date | None = None) -> ImportResult:
    """Read returned ledgers and record each problem's state: every file and row checked first,
    then all written in one transaction, or nothing at all if any cell is wrong."""
    from reports.ledger import (
        AGENCY_COLUMNS,
        COL_AGENCY,
        COL_CASE,
        COL_CODE,
        COL_DEADLINE,
        COL_DONE,
        COL_EVIDENCE,
        COL_MEASURE,
        COL_OWNER,
        COL_PROGRESS,
        COL_REASON,
        COL_STATE,
    )

    today = today or local_today()
    if not paths:
        raise InputError("请指定要导入的整改台账文件")
    li, cf, ag = m.LedgerItem.__table__, m.CaseFile.__table__, m.Agency.__table__
    with db.read_session() as s:
        items = {r.code: r for r in s.execute(
            select(li.c.id, li.c.code, li.c.state, li.c.measure, li.c.owner, li.c.progress, li.c.done_on,
                   li.c.evidence, li.c.reason, li.c.deadline, cf.c.case_no, ag.c.name.label("agency"))
            .select_from(li.join(cf, cf.c.id == li.c.case_id).join(ag, ag.c.id == cf.c.agency_id)))}
        seen_sha = {sha for (sha,) in s.execute(select(m.LedgerImport.sha256))}
    if not items:
        raise WorkflowError("本评查活动还没有整改台账，请先用 anjuan ledger export 生成并下发")
    problems: list[SheetProblem] = []
    planned: dict[str, dict] = {}
    where: dict[str, str] = {}
    result = ImportResult()
    logs = []
    for raw in paths:
        path = Path(raw)
        table = read_table(path)
        name = path.name
        header_at, cols = _header(table, name)
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        file_rows = 0

        for n, row in enumerate(table[header_at + 1:], header_at + 2):
            def cell(col: str, _row=row, _cols=cols) -> str:
                i = _cols.get(col)
                return _row[i].strip() if i is not None and i < len(_row) else ""

            def bad(col: str | None, message: str, _n=n, _cols=cols, _name=name) -> None:
                if col is None or col not in _cols:
                    problems.append(SheetProblem(_name, _n, "", "", message))
                else:
                    problems.append(SheetProblem(_name, _n, col, column_letter(_cols[col]), message))

            code = cell(COL_CODE).upper().replace(" ", "")
            if not code:
                if any(cell(c) for c in AGENCY_COLUMNS):
                    bad(COL_CODE, "问题编号为空：每一行须保留导出时的问题编号，不能删改")
                continue
            file_rows += 1
            item = items.get(code)
            if item is None:
                bad(COL_CODE, f"问题编号“{code}”不在本评查活动的整改台账中（是否改动了编号，或用了别的评查活动的台账？）")
                continue
            if code in where:
                bad(COL_CODE, f"问题编号“{code}”重复，已在{where[code]}出现")
                continue
            where[code] = f"{name} 第{n}行"
            if cell(COL_CASE) and _norm(cell(COL_CASE)) != _norm(item.case_no):
                bad(COL_CASE, f"案号“{cell(COL_CASE)}”与问题编号 {code} 登记的案号“{item.case_no}”不符，请勿修改灰色各列")
                continue
            if cell(COL_AGENCY) and _norm(cell(COL_AGENCY)) != _norm(item.agency):
                bad(COL_AGENCY, f"执法机关“{cell(COL_AGENCY)}”与问题编号 {code} 登记的“{item.agency}”不符，请勿修改灰色各列")
                continue
            if cell(COL_DEADLINE) and parse_local_date(cell(COL_DEADLINE)) != date.fromisoformat(item.deadline):
                bad(COL_DEADLINE, f"整改期限“{cell(COL_DEADLINE)}”与问题编号 {code} 登记的整改期限 {item.deadline} 不符：整改期限由司法局确定，"
                                  "不能在报回的台账中修改，请勿修改灰色各列")
                continue
            state = _norm(cell(COL_STATE))
            measure, owner, progress = cell(COL_MEASURE), cell(COL_OWNER), cell(COL_PROGRESS)
            evidence, reason, done_text = cell(COL_EVIDENCE), cell(COL_REASON), cell(COL_DONE)
            n_before = len(problems)
            if not state:
                state = m.LEDGER_DOING if (measure or progress) else m.LEDGER_OPEN
            elif state == m.LEDGER_OVERDUE:
                bad(COL_STATE, "“逾期”由系统按整改期限自动判定，请填写 未整改、整改中、已整改 或 不予整改")
            elif state not in m.LEDGER_STATES:
                bad(COL_STATE, f"整改状态“{cell(COL_STATE)}”无效，应为 未整改、整改中、已整改 或 不予整改")
            done_on = None
            if done_text:
                done_on = parse_local_date(done_text)
                if done_on is None:
                    bad(COL_DONE, f"完成日期“{done_text}”不是有效日期，应为 年-月-日，如 2025-03-15")
                elif done_on > today:
                    bad(COL_DONE, f"完成日期 {done_on.isoformat()} 晚于今天（{today.isoformat()}），尚未发生")
            if state == m.LEDGER_DONE:
                if not measure:
                    bad(COL_MEASURE, "整改状态为“已整改”时须填写整改措施")
                if not done_text:
                    bad(COL_DONE, "整改状态为“已整改”时须填写完成日期")
            elif state == m.LEDGER_REFUSED:
                if not reason:
                    bad(COL_REASON, "整改状态为“不予整改”时须在“不予整改理由”列说明理由")
            elif state in (m.LEDGER_OPEN, m.LEDGER_DOING) and done_text:
                bad(COL_DONE, f"整改状态为“{state}”时不应填写完成日期（整改完成后请把状态改为“已整改”）")
            if len(problems) > n_before:
                continue
            new = {"state": state, "measure": measure, "owner": owner, "progress": progress,
                   "done_on": done_on.isoformat() if done_on else None, "evidence": evidence,
                   "reason": reason if state == m.LEDGER_REFUSED else ""}
            old = {k: getattr(item, k) or ("" if k not in ("done_on",) else None) for k in new}
            result.by_state[state] = result.by_state.get(state, 0) + 1
            if new != old:
                planned[item.id] = new
        result.files += 1
        result.rows += file_rows
        logs.append((name, sha, file_rows))
        if sha in seen_sha:
            result.unchanged_files.append(name)
    if problems:
        problems.sort(key=lambda p: (p.file, p.row, p.letter.rjust(3)))
        lines = [str(p) for p in problems[:MAX_ERRORS_SHOWN]]
        if len(problems) > MAX_ERRORS_SHOWN:
            lines.append(f"还有 {len(problems) - MAX_ERRORS_SHOWN} 处错误未列出")
        if len(problems) == 1:
            raise InputError(f"{lines[0]}。没有导入任何整改台账，请修改后重新导入")
        raise InputError(f"整改台账有 {len(problems)} 处错误，没有导入任何内容。请按下列提示修改后重新导入：", lines)
    stamp = m.now()
    with db.session() as s:
        for item_id, values in planned.items():
            s.execute(update(li).where(li.c.id == item_id).values(**values, updated_at=stamp))
        for name, sha, rows in logs:
            s.add(m.LedgerImport(file_name=name, sha256=sha, rows=rows, changed=len(planned)))
    result.changed = len(planned)
    return result


def ledger_count(db: Database) -> int:
    with db.read_session() as s:
        return s.scalar(select(func.count()).select_from(m.LedgerItem.__table__)) or 0
