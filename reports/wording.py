"""The wording of the bulletin and feedback documents, shared by every format (pure).

Word is built in code and HTML/Markdown from templates; both take their sentences from here so
every format states the same thing in the same words. Numbers are formatted here too: scores with
two decimals, rates as percentages with one decimal, points as written in the standard.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from . import model as md

TYPICAL_SHOWN = 10
_DIGITS = "零一二三四五六七八九"


def score(x: float | None) -> str:
    return "—" if x is None else f"{x:.2f}"


def points(x: float | None) -> str:
    return "—" if x is None else f"{round(x, 2):g}"


def pct(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.1f}%"


def cn_num(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 35 → 三十五; Arabic digits from 100 on."""
    if n >= 100 or n < 0:
        return str(n)
    if n < 10:
        return _DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")


def line_units(text: str) -> float:
    """Width of a line of body text in characters (Latin letters and digits count half)."""
    return sum(1.0 if ord(ch) > 0x2E7F else 0.5 for ch in text)


def cn_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def bulletin_title(campaign: str) -> str:
    return f"关于{campaign}结果的通报"


DRAFT = "（草稿）"


def draft_mark(data: md.BulletinData) -> str:
    """“（草稿）” while files are still open (待合议 or 未完成), else empty."""
    return DRAFT if data.draft else ""


# Annexes a lead can choose (anjuan report --annex); INTERNAL ones never go into a public version
# or into a letter to an agency.
ANNEXES = {
    "open": "未完成评查案卷清单",
    "excellent": "优秀案卷名单",
    "sampling": "抽样方法说明",
    "agreement": "评查一致性统计",
}
INTERNAL_ANNEXES = frozenset({"agreement"})
DEFAULT_ANNEXES = ("open", "excellent", "sampling")


def feedback_title(campaign: str) -> str:
    return f"{campaign}反馈意见书"


def grade_summary(stats: md.Stats) -> str:
    """优秀2卷（占40.0%）、合格2卷（占40.0%）、不合格1卷（占20.0%）."""
    return "、".join(f"{g.name}{g.count}卷（占{pct(g.share)}）" for g in stats.grades)


def rank_text(entry: md.AgencyEntry, data: md.BulletinData) -> str:
    if entry.rank is None:
        return "暂不排名"
    tied = sum(1 for a in data.agencies if a.rank == entry.rank) > 1
    return f"第{entry.rank}名" + ("（并列）" if tied else "")


def kappa_label(k: float | None) -> str:
    """Landis & Koch's reading of Cohen's kappa."""
    if k is None:
        return "无法计算"
    if k > 0.8:
        return "几乎完全一致"
    if k > 0.6:
        return "高度一致"
    if k > 0.4:
        return "中等一致"
    if k > 0.2:
        return "一般一致"
    return "一致性较差"


def bulletin_sections(data: md.BulletinData) -> list[tuple[str, str]]:
    out = [
        ("overview", "评查基本情况"),
        ("ranking", "各执法机关评查结果"),
        ("categories", "各类别失分情况"),
    ]
    if data.good_practices:
        out.append(("good", "好的做法"))
    out += [
        ("problems", "存在的主要问题"),
        ("failed", "不合格案卷情况"),
        *_round_sections(data),
        ("rectify", "整改要求"),
    ]
    return out


def _round_sections(data: md.BulletinData) -> list[tuple[str, str]]:
    from .rounds_text import sections

    return sections(data)


def appendices(data: md.BulletinData) -> list[tuple[str, str]]:
    """The annexes of the bulletin: those the lead chose (default: open files, excellent files,
    sampling method), each only when it has content; internal ones never in a public version."""
    keys = data.annexes or list(DEFAULT_ANNEXES)
    out = []
    for key in keys:
        if key not in ANNEXES or (data.public and key in INTERNAL_ANNEXES):
            continue
        if key == "open" and not data.open_files:
            continue
        if key == "excellent" and not data.excellent_files:
            continue
        if key == "sampling" and not data.sampling.batches:
            continue
        if key == "agreement" and data.agreement is None:
            continue
        out.append((key, ANNEXES[key]))
    return out


def annex_number(data: md.BulletinData, key: str) -> int | None:
    for n, (k, _) in enumerate(appendices(data), 1):
        if k == key:
            return n
    return None


def feedback_sections(entry: md.AgencyEntry) -> list[tuple[str, str]]:
    return [
        ("overview", "评查总体情况"),
        ("files", "案卷评查得分"),
        ("problems", "存在的问题"),
        ("rectify", "整改要求"),
    ]


def addressee() -> str:
    return "各有关行政执法机关："


def intro(data: md.BulletinData) -> str:
    who = data.organiser or "我局"
    std = f"《{data.standard.name}》（{data.standard.version}版）" if data.standard.version else f"《{data.standard.name}》"
    return (f"为进一步规范行政执法行为，提升行政执法案卷质量，{who}组织开展了{data.campaign}。"
            f"本次评查依据{std}，采取随机抽取案卷、逐卷逐项评查的方式进行。现将评查结果通报如下：")


def _open_clause(conflicts: int, pending: int) -> str:
    parts = []
    if conflicts:
        parts.append(f"{conflicts}卷评查意见不一致、待合议")
    if pending:
        parts.append(f"{pending}卷尚未完成评查")
    return "，".join(parts)


def overview(data: md.BulletinData) -> list[str]:
    s = data.sampling
    first = (f"本次评查涉及{s.agencies}个行政执法机关，案卷目录共{s.catalog}卷，随机抽取{s.sampled}卷，"
             f"已完成评查{s.reviewed}卷")
    rest = _open_clause(s.conflicts, s.pending)
    out = [first + ("，" + rest if rest else "") + "。本通报的各项数据均以已完成评查（含经合议确定）的案卷为准。"]
    sentence = sampling_sentence(data)
    if sentence:
        out.append(sentence)
    o = data.overall
    if o is None:
        out.append("目前尚无完成评查的案卷，暂无评查得分。")
        return out
    out.append(f"已完成评查的{o.count}卷案卷平均得分{score(o.mean)}分，最高{score(o.max)}分，最低{score(o.min)}分。"
               f"其中{grade_summary(o)}；合格率{pct(o.pass_rate)}，优秀率{pct(o.excellent_rate)}。")
    bands = "，".join(f"{b.name}{points(b.min)}分以上" for b in data.standard.bands[:-1])
    veto = "；有否决项的案卷直接评为不合格" + ("，得分计为0分" if data.standard.veto_zero else "")
    out.append(f"等次划分：{bands}，其余为{data.standard.bands[-1].name}{veto}。" + excellent_rule(data))
    return out


def barred_files(data: md.BulletinData) -> list[md.FileEntry]:
    """Files that scored in the top band's range but were not graded in it (不得评优)."""
    top = data.standard.bands[0] if data.standard.bands else None
    if top is None:
        return []
    return [f for f in data.files() if f.barred_from_excellent and f.score >= top.min - 1e-9 and f.grade != top.name]


def excellent_rule(data: md.BulletinData, entry: md.AgencyEntry | None = None) -> str:
    """The 不得评优 rule, with the number of files it kept out of the top band."""
    std = data.standard
    if not std.barring or len(std.bands) < 2:
        return ""
    top, second = std.bands[0], std.bands[1]
    items = "、".join(f"“{t}”" for t in std.barring[:3]) + ("等" if len(std.barring) > 3 else "")
    text = (f"评查标准规定，{items}{'项' if len(std.barring) <= 3 else ''}存在扣分的案卷不得评为{top.name}，"
            f"得分虽在{points(top.min)}分以上，也只评为{second.name}")
    if entry is None:
        files = barred_files(data)
    else:
        top = data.standard.bands[0]
        files = [f for f in entry.files
                 if f.barred_from_excellent and f.score >= top.min - 1e-9 and f.grade != top.name]
    if files:
        text += f"；本次有{len(files)}卷因此评为{second.name}，已在案卷得分表中注明“不得评优”"
    return text + "。"


def grade_label(f: md.FileEntry, data: md.BulletinData) -> str:
    """The grade of a file as printed in a table: 合格（不得评优） when the rule applied."""
    top = data.standard.bands[0] if data.standard.bands else None
    if top and f.barred_from_excellent and f.score >= top.min - 1e-9 and f.grade != top.name:
        return f"{f.grade}（不得评优）"
    return f.grade


def local_draw_dates(data: md.BulletinData) -> list[date]:
    out = []
    for b in data.sampling.batches:
        d = b.local_date
        if d is None and len(b.created_at) >= 10:
            try:
                d = date.fromisoformat(b.created_at[:10])
            except ValueError:
                d = None
        if d is not None and d not in out:
            out.append(d)
    return out


def sampling_sentence(data: md.BulletinData) -> str:
    """The draw in one plain sentence for the body; the method and seed are in an annex."""
    batches = data.sampling.batches
    if not batches:
        return ""
    days = local_draw_dates(data)
    when = "、".join(cn_date(d) for d in days) + "，" if days else ""
    times = f"分{cn_num(len(batches))}次" if len(batches) > 1 else ""
    b = batches[0]
    parts = []
    if len(batches) == 1:
        if b.ratio is not None:
            parts.append(f"抽取比例为{b.ratio * 100:g}%")
        if b.min:
            parts.append(f"每个执法机关不少于{b.min}卷")
        if b.max is not None:
            parts.append(f"不超过{b.max}卷")
        if b.by_kind:
            parts.append("按案件类别分别抽取")
    detail = "（" + "，".join(parts) + "）" if parts else ""
    n = annex_number(data, "sampling")
    tail = f"，抽样方法见附件{n}" if n else ""
    return f"{when}{times}从各执法机关报送的案卷目录中随机抽取案卷{detail}{tail}。"


def sampling_annex(data: md.BulletinData) -> list[str]:
    """The draw in full (for the annex): method, seed, parameters, and how to check it."""
    out = []
    batches = data.sampling.batches
    for n, b in enumerate(batches, 1):
        d = b.local_date
        prefix = f"第{cn_num(n)}次抽样" if len(batches) > 1 else "本次抽样"
        when = f"于{cn_date(d)}进行，" if d else ""
        parts = []
        if b.ratio is not None:
            parts.append(f"抽取比例{b.ratio * 100:g}%")
        if b.min:
            parts.append(f"每个执法机关最少{b.min}卷")
        if b.max is not None:
            parts.append(f"最多{b.max}卷")
        if b.by_kind:
            parts.append("按案件类别分层抽取")
        if b.agencies:
            parts.append(f"范围为{'、'.join(b.agencies)}")
        detail = "，".join(parts)
        out.append(f"{prefix}{when}{detail + '。' if detail else ''}随机种子为“{b.seed}”。")
        if b.algorithm:
            out.append(f"抽取方法：{b.algorithm}。")
    out.append("抽样结果由随机种子和案卷目录唯一确定：使用同一随机种子和同一案卷目录重新抽取，得到的案卷相同，可据此复核。")
    return out


def ranking_intro(data: md.BulletinData) -> str:
    return ("各执法机关按已完成评查案卷的平均分排名；平均分相同的按总分排名，平均分和总分均相同的名次并列。"
            "合格率、优秀率以已完成评查的案卷数为基数。")


def unranked_note(data: md.BulletinData) -> str:
    names = [a.name for a in data.agencies if a.rank is None]
    if not names:
        return ""
    return f"{'、'.join(names)}尚无完成评查的案卷，暂不排名。"


def category_text(data: md.BulletinData) -> str:
    cats = sorted((c for c in data.categories if c.possible > 0), key=lambda c: -c.rate)
    if not cats or data.overall is None:
        return "暂无失分统计。"
    top = "，".join(f"“{c.name}”{pct(c.rate)}" for c in cats)
    return f"失分率为该类别失分合计占适用分值合计的比例。按评查标准类别统计，失分率由高到低依次为：{top}。"


def shown_problems(data: md.BulletinData) -> list[md.TypicalProblem]:
    """The typical problems the bulletin describes: every veto, and the TYPICAL_SHOWN most frequent
    others; problems tied with the last one shown are all shown (a tie is never cut)."""
    tps = data.typical_problems
    vetoes = [t for t in tps if t.veto]
    others = [t for t in tps if not t.veto]
    if len(others) > TYPICAL_SHOWN:
        last = others[TYPICAL_SHOWN - 1].count
        others = [t for t in others if t.count >= last]
    return vetoes + others


def tied_at_cut(data: md.BulletinData) -> tuple[int, int]:
    """(problems sharing the last place shown, their file count); (0, 0) when no tie is cut."""
    others = [t for t in data.typical_problems if not t.veto]
    if len(others) <= TYPICAL_SHOWN:
        return 0, 0
    last = others[TYPICAL_SHOWN - 1].count
    tied = [t for t in others if t.count == last]
    if len(tied) < 2 or others[TYPICAL_SHOWN].count != last:
        return 0, 0
    return len(tied), last


def problem_sections(data: md.BulletinData) -> list[tuple[str, list[md.TypicalProblem]]]:
    """Problems shown, vetoes first, then grouped by category in the standard's order."""
    shown = shown_problems(data)
    out = []
    vetoes = [t for t in shown if t.veto]
    if vetoes:
        out.append(("否决问题", vetoes))
    for c in data.standard.categories:
        group = sorted((t for t in shown if not t.veto and t.category == c.name), key=lambda t: -t.count)
        if group:
            out.append((f"{c.name}方面", group))
    rest = [t for t in shown if not t.veto and t.category not in {c.name for c in data.standard.categories}]
    if rest:
        out.append(("其他方面", rest))
    return out


def typical_intro(data: md.BulletinData) -> str:
    tps = data.typical_problems
    if not tps:
        return "已完成评查的案卷未发现扣分或否决问题。"
    shown = shown_problems(data)
    text = f"评查发现的问题涉及{len(tps)}个评查项目。"
    vetoes = [t for t in shown if t.veto]
    if vetoes:
        text += f"其中{sum(t.count for t in vetoes)}卷存在否决情形，直接评为不合格，列在最前。"
    tied, count = tied_at_cut(data)
    if len(shown) < len(tps) or tied:
        text += f"其余问题按出现问题的案卷数由多到少，列出前{len(shown) - len(vetoes)}项"
        if tied:
            text += f"（其中{tied}项问题均出现在{count}卷中、并列最后一位，一并列出）"
        text += "，按类别归纳如下"
    else:
        text += "按类别归纳如下"
    if any(t.examples for t in shown):
        text += "（示例已隐去当事人个人信息）"
    return text + "："


def typical_paragraph(tp: md.TypicalProblem) -> str:
    text = f"{tp.count}卷存在此问题，占已完成评查案卷的{pct(tp.share)}，涉及{tp.agencies}个执法机关"
    if tp.vetoes:
        text += f"，{tp.vetoes}卷因此被否决"
    if tp.points_lost > 0:
        text += f"，累计扣{points(tp.points_lost)}分"
    others = [s for s in tp.statements if s.text != tp.statement]
    if others:
        text += "。同类问题还有：" + "；".join(f"{s.text}（{s.count}卷）" for s in others[:4])
        if len(others) > 4:
            text += f"等{len(others)}种情形"
    return text + "。"


def good_practices(data: md.BulletinData) -> list[str]:
    """What went well, from the figures: files without any problem, the top band, agencies and
    categories without loss. Empty when nothing can be said."""
    if data.overall is None:
        return []
    out = []
    files = list(data.files())
    clean = [f for f in files if not f.problems]
    top = data.standard.bands[0].name if data.standard.bands else ""
    n_top = sum(1 for f in files if f.grade == top)
    if n_top:
        text = f"{n_top}卷案卷评为{top}"
        if clean:
            text += f"，其中{len(clean)}卷全部评查项目均符合要求"
        n = annex_number(data, "excellent")
        out.append(text + (f"（名单见附件{n}）" if n else "") + "。")
    all_top = [a.name for a in data.ranked if a.stats and a.stats.count and a.stats.grades[0].count == a.stats.count]
    if all_top and top:
        out.append(f"{'、'.join(all_top[:5])}{'等' if len(all_top) > 5 else ''}"
                   f"{len(all_top)}个执法机关被抽查的案卷全部评为{top}。")
    no_loss = [c.name for c in data.categories if c.possible > 0 and c.lost <= 1e-9]
    if no_loss:
        out.append(f"“{'”“'.join(no_loss)}”方面未发现失分，执法案卷在这些方面总体规范。")
    return out


def example_text(ex: md.Example) -> str:
    return f"{ex.agency}{ex.case_no}案卷" + (f"：{ex.note}" if ex.note else "")


def failed_intro(data: md.BulletinData) -> str:
    n = len(data.failed_files)
    if not n:
        return "本次已完成评查的案卷中没有不合格案卷。"
    return f"已完成评查的案卷中有{n}卷评为{data.standard.bands[-1].name}，具体如下："


def requirements(data: md.BulletinData) -> list[str]:
    who = data.organiser or "评查组织单位"
    dl = cn_date(data.deadline)
    out = [f"（一）逐卷整改。各执法机关要对照反馈意见书，逐卷逐项分析问题原因，对能够补正的案卷材料依法予以补正，"
           f"对存在违法情形的执法行为依法予以纠正，并于{dl}前将整改情况书面报送{who}。"]
    n = 2
    if data.failed_files:
        out.append(f"（{cn_num(n)}）重点整改不合格案卷。有不合格案卷的执法机关要逐卷说明问题原因、责任人员和整改措施，"
                   "涉及当事人合法权益的，依法采取补救措施。")
        n += 1
    out.append(f"（{cn_num(n)}）举一反三。各执法机关要针对本通报指出的典型问题，对本机关同类案卷开展自查，"
               "完善执法文书和案卷管理制度，防止同类问题再次发生。")
    n += 1
    out.append(f"（{cn_num(n)}）加强学习培训。结合评查发现的问题，组织执法人员学习《中华人民共和国行政处罚法》"
               "《中华人民共和国行政许可法》《中华人民共和国行政强制法》等法律法规和案卷评查标准，提高办案质量。")
    if data.open_files:
        n = annex_number(data, "open")
        out.append(f"尚未完成评查和待合议的{len(data.open_files)}卷案卷" + (f"（见附件{n}）" if n else "")
                   + "，评查结果确定后另行反馈。")
    return out


def agreement_text(data: md.BulletinData) -> list[str]:
    """Inter-rater agreement: internal material, never in a public version or an agency letter."""
    a = data.agreement
    if a is None:
        return []
    if not a.files:
        return ["本次评查实行双人独立评查，但尚无两名评查人员均已提交评查结果的案卷。"]
    first = (f"本次评查对{a.files}卷案卷实行双人独立评查（两人均已提交）。两人逐项认定一致的比例为{pct(a.percent)}"
             f"（共比对{a.items}项），Cohen's κ系数为{'—' if a.kappa is None else f'{a.kappa:.3f}'}（{kappa_label(a.kappa)}），"
             f"两人得分平均相差{points(a.mean_abs_diff)}分，评定等次一致的{a.same_grade}卷（占{pct(a.same_grade / a.files)}）。")
    second = (f"等次不同、分差超过{points(a.threshold)}分或否决项认定不一致的案卷须经合议确定结果："
              f"已合议确定{a.settled}卷，待合议{a.conflicts}卷。")
    return [first, second]


# --- 反馈意见书 ---------------------------------------------------------------------------


def agency_intro(data: md.BulletinData, entry: md.AgencyEntry) -> str:
    who = data.organiser or "我局"
    return (f"根据{data.campaign}工作安排，{who}从你单位案卷目录{entry.catalog}卷中随机抽取{entry.sampled}卷进行了评查。"
            "现将评查情况反馈如下：")


def agency_overview(data: md.BulletinData, entry: md.AgencyEntry) -> list[str]:
    out = []
    st = entry.stats
    open_clause = _open_clause(entry.conflicts, entry.pending)
    if st is None:
        out.append("你单位抽取的案卷尚未完成评查，暂不排名" + (f"（{open_clause}）" if open_clause else "") + "。")
        return out
    ranked = len(data.ranked)
    out.append(f"已完成评查{entry.reviewed}卷，平均得分{score(st.mean)}分（最高{score(st.max)}分，最低{score(st.min)}分），"
               f"在{ranked}个参与排名的执法机关中列{rank_text(entry, data)}。"
               f"其中{grade_summary(st)}；合格率{pct(st.pass_rate)}，优秀率{pct(st.excellent_rate)}。")
    if data.overall is not None:
        diff = st.mean - data.overall.mean
        rel = "高于" if diff > 0.005 else "低于" if diff < -0.005 else "持平于"
        out.append(f"全部已评案卷平均得分为{score(data.overall.mean)}分，你单位{rel}平均水平"
                   + (f"{score(abs(diff))}分" if rel != "持平于" else "") + "。")
    if open_clause:
        out.append(f"另有{open_clause}，评查结果确定后另行反馈。")
    return out


def agency_problems_intro(entry: md.AgencyEntry) -> str:
    if not entry.problems:
        return "已完成评查的案卷未发现扣分或否决问题。"
    n = sum(g.count for g in entry.problems)
    vetoes = sum(g.count for g in entry.problems if g.veto)
    text = f"评查共发现问题{n}处"
    if vetoes:
        text += f"，其中否决{vetoes}处（相关案卷直接评为不合格，列在最前）"
    text += "。逐项列出如下，请对照案卷和所注页码整改"
    if any("《中华人民共和国" in g.basis for g in entry.problems):
        text += "（所列依据中的法律名称省略“中华人民共和国”）"
    return text + "："


def short_basis(text: str) -> str:
    """《中华人民共和国行政处罚法》 → 《行政处罚法》 (the letter says so once)."""
    return text.replace("《中华人民共和国", "《")


def agency_problem_sections(entry: md.AgencyEntry) -> list[tuple[str, list[md.ProblemGroup]]]:
    """The agency's problems, vetoes first, then by category (the order of entry.problems)."""
    out: list[tuple[str, list[md.ProblemGroup]]] = []
    for g in entry.problems:
        title = "否决问题" if g.veto else f"{g.category or '其他'}方面"
        if not out or out[-1][0] != title:
            out.append((title, []))
        out[-1][1].append(g)
    return out


def problem_group_heading(g: md.ProblemGroup) -> str:
    return f"{g.statement or g.item_text}（{g.count}卷）"


def occurrence_deduction(o: md.Occurrence) -> str:
    return "否决" if o.verdict == md.VERDICT_VETO else f"扣{points(o.deducted)}分"


def occurrence_text(o: md.Occurrence) -> str:
    """甲罚〔2024〕2号（第5页，扣2分）"""
    where = o.page_ref.strip()
    if where and where[0].isdigit():
        where = f"第{where}页" if where.replace("-", "").replace("—", "").isdigit() else where
    inner = "，".join(x for x in (where, occurrence_deduction(o)) if x)
    return f"{o.case_no}（{inner}）"


# group_detail's texts while reports are being written (build_reports): the Word, HTML and
# Markdown letters state each problem group alike, so it is worded once. Keyed by the group's id,
# the group itself kept beside its text so the id cannot be reused meanwhile.
_details: dict[int, tuple[md.ProblemGroup, str]] | None = None


@contextmanager
def remembering_details() -> Iterator[None]:
    """Within this block group_detail words each problem group once (the data must not change)."""
    global _details
    outer = _details
    if outer is None:
        _details = {}
    try:
        yield
    finally:
        _details = outer


def group_detail(g: md.ProblemGroup) -> str:
    """涉及案卷：…；reviewers' notes that say more than the heading."""
    memo = _details
    if memo is not None:
        hit = memo.get(id(g))
        if hit is not None and hit[0] is g:
            return hit[1]
    text = _group_detail(g)
    if memo is not None:
        memo[id(g)] = (g, text)
    return text


def _group_detail(g: md.ProblemGroup) -> str:
    text = "涉及案卷：" + "、".join(occurrence_text(o) for o in g.occurrences) + "。"
    notes = []
    for o in g.occurrences:
        note = " ".join(o.note.split()).rstrip("。")
        if note and note != g.statement and note not in notes:
            notes.append(note)
    if notes:
        text += "评查意见：" + "；".join(notes[:5]) + ("等" if len(notes) > 5 else "") + "。"
    return text


def agency_requirements(data: md.BulletinData, entry: md.AgencyEntry) -> list[str]:
    who = data.organiser or "评查组织单位"
    dl = cn_date(data.deadline)
    out = [f"请你单位于{dl}前完成整改，并将整改情况书面报送{who}。"]
    n = 1
    if entry.failed:
        nos = "、".join(f.case_no for f in entry.failed)
        out.append(f"（{cn_num(n)}）对评为不合格的{len(entry.failed)}卷案卷（{nos}）逐卷说明问题原因、责任人员和整改措施；"
                   "存在违法情形的执法行为依法予以纠正，涉及当事人合法权益的，依法采取补救措施。")
        n += 1
    if entry.problems:
        out.append(f"（{cn_num(n)}）对本意见书第三部分列出的{sum(g.count for g in entry.problems)}处问题逐项整改，"
                   "能够补正的案卷材料依法予以补正。")
        n += 1
    out.append(f"（{cn_num(n)}）举一反三，对本单位同类案卷开展自查，完善执法文书和案卷管理制度，防止同类问题再次发生。")
    return out
