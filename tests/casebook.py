"""A reviewer's casebook: realistic case files, what the reviewer found, and the grade each
shipped standard must give them.

Each file lists, per standard, only the answers that are not 符合: an item id maps to
  "否决"                      the item's veto,
  "不适用"                    not applicable to this file,
  n / (n, k) / [..]           deduction option n (1-based) once, k times, or several options.
Deductions come from the standard's own options, so a file reads like a filled-in checklist.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from scoring import DEDUCT, NA, VETO, AnswerInput, Standard

DEFAULT = "default"
NAIMAN = "naiman"
DEFAULT_V1 = "default@1"


@dataclass(frozen=True)
class CaseFile:
    title: str
    kind: str
    findings: str
    answers: dict[str, dict[str, object]]
    expected: dict[str, tuple[str, float]]
    audit: bool = False  # one of the three files of the audit (standard-audit.md)
    notes: dict[str, str] = field(default_factory=dict)


def na(ids: str) -> dict[str, object]:
    return {i: NA for i in ids.split()}


def inputs(std: Standard, answers: dict[str, object]) -> list[AnswerInput]:
    """The answers of a casebook entry as the scoring engine sees them (unlisted items: 符合)."""
    out = []
    for item_id, spec in answers.items():
        item = std.item(item_id)  # KeyError: the casebook names an item the standard lacks
        if spec == "否决":
            assert item.veto, f"{item_id} is not a veto item"
            out.append(AnswerInput(item_id, VETO, item.points, item.veto_text))
        elif spec == "不适用":
            out.append(AnswerInput(item_id, NA))
        else:
            picks = spec if isinstance(spec, list) else [spec]
            lost, notes = 0.0, []
            for pick in picks:
                n, times = pick if isinstance(pick, tuple) else (pick, 1)
                d = item.deductions[n - 1]
                assert times == 1 or d.per_occurrence, f"{item_id} option {n} is not per occurrence"
                lost += d.points * times
                notes.append(d.text + (f"（{times}处）" if times > 1 else ""))
            out.append(AnswerInput(item_id, DEDUCT, min(lost, item.points), "；".join(notes)))
    return out


# NA sets a reviewer marks on an ordinary 一般程序 处罚 file with no 委托, no 先行登记保存,
# no sampling, no extension, paid on time (v1 ids).
_V1_P_PLAIN = "ZT-10 CX-13 CX-22 CX-28 CX-33 CL-21"

CASES: tuple[CaseFile, ...] = (
    # ------------------------------------------------------------------ the audit's three files
    CaseFile(
        "甲县市场监督管理局 销售不合格电线电缆案（罚款五万元，经听证）", "行政处罚",
        "当事人申请听证，听证由本案调查人员张某主持（听证笔录首页“主持人”与询问笔录的执法人员为同一人）。"
        "其余程序齐全：立案、调查、告知、听证、法制审核、决定、送达、缴款。无集体讨论情形，违法状态已消除无需责令改正。",
        {
            DEFAULT_V1: {**na(_V1_P_PLAIN + " CX-26 CL-23"), "CX-25": 2},
            DEFAULT: {**na("ZT-10 CX-13 CX-15 CX-22 CX-28 CX-33 CL-21 CX-02 CX-26 CL-23 CL-52 CX-35 CL-42"), "CX-86": "否决"},
            NAIMAN: {**na("ZT-02 CX-09 CX-11 CL-05"), "CX-02": "否决"},
        },
        {DEFAULT_V1: ("优秀", 97.62), DEFAULT: ("不合格", 0.0), NAIMAN: ("不合格", 0.0)},
        audit=True,
    ),
    CaseFile(
        "甲县交通运输局 货运车辆超限运输案（罚款八千元）", "行政处罚",
        "行政处罚决定书没有告知申请行政复议、提起行政诉讼的途径和期限，卷内也无其他告知记录；当事人已缴纳罚款。"
        "不属于听证范围，无需法制审核和集体讨论。",
        {
            DEFAULT_V1: {**na(_V1_P_PLAIN + " CX-25 CX-26 CX-29"), "WS-22": 1},
            DEFAULT: {**na("ZT-10 CX-13 CX-15 CX-22 CX-28 CX-33 CL-21 CX-01 CX-02 CX-86 CX-25 CX-26 CX-29 CL-52 CX-35 CL-42 CX-36"), "CX-09": "否决"},
            NAIMAN: {**na("ZT-02 CX-01 CX-09 CX-11 CL-05"), "NR-09": "否决"},
        },
        {DEFAULT_V1: ("优秀", 97.5), DEFAULT: ("不合格", 0.0), NAIMAN: ("不合格", 0.0)},
        audit=True,
    ),
    CaseFile(
        "甲县市场监督管理局 查封涉嫌不合格商品案", "行政强制",
        "查封前无负责人批准记录，事后也未补办；当事人不在场，无见证人；现场笔录和音像记录均无告知理由、依据和救济途径的记载；"
        "查封决定书和清单未当场交付；清单中有当事人的家用冰箱、电视机，与违法行为无关。"
        "未进入强制执行，无询问笔录，无需法制审核。",
        {
            DEFAULT_V1: {**na("ZT-10 CX-13 CX-33 CX-47 CX-48 CL-42 WS-42 CX-29 CX-30 CX-31"),
                         "CX-40": 1, "CX-41": 1, "CX-42": [1, 2], "CX-44": [1, 2], "CL-41": 1},
            DEFAULT: {**na("ZT-10 CX-01 CX-29 CX-30 CX-33 CX-47 CX-48 CX-84 CX-80 CX-81 CX-82 CX-83 CL-42 WS-42 CX-36"),
                      "CX-40": "否决", "CX-41": "否决", "CX-42": "否决", "CX-44": "否决", "CL-41": "否决"},
            NAIMAN: {**na("ZT-02 CX-01"), "CX-17": "否决", "CL-05": "否决"},
        },
        {DEFAULT_V1: ("合格", 82.28), DEFAULT: ("不合格", 0.0), NAIMAN: ("不合格", 0.0)},
        audit=True,
    ),
    # ------------------------------------------------------------------ 行政处罚
    CaseFile(
        "乙县市场监督管理局 销售过期食品案（罚款五千元，没收过期食品）", "行政处罚",
        "规范案卷。卷内第17页页码漏编；一份询问笔录未注明执法人员证件号码。没收的过期食品有清单和销毁记录。",
        {
            DEFAULT: {**na("ZT-10 CX-13 CX-15 CX-22 CX-28 CX-33 CL-21 CX-01 CX-02 CX-86 CX-25 CX-26 CX-29 CL-52 CL-42 CX-36"),
                      "WS-09": 1, "ZT-11": 1},
            NAIMAN: {**na("ZT-02 CX-01 CX-09 CX-11 CL-05"), "WS-04": 2, "ZT-05": 2},
        },
        {DEFAULT: ("优秀", 98.83), NAIMAN: ("优秀", 98.5)},
    ),
    CaseFile(
        "乙县城市管理综合行政执法局 餐饮油烟直排案（罚款二万元）", "行政处罚",
        "违法事实只有一份现场检查笔录，无照片、监测记录印证；无调查终结报告，直接制作处罚审批表；询问笔录未问油烟净化设施的安装和使用情况；"
        "决定书未说明裁量理由、未引用裁量基准；对当事人“已整改”的申辩未说明是否采纳；送达回证两处要素缺漏；三份笔录未注明执法证号。",
        {
            DEFAULT: {**na("ZT-10 CX-13 CX-15 CX-22 CX-28 CX-33 CL-21 CX-01 CX-02 CX-86 CX-25 CX-26 CX-29 CL-52 CX-35 CL-42 CX-36"),
                      "CL-11": 1, "CX-16": 1, "CX-30": 3, "CL-20": [1, 2], "CL-13": 2, "WS-03": (1, 2), "ZT-11": (1, 3)},
            NAIMAN: {**na("ZT-02 CX-01 CX-09 CX-11 CL-05"),
                     "NR-04": 1, "CL-02": 1, "CL-03": [1, 2], "WS-03": (1, 2), "ZT-05": (2, 3)},
        },
        {DEFAULT: ("合格", 82.45), NAIMAN: ("良好", 85.0)},
    ),
    CaseFile(
        "乙县市场监督管理局 无照经营案（罚款一万元，没收违法所得）", "行政处罚",
        "决定没收违法所得，但卷内没有认定违法所得数额及计算依据，其余程序规范。",
        {
            DEFAULT: {**na("ZT-10 CX-13 CX-15 CX-22 CX-28 CX-33 CX-01 CX-02 CX-86 CX-25 CX-26 CX-29 CL-52 CX-35 CL-42 CX-36"),
                      "CL-21": 1},
            NAIMAN: {**na("ZT-02 CX-01 CX-09 CX-11 CL-05"), "NR-03": 1},
        },
        {DEFAULT: ("合格", 97.73), NAIMAN: ("优秀", 99.0)},
        notes={DEFAULT: "违法所得未认定是不得评优项（S12），得分虽过90分，只能评为合格。"},
    ),
    CaseFile(
        "乙县文化和旅游局 网吧接纳未成年人案（首次违法，罚款三千元）", "行政处罚",
        "当事人首次违法、危害后果轻微并已改正，符合本局首违不罚清单，局里未适用也未说明理由；裁量理由空白；"
        "陈述申辩笔录未入卷；两份文书有错别字；结案报告未写罚款缴纳情况。",
        {
            DEFAULT: {**na("ZT-10 CX-13 CX-15 CX-22 CX-28 CX-33 CL-21 CX-01 CX-02 CX-86 CX-25 CX-26 CX-29 CX-35 CL-42 CX-36"),
                      "CL-52": 1, "CL-20": 1, "CX-24": 1, "WS-12": (1, 2), "WS-23": 2},
            NAIMAN: {**na("ZT-02 CX-01 CX-09 CX-11 CL-05"), "CL-04": 1, "CL-03": 1, "CX-07": 2, "WS-01": (2, 2)},
        },
        {DEFAULT: ("合格", 92.83), NAIMAN: ("良好", 89.6)},
        notes={DEFAULT: "裁量理由空白是不得评优项（CL-20），得分过90分也只能评为合格。"},
    ),
    # ------------------------------------------------------------------ 行政许可
    CaseFile(
        "乙县市场监督管理局 食品经营许可（准予许可）", "行政许可",
        "材料齐全当场受理，受理通知书未注明日期；无需核查、听证、检验，十个工作日内发证，已公开。",
        {
            DEFAULT: {**na("ZT-10 CX-01 CX-05 CX-09 CX-13 CX-29 CX-61 CX-63 CX-64 CX-65 CX-66 CX-69 CX-73 CX-74 CL-31 CL-32 CL-13 WS-22 CX-10"),
                      "CX-62": 2},
            NAIMAN: {**na("ZT-02 CX-01 CX-02 CX-09 NR-09"), "WS-01": 2},
        },
        {DEFAULT: ("优秀", 98.39), NAIMAN: ("优秀", 99.5)},
    ),
    CaseFile(
        "乙县交通运输局 道路货物运输经营许可（不予许可）", "行政许可",
        "不予许可决定书写明了不符合的条件，但没有告知申请行政复议、提起行政诉讼的权利。",
        {
            DEFAULT: {**na("ZT-10 CX-01 CX-13 CX-29 CX-61 CX-63 CX-64 CX-65 CX-66 CX-69 CX-73 CX-74 CL-31 WS-30 CX-36"), "CX-09": "否决"},
            NAIMAN: {**na("ZT-02 CX-01 CX-02 CX-09"), "NR-09": "否决"},
        },
        {DEFAULT: ("不合格", 0.0), NAIMAN: ("不合格", 0.0)},
    ),
    CaseFile(
        "乙县文化和旅游局 营业性演出许可（准予许可，附加条件）", "行政许可",
        "许可决定附加了“须聘用本局推荐的安保公司”的条件，法律、法规、规章均无此要求；其余规范。",
        {
            DEFAULT: {**na("ZT-10 CX-01 CX-09 CX-13 CX-29 CX-61 CX-63 CX-64 CX-65 CX-66 CX-69 CX-73 CX-74 CL-32"), "CL-31": "否决"},
            NAIMAN: {**na("ZT-02 CX-01 CX-02 CX-09 NR-09"), "CL-03": 1, "NR-06": 1},
        },
        {DEFAULT: ("不合格", 0.0), NAIMAN: ("良好", 89.44)},
        notes={NAIMAN: "奈曼标准没有“附加法定以外的许可条件”否决项，评查员只能在说理和决定书内容上扣分。"},
    ),
    CaseFile(
        "乙县市场监督管理局 药品零售经营许可变更（准予许可）", "行政许可",
        "申请材料不齐，第七个工作日才书面告知补正；审查意见表只有“符合”二字；许可证件在决定后第十四个工作日才送达，领取凭证未入卷。",
        {
            DEFAULT: {**na("ZT-10 CX-01 CX-09 CX-13 CX-29 CX-63 CX-64 CX-65 CX-66 CX-69 CX-73 CX-74 CL-31 CL-32 WS-22"),
                      "CX-61": 2, "CL-30": 2, "CX-14": 1, "WS-30": 2},
            NAIMAN: {**na("ZT-02 CX-01 CX-02 CX-09 NR-09"), "CX-04": 2, "NR-04": 1, "CX-10": 1, "WS-04": 2},
        },
        {DEFAULT: ("合格", 87.1), NAIMAN: ("良好", 89.56)},
    ),
    # ------------------------------------------------------------------ 行政强制
    CaseFile(
        "乙县市场监督管理局 扣押涉嫌假冒商品案", "行政强制",
        "经批准实施，当事人到场，当场告知并交付决定书和清单，三十日内作出处理决定并解除。清单两处规格记载不清；见证人未记身份证号码。",
        {
            DEFAULT: {**na("ZT-10 CX-01 CX-29 CX-33 CX-47 CX-48 CX-84 CX-80 CX-81 CX-82 CX-83 CL-42 WS-42 CX-49"),
                      "WS-41": (1, 2), "CX-10": 6},
            NAIMAN: {**na("ZT-02 CX-01 CX-22"), "WS-01": (2, 2)},
        },
        {DEFAULT: ("优秀", 98.36), NAIMAN: ("优秀", 99.0)},
    ),
    CaseFile(
        "乙县城市管理综合行政执法局 强制拆除违法建筑案", "行政强制",
        "催告、公告、决定程序齐全，但强制拆除在晚上九点实施，卷内无紧急情况说明。",
        {
            DEFAULT: {**na("ZT-10 CX-29 CX-40 CX-41 CX-42 CX-44 CX-45 CX-46 CX-49 CX-80 CX-82 CX-83 CL-41 CL-42 WS-40 WS-41 WS-43"), "CX-48": "否决"},
            NAIMAN: {**na("ZT-02"), "CX-17": "否决"},
        },
        {DEFAULT: ("不合格", 0.0), NAIMAN: ("不合格", 0.0)},
    ),
    CaseFile(
        "乙县应急管理局 强制执行罚款案（加处罚款）", "行政强制",
        "当事人逾期未缴纳罚款二万元，执行时加处罚款二万六千元，超过罚款本金；其余程序规范。",
        {
            DEFAULT: {**na("ZT-10 CX-29 CX-40 CX-41 CX-42 CX-44 CX-45 CX-46 CX-49 CX-80 CX-82 CX-84 CL-41 CL-43 WS-40 WS-41 WS-43"), "CL-42": "否决"},
            NAIMAN: {**na("ZT-02"), "CL-05": "否决"},
        },
        {DEFAULT: ("不合格", 0.0), NAIMAN: ("不合格", 0.0)},
    ),
    # ------------------------------------------------------------------ 行政检查
    CaseFile(
        "乙县交通运输局 道路运输企业安全生产检查（双随机，未发现问题）", "行政检查",
        "按“双随机”抽取结果实施，检查事项在公布清单内，全程音像记录，未发现问题并书面告知结果。检查笔录未载明结束时间。",
        {
            DEFAULT: {**na("ZT-10 CX-55 CX-56 CX-33 CX-75 CX-30"), "CX-10": 1},
            NAIMAN: {**na("ZT-02 CX-21"), "CX-05": 1},
        },
        {DEFAULT: ("优秀", 98.55), NAIMAN: ("优秀", 98.7)},
    ),
    CaseFile(
        "乙县农业农村局 农资经营门店监督检查（发现销售过期农药）", "行政检查",
        "检查发现门店销售过期农药，检查笔录记录在案，但既未责令改正、立案查处，也未移送。",
        {
            DEFAULT: {**na("ZT-10 CX-56"), "CX-55": "否决"},
            NAIMAN: {**na("ZT-02"), "CX-21": "否决"},
        },
        {DEFAULT: ("不合格", 0.0), NAIMAN: ("不合格", 0.0)},
    ),
    CaseFile(
        "乙县应急管理局 涉企安全生产检查（责令整改）", "行政检查",
        "无检查审批表和任务来源记录；入企检查无音像记录；未告知检查依据和事项；检查结束后未书面告知检查结果，只口头要求整改；"
        "整改期限定为两天，明显不足以完成整改；期满后有复查记录。",
        {
            DEFAULT: {**na("ZT-10 CX-33 CX-75"), "CX-50": 1, "CX-17": 1, "CX-51": 1, "CX-54": 1, "CL-51": 2},
            NAIMAN: {**na("ZT-02"), "CX-18": 1, "CX-06": 1, "CX-20": 1},
        },
        {DEFAULT: ("合格", 84.37), NAIMAN: ("良好", 86.96)},
    ),
    CaseFile(
        "乙县文化和旅游局 娱乐场所消防设施检查", "行政检查",
        "检查“消防设施完好情况”不在本局公布的行政检查事项清单内（属消防救援机构职责）。",
        {
            DEFAULT: {**na("ZT-10 CX-33 CX-75 CX-55 CX-56"), "CX-59": "否决", "ZT-02": "否决"},
            NAIMAN: {**na("ZT-02 CX-21"), "ZT-01": "否决"},
        },
        {DEFAULT: ("不合格", 0.0), NAIMAN: ("不合格", 0.0)},
    ),
)
