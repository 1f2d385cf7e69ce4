"""A realistic demo campaign: a county's agencies, their catalogs, a sample and a review team.

The catalogs are written as Excel files and brought in through the real import, so the demo
walks the same path a team lead does. Names and numbers are invented.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import insert, select

from scoring import DEDUCT, NA, PASS, VETO, AnswerInput, score_case

from . import models as m
from .campaign import campaign_info, init_campaign
from .db import Database
from .integrity import chain

YEAR = 2024


@dataclass(frozen=True)
class DemoAgency:
    name: str
    prefix: str  # 案号 prefix, e.g. 安市监
    files: int
    causes: tuple[str, ...]
    other_kinds: tuple[tuple[str, str, tuple[str, ...]], ...] = ()  # (kind, 字, causes)
    firms: tuple[str, ...] = ("商贸有限公司", "贸易商行")  # the kinds of business this agency regulates


AGENCIES = (
    DemoAgency("安溪县市场监督管理局", "安市监", 118, (
        "销售过期食品", "经营标签不符合规定的预包装食品", "未按规定公示营业执照", "销售不合格电线电缆",
        "发布虚假广告", "未建立食品进货查验记录制度", "使用未经定期检验的特种设备", "销售不符合强制性标准的儿童玩具",
        "无照经营", "计量器具未经检定投入使用"),
        (("行政许可", "许", ("食品经营许可", "药品零售经营许可变更")), ("行政强制", "强", ("查封涉嫌不合格商品",))), firms=("食品店", "超市", "商贸有限公司", "电器商行", "茶业有限公司", "药店")),
    DemoAgency("安溪县城市管理综合行政执法局", "安城管", 96, (
        "擅自占用城市道路摆摊经营", "未按规定倾倒建筑垃圾", "未取得建设工程规划许可证进行建设",
        "擅自设置户外广告设施", "餐饮服务经营者油烟直排", "运输渣土车辆未密闭造成道路污染", "擅自砍伐城市树木"),
        (("行政强制", "强", ("强制拆除违法建筑物",)),), firms=("餐饮店", "建材经营部", "广告有限公司", "渣土运输有限公司", "小吃店")),
    DemoAgency("安溪县交通运输局", "安交", 82, (
        "未取得道路运输经营许可擅自从事道路旅客运输经营", "货运车辆超限运输", "未按规定维护和检测运输车辆",
        "巡游出租汽车驾驶员拒载", "网约车未取得经营许可从事经营", "擅自占用公路建筑控制区"),
        (("行政许可", "许", ("道路货物运输经营许可",)), ("行政检查", "检", ("道路运输企业安全生产检查",))), firms=("物流有限公司", "运输有限公司", "汽车租赁有限公司", "客运有限公司")),
    DemoAgency("安溪县农业农村局", "安农", 66, (
        "经营假农药", "销售未经登记的肥料", "违规使用禁用兽药", "使用电鱼等禁用方法捕捞",
        "生产经营劣质种子", "未按规定建立农药经营台账"),
        (("行政检查", "检", ("农资经营门店监督检查",)),), firms=("农资店", "种业有限公司", "家庭农场", "养殖专业合作社")),
    DemoAgency("安溪县文化和旅游局", "安文旅", 52, (
        "互联网上网服务营业场所接纳未成年人", "旅行社未与旅游者签订书面合同", "娱乐场所未按规定安装闭路电视监控设备",
        "擅自从事营业性演出", "出版物经营单位销售非法出版物"),
        (("行政许可", "许", ("营业性演出许可",)),), firms=("网吧", "旅行社有限公司", "KTV", "文化传媒有限公司", "书店")),
    DemoAgency("安溪县应急管理局", "安应急", 60, (
        "未在有较大危险因素的生产经营场所设置明显的安全警示标志", "未对从业人员进行安全生产教育和培训",
        "未建立事故隐患排查治理制度", "特种作业人员未按规定持证上岗", "未按规定制定生产安全事故应急救援预案"),
        (("行政检查", "检", ("工贸企业安全生产执法检查",)),), firms=("石材有限公司", "机械厂", "五金制品有限公司", "茶叶加工厂")),
    DemoAgency("泉州市安溪生态环境局", "泉安环", 58, (
        "建设项目环境影响评价文件未经批准擅自开工建设", "超过大气污染物排放标准排放大气污染物",
        "未按规定贮存危险废物", "配套环境保护设施未经验收即投入生产", "未按规定安装使用自动监测设备"),
        (("行政强制", "强", ("查封违法排放污染物的设施设备",)),), firms=("石材有限公司", "陶瓷有限公司", "印染有限公司", "汽车修理厂")),
    DemoAgency("安溪县卫生健康局", "安卫", 40, (
        "未取得医疗机构执业许可证擅自执业", "公共场所经营者未取得卫生许可证经营", "医疗机构使用非卫生技术人员从事医疗卫生技术工作",
        "生活饮用水供水单位供应的饮用水不符合卫生标准"), firms=("诊所", "美容院", "宾馆", "游泳馆", "供水站")),
    DemoAgency("安溪县龙门镇人民政府", "龙政", 28, (
        "农村村民未经批准占用土地建设住宅", "露天焚烧秸秆", "在禁止养殖区域内建设畜禽养殖场", "擅自在河道管理范围内堆放物料"), firms=("养殖场", "砂石场", "建材经营部")),
)

SURNAMES = "陈林黄王李张吴刘苏郑谢杨许周叶洪詹蔡施柯廖"
GIVEN = ("建华", "志强", "丽娟", "秀英", "国栋", "雅琴", "文斌", "晓燕", "明辉", "淑芬", "海峰", "春梅",
         "金水", "宝珠", "振兴", "美玲", "添福", "荣华", "俊杰", "素珍")
TOWNS = ("凤城", "城厢", "参内", "魁斗", "蓬莱", "湖头", "官桥", "龙门", "虎邱", "西坪", "感德", "剑斗")

REVIEWERS = (
    ("王敏", "安溪县司法局", m.ROLE_REVIEWER),
    ("陈立新", "福建安正律师事务所", m.ROLE_REVIEWER),
    ("刘建国", "安溪县市场监督管理局", m.ROLE_REVIEWER),
    ("李卫东", "安溪县司法局", m.ROLE_LEAD),
)


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _party(rng: random.Random, firms: tuple[str, ...]) -> str:
    if rng.random() < 0.45:
        return _person(rng)
    return f"安溪县{rng.choice(TOWNS)}{rng.choice(('鑫', '顺', '恒', '福', '兴', '盛', '源', '泰'))}{rng.choice(('达', '发', '隆', '丰', '安', '和'))}{rng.choice(firms)}"


def catalog_rows(agency: DemoAgency, rng: random.Random) -> list[list]:
    """One agency's catalog as its clerk would type it."""
    rows = []
    counters: dict[str, int] = {}
    start = date(YEAR, 1, 2)
    for _ in range(agency.files):
        kind, word, causes = "行政处罚", "罚", agency.causes
        if agency.other_kinds and rng.random() < 0.18:
            kind, word, causes = rng.choice(agency.other_kinds)
        counters[word] = counters.get(word, 0) + rng.choice((1, 1, 1, 2))
        case_no = f"{agency.prefix}{word}〔{YEAR}〕{counters[word]}号"
        cause = rng.choice(causes)
        party = _party(rng, agency.firms)
        title = f"{party}{cause}案" if kind == "行政处罚" else f"{party}{cause}"
        decided = start + timedelta(days=rng.randrange(0, 350))
        officers = f"{_person(rng)}、{_person(rng)}"
        rows.append([case_no, title, party, kind, decided, officers])
    return rows


def write_catalogs(folder: Path, rng: random.Random) -> list[Path]:
    """One Excel catalog per agency, with a title row above the header as agencies send them."""
    import xlsxwriter

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for agency in AGENCIES:
        path = folder / f"{agency.name}{YEAR}年度行政执法案卷目录.xlsx"
        wb = xlsxwriter.Workbook(str(path))
        ws = wb.add_worksheet("案卷目录")
        bold = wb.add_format({"bold": True, "align": "center"})
        datefmt = wb.add_format({"num_format": "yyyy-mm-dd"})
        ws.merge_range(0, 0, 0, 6, f"{agency.name}{YEAR}年度行政执法案卷目录", bold)
        for col, head in enumerate(("序号", "执法机关", "案号", "案件名称", "当事人", "案件类别", "决定日期", "承办人")):
            ws.write(1, col, head, bold)
        for n, (case_no, title, party, kind, decided, officers) in enumerate(catalog_rows(agency, rng), 1):
            ws.write_number(n + 1, 0, n)
            ws.write_string(n + 1, 1, agency.name)
            ws.write_string(n + 1, 2, case_no)
            ws.write_string(n + 1, 3, title)
            ws.write_string(n + 1, 4, party)
            ws.write_string(n + 1, 5, kind)
            ws.write_datetime(n + 1, 6, decided, datefmt)
            ws.write_string(n + 1, 7, officers)
        ws.set_column(2, 3, 28)
        wb.close()
        paths.append(path)
    return paths


def write_reviewer_list(folder: Path) -> Path:
    path = folder / "评查人员名单.csv"
    lines = ["姓名,单位,角色"] + [f"{n},{u},{'组长' if r == m.ROLE_LEAD else '评查员'}" for n, u, r in REVIEWERS]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    return path


def simulate_reviews(db: Database, reviewer_name: str, fraction: float, rng: random.Random, submit: bool = True,
                     only_reviewed_by_others: bool = False) -> int:
    """Score a share of a reviewer's files as a careful reviewer might (demo data only).

    With only_reviewed_by_others, score just the double-reviewed files the other reviewer has
    already submitted, so the lead finds agreeing files and files waiting for 合议."""
    std = campaign_info(db).standard
    with db.session() as s:
        rid = s.scalar(select(m.Reviewer.id).where(m.Reviewer.name == reviewer_name))
        files = s.execute(
            select(m.CaseFile.id, m.CaseFile.kind).join(m.Assignment, m.Assignment.case_id == m.CaseFile.id)
            .where(m.Assignment.reviewer_id == rid).order_by(m.CaseFile.case_no)).all()
        if only_reviewed_by_others:
            done = set(s.scalars(select(m.Review.case_id).where(
                (m.Review.reviewer_id != rid) & (m.Review.status == m.STATUS_SUBMITTED))))
            files = [f for f in files if f.id in done]
        chosen = files[: round(len(files) * fraction)]
        reviews, answers, history = [], [], []
        for case_id, kind in chosen:
            review_id = m.new_id()
            inputs = []
            for item in std.items_for(kind):
                roll = rng.random()
                if item.veto:
                    verdict, ded = (VETO, item.points) if roll < 0.002 else (PASS, 0.0)
                    note = item.veto_text if verdict == VETO else ""
                elif roll < 0.06 and not item.applies_to:
                    verdict, ded, note = NA, 0.0, ""
                elif roll < 0.13 and item.deductions:
                    opt = rng.randrange(len(item.deductions))
                    d = item.deductions[opt]
                    occ = rng.choice((1, 1, 2)) if d.per_occurrence else 1
                    verdict, ded, note = DEDUCT, min(item.points, d.points * occ), d.text
                else:
                    verdict, ded, note = PASS, 0.0, ""
                page = f"第{rng.randint(2, 60)}页" if verdict in (DEDUCT, VETO) else ""
                inputs.append(AnswerInput(item.id, verdict, ded, note, page))
                stamp = m.now()
                aid = m.new_id()
                answers.append({"id": aid, "review_id": review_id, "item_id": item.id, "verdict": verdict,
                                "deducted": ded, "option": None, "occurrences": 1, "note": note,
                                "page_ref": page, "updated_at": stamp})
                history.append({"id": m.new_id(), "review_id": review_id, "item_id": item.id, "actor_id": rid,
                                "at": stamp, "action": "answer", "old": None, "reason": "",
                                "new": json.dumps({"verdict": verdict, "deducted": ded, "note": note, "page_ref": page}, ensure_ascii=False)})
            result = score_case(std, kind, inputs)
            stamp = m.now()
            if submit:
                history.append({"id": m.new_id(), "review_id": review_id, "item_id": None, "actor_id": rid, "at": stamp,
                                "action": "submit", "old": json.dumps({"status": m.STATUS_DRAFT}),
                                "new": json.dumps({"status": m.STATUS_SUBMITTED}), "reason": ""})
            reviews.append({"id": review_id, "case_id": case_id, "reviewer_id": rid, "is_final": False,
                            "status": m.STATUS_SUBMITTED if submit else m.STATUS_DRAFT,
                            "revision": len(inputs) + (1 if submit else 0),
                            "score": result.score, "grade": result.grade, "vetoed": result.vetoed, "note": "",
                            "created_at": stamp, "updated_at": stamp, "submitted_at": stamp if submit else None})
        if reviews:
            heads = chain.link(s.connection(), history)
            for r in reviews:
                r["history_hash"] = heads.get(r["id"], "")
            s.execute(insert(m.Review.__table__), reviews)
            s.execute(insert(m.Answer.__table__), answers)
            s.execute(insert(m.AnswerHistory.__table__), history)
    return len(reviews)


@dataclass
class DemoResult:
    folder: Path
    campaign: Path
    catalogs: list[Path]
    files: int
    sampled: int


def build_demo(folder: Path, progress=None) -> DemoResult:
    """Create the demo campaign in `folder` (which must not hold one yet)."""
    from anjuan.prepare.assignment import assign
    from anjuan.prepare.catalog_import import import_catalogs
    from anjuan.prepare.reviewers import import_reviewers
    from anjuan.prepare.sampling import draw_sample

    rng = random.Random(20240601)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "评查活动.db"
    catalogs = write_catalogs(folder / "案卷目录", rng)
    db = init_campaign(target, f"{YEAR}年度行政执法案卷评查", YEAR, "安溪县司法局")
    try:
        report = import_catalogs(db, catalogs, progress=progress)
        import_reviewers(db, write_reviewer_list(folder))
        sample = draw_sample(db, seed="20240601", ratio=0.12, min_n=5)
        assign(db, seed="20240601", double=0.2)
        simulate_reviews(db, "陈立新", 0.6, rng)
        simulate_reviews(db, "刘建国", 0.5, rng)
        simulate_reviews(db, "王敏", 1.0, rng, only_reviewed_by_others=True)
    finally:
        db.close()
    files = getattr(report, "total", None) or sum(a.files for a in AGENCIES)
    return DemoResult(folder, target, catalogs, files, sum(len(a.drawn) for a in sample.agencies))
