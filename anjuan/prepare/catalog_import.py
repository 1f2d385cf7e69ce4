"""Importing case catalogs (案卷目录) from Excel (.xlsx/.xls) and CSV files.

`read_catalog` parses one file into clean rows plus every problem found in it (file, Excel row,
column, value, what was expected). `import_catalogs` parses several files, checks them against
each other and against the database, and writes all of them in one transaction, or nothing at
all when any file has a problem. Rows are written with SQLAlchemy Core executemany in chunks.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from anjuan import models as m
from anjuan.db import Database, campaign_lock
from anjuan.errors import InputError
from anjuan.prepare.catalog_read import (  # noqa: F401  (re-exported: the public API lives here)
    CSV_SUFFIXES,
    MAX_ERRORS_SHOWN,
    SPREADSHEET_SUFFIXES,
    AgencyCount,
    CatalogRow,
    FileSummary,
    ImportProblem,
    ImportReport,
    ParsedCatalog,
    Progress,
    _load,
    error_details,
)
from anjuan.prepare.catalog_validate import (  # noqa: F401
    DATE_EXPECTED,
    FIELD_LABELS,
    FIELDS,
    HEADER_ALIASES,
    HEADER_SCAN_ROWS,
    KIND_ALIASES,
    _cross_file_duplicates,
    _parse_bytes,
    check_kinds,
    clean_code,
    clean_text,
    header_key,
    infer_kind,
    normalise_kind,
    parse_date,
    read_catalog,
)
from anjuan.tables import column_letter  # noqa: F401  (re-exported)
from reports.build import paused_gc

INSERT_CHUNK = 20_000

# ---------------------------------------------------------------------------------------------
# Importing into a campaign database


_CASE_COLUMNS = ("id", "agency_id", "case_no", "title", "party", "kind", "decided_on", "officers",
                 "source_file", "source_row", "extra", "import_id")


def _insert_rows(conn, table, columns: tuple[str, ...], values: list[tuple]) -> None:
    """executemany of plain tuples. On SQLite straight to the driver (SQLAlchemy's per-row
    parameter processing costs as much as the insert itself); on PostgreSQL with COPY
    (anjuan/postgres/copy.py); elsewhere through SQLAlchemy."""
    if conn.dialect.name == "sqlite":
        sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        conn.exec_driver_sql(sql, values)
    elif conn.dialect.name == "postgresql":
        from anjuan.postgres.copy import copy_into

        copy_into(conn, table.name, list(columns), values)
    else:
        from sqlalchemy import insert

        conn.execute(insert(table), [dict(zip(columns, v, strict=True)) for v in values])


def _local_time(iso_utc: str) -> str:
    try:
        return datetime.fromisoformat(iso_utc).replace(tzinfo=UTC).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return iso_utc


def _new_ids(n: int) -> list[str]:
    """n random version-4 UUIDs as text; much cheaper than n calls of uuid.uuid4()."""
    h = os.urandom(16 * n).hex()
    variant = "89ab"
    return [
        f"{h[i:i + 8]}-{h[i + 8:i + 12]}-4{h[i + 13:i + 16]}-{variant[int(h[i + 16], 16) & 3]}{h[i + 17:i + 20]}-{h[i + 20:i + 32]}"
        for i in range(0, 32 * n, 32)
    ]


def _source_name(parsed: ParsedCatalog, row: CatalogRow) -> str:
    return f"{parsed.file_name}（{row.sheet}）" if row.sheet else parsed.file_name


def _previous_imports(conn, shas: Iterable[str]) -> dict[str, tuple[str, str, int]]:
    from sqlalchemy import select

    t = m.ImportBatch.__table__
    shas = [s for s in shas if s]
    if not shas:
        return {}
    rows = conn.execute(select(t.c.sha256, t.c.file_name, t.c.imported_at, t.c.rows).where(t.c.sha256.in_(shas)))
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def _reimport_problem(parsed: ParsedCatalog, previous: tuple[str, str, int]) -> ImportProblem:
    file_name, at, rows = previous
    same = "" if file_name == parsed.file_name else f"（当时的文件名为 {file_name}）"
    return ImportProblem(
        parsed.file_name,
        f"该文件已于 {_local_time(at)} 导入过{same}，共 {rows} 条案卷，不能重复导入。"
        "如需补充案卷，请只把新增的案卷放在一个新文件中导入")


def _check_against_db(conn, catalogs: list[ParsedCatalog]) -> list[ImportProblem]:
    """Problems found only by looking at the database: re-imported files, case numbers that
    already exist for the same agency."""
    from sqlalchemy import select

    problems: list[ImportProblem] = []
    previous = _previous_imports(conn, (p.sha256 for p in catalogs))
    for p in catalogs:
        if p.sha256 in previous and p.rows:  # (files found re-imported before parsing have no rows)
            problems.append(_reimport_problem(p, previous[p.sha256]))
    names = sorted({r.agency for p in catalogs for r in p.rows})
    if not names:
        return problems
    a, c = m.Agency.__table__, m.CaseFile.__table__
    existing: dict[tuple[str, str], tuple[str, int | None]] = {}
    for i in range(0, len(names), 500):
        q = (select(a.c.name, c.c.case_no, c.c.source_file, c.c.source_row)
             .select_from(c.join(a, c.c.agency_id == a.c.id)).where(a.c.name.in_(names[i:i + 500])))
        for name, case_no, source_file, source_row in conn.execute(q):
            existing[(name, case_no)] = (source_file, source_row)
    if not existing:
        return problems
    for p in catalogs:
        if p.sha256 in previous:
            continue
        for r in p.rows:
            hit = existing.get((r.agency, r.case_no))
            if hit is not None:
                column, letter = p.case_columns.get(r.sheet, (FIELD_LABELS["case_no"], ""))
                src = f"（此前从 {hit[0]} 第{hit[1]}行导入）" if hit[0] and hit[1] else ""
                problems.append(ImportProblem(
                    p.file_name, f"案号“{r.case_no}”已在评查数据库中{src}，同一执法机关“{r.agency}”的案号不能重复",
                    r.source_row, column, letter, r.case_no, r.sheet))
    return problems


def _summaries(catalogs: list[ParsedCatalog], known_agencies: set[str]) -> tuple[list[FileSummary], list[AgencyCount]]:
    files = [FileSummary(p.file_name, p.sha256, len(p.rows), p.blank_rows, p.format, p.encoding,
                         inferred_kinds=p.inferred_kinds, missing_kinds=p.missing_kinds,
                         extra_columns=list(p.extra_columns), case_nos_normalised=p.case_nos_normalised,
                         case_no_examples=list(p.case_no_examples)) for p in catalogs]
    counts: dict[str, int] = {}
    for p in catalogs:
        for r in p.rows:
            counts[r.agency] = counts.get(r.agency, 0) + 1
    agencies = [AgencyCount(n, k, n not in known_agencies) for n, k in counts.items()]
    return files, agencies


def _known_agencies(conn, names: Iterable[str]) -> dict[str, str]:
    from sqlalchemy import select

    a = m.Agency.__table__
    names = sorted(set(names))
    known: dict[str, str] = {}
    for i in range(0, len(names), 500):
        for aid, name in conn.execute(select(a.c.id, a.c.name).where(a.c.name.in_(names[i:i + 500]))):
            known[name] = aid
    return known


def _fail(errors: list[ImportProblem], n_files: int) -> InputError:
    files = len({e.file for e in errors})
    scope = "所有文件均未导入" if n_files > 1 else "没有导入任何案卷"
    return InputError(
        f"案卷目录有 {len(errors)} 处错误（涉及 {files} 个文件），{scope}。请按下列提示修改后重新导入：",
        error_details(errors))


def import_catalogs(db: Database, paths: Sequence[str | Path], agency: str | None = None,
                    dry_run: bool = False, progress: Progress | None = None) -> ImportReport:
    """Import catalog files into a campaign database, all or nothing.

    Raises InputError listing every problem (nothing written) when any file has one, unless
    `dry_run`, which returns the report with its errors and never writes.
    """
    with paused_gc():
        return _import_catalogs(db, paths, agency, dry_run, progress)


def _import_catalogs(db: Database, paths: Sequence[str | Path], agency: str | None,
                     dry_run: bool, progress: Progress | None) -> ImportReport:
    from sqlalchemy import insert

    if not paths:
        raise InputError("请至少指定一个案卷目录文件（.xlsx、.xls 或 .csv）")
    if agency is not None and not clean_text(agency):
        raise InputError("--agency 指定的执法机关名称为空")

    # 1. Read every file (outside any transaction: parsing may take a while). Files imported
    #    before are recognised by their sha256 and not parsed at all.
    loaded = [_load(path) for path in paths]
    catalogs = [parsed for parsed, _ in loaded]
    with db.engine.connect() as conn:
        previous = _previous_imports(conn, (c.sha256 for c in catalogs))
    first_of: dict[str, str] = {}
    for parsed, data in loaded:
        if data is None:
            continue
        if parsed.sha256 in previous:
            parsed.errors.append(_reimport_problem(parsed, previous[parsed.sha256]))
            continue
        if parsed.sha256 in first_of:
            parsed.errors.append(ImportProblem(
                parsed.file_name, f"与本次导入的 {first_of[parsed.sha256]} 内容完全相同，同一文件只能导入一次"))
            continue
        first_of[parsed.sha256] = parsed.file_name
        _parse_bytes(parsed, data, agency, progress)
    del loaded
    _cross_file_duplicates(catalogs)
    from anjuan.campaign import campaign_info

    std = campaign_info(db).standard
    check_kinds(catalogs, std.kinds, std.name)

    def all_errors(extra: list[ImportProblem]) -> list[ImportProblem]:
        # In file order, then sheet order, then row order (file-wide problems first).
        order = {p.file_name: i for i, p in enumerate(catalogs)}
        sheet_order = {(p.file_name, sh): i for p in catalogs for i, sh in enumerate(p.sheets)}
        errs = [e for p in catalogs for e in p.errors] + extra
        return sorted(errs, key=lambda e: (order.get(e.file, 0), sheet_order.get((e.file, e.sheet), 0), e.row or 0))

    # Problems only the database can reveal are reported together with those of the files.
    with db.engine.connect() as conn:
        db_problems = _check_against_db(conn, catalogs)
        if dry_run:
            known = _known_agencies(conn, (r.agency for p in catalogs for r in p.rows))
    if dry_run:
        files, agencies = _summaries(catalogs, set(known))
        return ImportReport(files, agencies, all_errors(db_problems), dry_run=True)
    if db_problems or any(p.errors for p in catalogs):
        raise _fail(all_errors(db_problems), len(catalogs))

    # 2. Write everything in one transaction; the database checks are repeated inside it so
    #    that a concurrent import cannot slip in between check and write.
    with db.session() as s:
        campaign_lock(s, "import")
        conn = s.connection()
        db_problems = _check_against_db(conn, catalogs)
        if db_problems:
            raise _fail(all_errors(db_problems), len(catalogs))
        names = {r.agency for p in catalogs for r in p.rows}
        known = _known_agencies(conn, names)
        files, agencies = _summaries(catalogs, set(known))
        created = sorted(names - set(known))
        if created:
            ids = _new_ids(len(created))
            stamp = m.now()
            conn.execute(insert(m.Agency.__table__),
                         [{"id": i, "name": n, "created_at": stamp} for i, n in zip(ids, created, strict=True)])
            known.update(zip(created, ids, strict=True))
        total = sum(len(p.rows) for p in catalogs)
        # Ascending ids: the primary-key index then grows in order instead of being split at
        # random places (about a fifth faster on large imports).
        all_ids = sorted(_new_ids(total))
        written = 0
        table = m.CaseFile.__table__
        for parsed, summary in zip(catalogs, files, strict=True):
            batch_id = _new_ids(1)[0]
            summary.import_id = batch_id
            conn.execute(insert(m.ImportBatch.__table__), [{
                "id": batch_id, "file_name": parsed.file_name, "sha256": parsed.sha256,
                "rows": len(parsed.rows), "imported_at": m.now()}])
            rows = parsed.rows
            for start in range(0, len(rows), INSERT_CHUNK):
                chunk = rows[start:start + INSERT_CHUNK]
                ids = all_ids[written:written + len(chunk)]
                dumps = json.dumps
                values = [
                    (ids[k], known[r.agency], r.case_no, r.title, r.party, r.kind, r.decided_on, r.officers,
                     _source_name(parsed, r) if r.sheet else parsed.file_name, r.source_row,
                     dumps(r.extra, ensure_ascii=False) if r.extra else "{}", batch_id)
                    for k, r in enumerate(chunk)
                ]
                _insert_rows(conn, table, _CASE_COLUMNS, values)
                written += len(chunk)
                if progress is not None:
                    progress("写入数据库", written, total)
    return ImportReport(files, agencies, [], dry_run=False)

