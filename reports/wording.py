"""The wording of the bulletin and feedback documents, shared by every format (pure).

Word is built in code and HTML/Markdown from templates; both take their sentences from here so
every format states the same thing in the same words. Numbers are formatted here too: scores with
two decimals, rates as percentages with one decimal, points as written in the standard.
"""

from __future__ import annotations

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


def cn_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def bulletin_title(campaign: str) -> str:
    return f"关于{campaign}结果的通报"


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
    return [
        ("overview", "评查基本情况"),
        ("ranking", "各执法机关评查结果"),
        ("categories", "各类别失分情况"),
        ("problems", "存在的主要问题"),
        ("failed", "不合格案卷情况"),
        *_round_sections(data),
        ("rectify", "整改要求"),
    ]


def _round_sections(data: md.BulletinData) -> list[tuple[str, str]]:
    from .rounds_text import sections

    return sections(data)


def appendices(data: md.BulletinData) -> list[tuple[str, str]]:
    out = []
    if data.open_files:
        out.append(("open", "未完成评查案卷清单"))
    if data.agreement is not None:
        out.append(("agreement", "评查一致性统计"))
    return out


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
    out.extend(sampling_text(data))
    o = data.overall
    if o is None:
        out.append("目前尚无完成评查的案卷，暂无评查得分。")
        return out
    out.append(f"已完成评查的{o.count}卷案卷平均得分{score(o.mean)}分，最高{score(o.max)}分，最低{score(o.min)}分。"
               f"其中{grade_summary(o)}；合格率{pct(o.pass_rate)}，优秀率{pct(o.excellent_rate)}。")
    bands = "，".join(f"{b.name}{points(b.min)}分以上" for b in data.standard.bands[:-1])
    veto = "；有否决项的案卷直接评为不合格" + ("，得分计为0分" if data.standard.veto_zero else "")
    out.append(f"等次划分：{bands}，其余为{data.standard.bands[-1].name}{veto}。")
    return out


def sampling_text(data: md.BulletinData) -> list[str]:
    out = []
    for n, b in enumerate(data.sampling.batches, 1):
        prefix = f"第{n}次抽样" if len(data.sampling.batches) > 1 else "抽样"
        parts = []
        if b.ratio is not None:
            parts.append(f"抽样比例{b.ratio * 100:g}%")
        if b.min:
            parts.append(f"每个执法机关最少{b.min}卷")
        if b.max is not None:
            parts.append(f"最多{b.max}卷")
        if b.by_kind:
            parts.append("按案件类别分层抽取")
        if b.agencies:
            parts.append(f"范围为{'、'.join(b.agencies)}")
        detail = "，".join(parts)
        out.append(f"{prefix}（{b.created_at[:10]}）采用可复现的随机方法：{b.algorithm}。随机种子为“{b.seed}”"
                   + (f"，{detail}" if detail else "") + "；依据公开的种子和案卷目录，任何人均可复核抽样结果。")
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


def typical_intro(data: md.BulletinData) -> str:
    tps = data.typical_problems
    if not tps:
        return "本次评查未发现扣分或否决问题。"
    shown = min(len(tps), TYPICAL_SHOWN)
    return (f"评查发现的问题涉及{len(tps)}个评查项目。按出现问题的案卷数由多到少，"
            f"排在前{shown}位的典型问题如下（示例已隐去当事人个人信息）：")


def typical_paragraph(tp: md.TypicalProblem) -> str:
    text = f"存在该问题的案卷{tp.count}卷，占已完成评查案卷的{pct(tp.share)}，涉及{tp.agencies}个执法机关"
    if tp.vetoes:
        text += f"，其中{tp.vetoes}卷因此被否决"
    if tp.points_lost > 0:
        text += f"，累计扣{points(tp.points_lost)}分"
    return text + "。"


def example_text(ex: md.Example) -> str:
    return f"{ex.agency}{ex.case_no}案卷：{ex.note}"


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
        out.append(f"尚未完成评查和待合议的{len(data.open_files)}卷案卷（见附件），评查结果确定后另行反馈。")
    return out


def agreement_text(data: md.BulletinData) -> list[str]:
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
    return f"评查共发现问题{n}处，涉及{len(entry.problems)}个评查项目，按出现次数排列如下："


def problem_group_heading(g: md.ProblemGroup) -> str:
    return f"{g.item_text}（{g.item_id}，{g.category}，{g.count}卷）"


def occurrence_deduction(o: md.Occurrence) -> str:
    return "否决" if o.verdict == md.VERDICT_VETO else f"扣{points(o.deducted)}分"


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
