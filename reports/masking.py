"""Masking personal data (pure functions: text in, text out).

Public versions (anjuan report --public) mask every natural person's name in every free text —
titles, parties, reviewers' notes, reasons — and ID card, phone and bank account numbers.
Internal bulletins, sent to every agency but not published, mask the parties (and all numbers) in
what they show of other agencies' files (examples, lists of failed, excellent and open files): the
parties' names are known, so no segmentation is needed and a campaign of any size stays fast.

Names in free text are found three ways (see mask_text):
1. the file's parties that are natural persons (rules below) wherever they appear;
2. a role word followed by a name: 证人李四, 当事人：王五, 执法人员林志强、黄伟, 法定代表人郑秀英
   (ROLE_WORDS; a name is a common surname followed by one or two characters, or a compound
   surname followed by one or two);
3. jieba's part-of-speech tagging (flag nr/nrfg/nrt, person name), joined with a surname jieba
   split off ("李" + "宝珠"), accepted only when it starts with a common surname, is not a word
   of the standard or of law-enforcement writing (STOP_WORDS: jieba tags 许可, 易燃 as names) and
   is not inside an organisation's name (text ending with 公司, 超市, 合作社 … back to the previous
   punctuation, role word or verb-like character: 安溪县蓬莱鑫达运输有限公司 stays whole).
A name is masked as its surname followed by 某 (张三丰 → 张某, 欧阳娜娜 → 欧阳某), the same name the
same way everywhere. Company and agency names are kept.

Party rules:
- 当事人 who are natural persons keep their surname only: 张三丰 → 张某, 欧阳娜娜 → 欧阳某.
  A party name is taken to be a natural person when it is 2–4 Chinese characters (or a name with
  the middle dot ·, as in 买买提·艾力) and does not end with an organisation suffix such as
  公司, 店, 厂, 部, 中心, 合作社, 酒店, 超市, 网吧, 旅行社, 医院, 诊所. Several parties written in one
  field (separated by 、，,；; / or spaces) are judged one by one.
- The masked names are replaced wherever they appear in the file's title and notes.
- 18-digit ID card numbers keep the first 6 digits (the region) and mobile numbers (1[3-9]
  followed by 9 digits, also written +86 138-1234-5678) keep the first 3 and last 4, in every
  text of the output.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

ORG_SUFFIXES = (
    "有限责任公司", "股份有限公司", "有限公司", "公司", "合作社", "旅行社", "中心", "酒店", "宾馆", "饭店",
    "超市", "网吧", "医院", "诊所", "药房", "药店", "商行", "商店", "门市", "经营部", "工作室", "事务所",
    "幼儿园", "学校", "协会", "委员会", "集团", "银行", "加油站", "养殖场", "农场", "车行", "厂", "店",
    "部", "社", "局", "所", "站", "馆", "院", "场", "队", "行", "吧", "厅", "村", "司", "校", "处", "会",
)

COMPOUND_SURNAMES = (
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒",
    "夏侯", "轩辕", "令狐", "端木", "独孤", "南宫", "西门", "百里", "呼延", "申屠", "太史", "闻人",
    "万俟", "澹台", "公冶", "宗政", "濮阳", "淳于", "单于", "钟离", "第五", "左丘", "东郭", "司空",
)

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_PERSON = re.compile(rf"[{_HAN}]{{2,4}}")
_DOTTED = re.compile(rf"[{_HAN}]{{1,10}}(?:[·•・][{_HAN}]{{1,10}})+")
_SPLIT = re.compile(r"[、，,；;/\s]+")
ID_CARD = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{11}[\dXx](?![0-9A-Za-z])")
MOBILE = re.compile(r"(?<!\d)((?:\+?86[- ]?)?1[3-9]\d)([- ]?)\d{4}([- ]?\d{4})(?!\d)")
LANDLINE = re.compile(r"(?<![\d-])(0\d{2,3})([- ])(\d{3,4})(\d{4})(?![\d-])")
# bank card / account: 16–19 digits, also written in groups of four; preceded by a hint word or
# not looking like a case or document number (those carry 〔〕 or 号 and are left alone)
BANK = re.compile(r"(?<![\d〔\[（(])\d(?:[ -]?\d){15,18}(?![\d〕\]号])")


_ANY_DIGIT = re.compile(r"\d")


def mask_numbers(text: str) -> str:
    """Mask ID card, mobile, landline and bank account numbers in any text."""
    if not text or not _ANY_DIGIT.search(text):
        return text
    text = ID_CARD.sub(lambda mo: mo.group(1) + "*" * 12, text)
    text = MOBILE.sub(lambda mo: mo.group(1) + mo.group(2) + "****" + mo.group(3), text)
    text = LANDLINE.sub(lambda mo: mo.group(1) + mo.group(2) + "*" * len(mo.group(3)) + mo.group(4), text)
    return BANK.sub(_mask_bank, text)


def _mask_bank(mo: re.Match) -> str:
    """Keep the first and the last four digits of an account number."""
    text = mo.group(0)
    positions = [i for i, ch in enumerate(text) if ch.isdigit()]
    hide = set(positions[4:-4])
    return "".join("*" if i in hide else ch for i, ch in enumerate(text))


def is_natural_person(name: str) -> bool:
    """Whether a 当事人 name looks like a natural person's name (see the module rules)."""
    name = name.strip()
    if not (_PERSON.fullmatch(name) or _DOTTED.fullmatch(name)):
        return False
    return not name.endswith(ORG_SUFFIXES)


def mask_person(name: str) -> str:
    """张三 → 张某; 欧阳娜娜 → 欧阳某; 买买提·艾力 → 买某."""
    name = name.strip()
    if _DOTTED.fullmatch(name):
        return name[0] + "某"
    if len(name) >= 3 and name.startswith(COMPOUND_SURNAMES):
        return name[:2] + "某"
    return name[0] + "某"


def split_parties(party: str) -> list[str]:
    return [p for p in _SPLIT.split(party or "") if p]


def person_names(party: str) -> dict[str, str]:
    """{full name: masked name} for the natural persons among a file's parties."""
    return {p: mask_person(p) for p in split_parties(party) if is_natural_person(p)}


def mask_party(party: str) -> str:
    """The party field with natural persons masked (organisations kept), numbers masked."""
    names = person_names(party)
    return mask_numbers(_replace_names(party, names)) if names else mask_numbers(party)


def _replace_names(text: str, names: dict[str, str]) -> str:
    if not text or not names:
        return text
    for full in sorted(names, key=len, reverse=True):
        if full in text:
            text = text.replace(full, names[full])
    return text


def identity(text: str) -> str:
    return text


class Masker:
    """Masks text for the public version; with enabled=False every method returns its input."""

    def __init__(self, enabled: bool, stop: frozenset[str] | None = None):
        self.enabled = enabled
        self.texts = TextMasker(STOP_WORDS if stop is None else stop)

    def text(self, text: str) -> str:
        """Mask numbers in a text that belongs to no particular file (agency names, titles)."""
        return mask_numbers(text) if self.enabled else text

    def for_party(self, party: str) -> Callable[[str], str]:
        """A function that masks the given file's natural-person parties, every other person's
        name found in the text, and all numbers."""
        if not self.enabled:
            return identity
        return self.texts.for_party(party)

    def full(self, party: str) -> Callable[[str], str]:
        """Every name and number masked, also in an internal bulletin (examples of other agencies)."""
        return self.texts.for_party(party)

    def anonymous(self, party: str) -> Callable[[str], str]:
        """What the bulletin shows of another agency's file: in a public version every name is
        masked; in an internal one (sent to the agencies, not published) the file's parties."""
        return self.full(party) if self.enabled else self.quick(party)

    def quick(self, party: str) -> Callable[[str], str]:
        """The file's own parties and all numbers masked (no segmentation: fast enough for every
        file of a large campaign)."""
        return file_masker(party, segment=False)


def file_masker(party: str, extra_names: Iterable[str] = (), segment: bool = True) -> Callable[[str], str]:
    """Masking function for the texts of one file (title, party, notes): names and numbers;
    segment=False masks only the given parties' names (and numbers)."""
    names = person_names(party)
    for n in extra_names:
        if is_natural_person(n):
            names[n] = mask_person(n)
    if not segment:
        if not names:
            return mask_numbers
        return lambda text: mask_numbers(_replace_names(text, names))

    def mask(text: str) -> str:
        return mask_text(text, names)

    return mask


# --- names in free text ----------------------------------------------------------------------

SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
    "常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴"
    "霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚"
    "岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑"
    "迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练廉"
    "禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭况那宿鲜"
    "印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣信展阴昝智幸奉植衡富尧闭由")
ROLE_WORDS = (
    "委托代理人", "法定代表人", "被询问人", "被检查人", "被申请人", "受送达人", "主要负责人", "直接责任人",
    "当事人", "证人", "见证人", "执法人员", "承办人", "办案人员", "经办人", "负责人", "经营者", "户主", "代理人",
    "联系人", "签收人", "送达人", "询问人", "记录人", "陈述人", "申请人", "举报人", "投诉人", "检查人", "审核人",
    "审批人", "驾驶员", "驾驶人", "司机", "车主", "业主", "店主", "老板", "股东", "员工", "职工", "村民", "居民",
    "受害人", "被害人", "监护人", "店员", "营业员", "工作人员", "收银员", "服务员", "厨师", "保安", "技术员", "继承人", "翻译人员", "鉴定人", "承包人", "出租人", "承租人", "法人", "其妻",
    "其夫", "妻子", "丈夫", "儿子", "女儿", "父亲", "母亲", "同事", "邻居", "队长", "科长", "局长", "所长", "主任",
    "村委会主任", "书记", "站长", "组长", "厂长", "经理", "会计", "出纳", "本人", "同志", "先生", "女士",
)
# characters that end a name of two: 王五未签名 → 王五, not 王五未
_AFTER_NAME = set("未在于的等和与及签称系是为已因对向从将把被无不拒说所确作提到之同共均也又都并即及经由、，,。；;：:（(）)"
                  "代收到场陪同等予按填写书面出具本人作签字盖章捺印核对确认持有驾驶经营") | set(" \t\n")
# words of law-enforcement writing that jieba may tag as names
STOP_WORDS = frozenset("""
许可 许可证 陈述 文明 许某 雷同 易燃 孔洞 华为 蓬莱 金额 方式 程序 文书 万元 常规 高度 林业 周期 江河 石材 任务 温度 程度 平安 明确 安全
连续 时间 时限 马上 高速 黄金 白天 田间 严重 于是 于法 于此 于己 余额 余下 何时 何种 何地 钱款 金属 金融 金钱 石油
石化 毛重 毛利 龙头 凤凰 罗马 包装 包括 包含 关于 关系 关联 关键 全部 全面 全体 宁可 宁愿 应当 应该 应予 向其 原告
原件 原因 原始 原则 原审 车辆 车主 车牌 车间 路段 路面 章程 章节 施工 施行 成立 成本 成品 成交 成为 成年 成员 成果
高处 高于 高温 夏季 秋季 冬季 春季 戴帽 方面 方法 方向 方案 方可 常见 常态 常用 温州 武器 文件 文字 文化 文明 文号
和解 和平 和谐 阳光 时候 时段 时效 谷物 柴油 海关 海洋 海域 海鲜 花卉 花生 水产 强制 强化 强度 平台 平方 平时 国家
国有 国务院 国道 计算 计划 计量 宣传 宣告 晋升 相关 相应 相对 相符 初次 初步 门店 门面 云端 容器 容量 敬请 来源 来往
普通 普遍 伏法 鹿角 雍正 羊肉 乌鸡 母猪 修改 修订 宿舍 鲜活 印章 印发 印刷 隆重 诸如 战略 慕名 危险 危害 危化 玉米
银行 公告 公安 公司 公路 公开 公示 公章 公正 公平 公共 公民 公务 公证 利用 利润 利息 居民 居住 干部 元素 信息 信用
信访 展开 展示 智能 幸福 奉化 富裕 由于 由其 杨梅 梁山 谢绝 曾经 周围 周边 周末 朱砂 胡乱 叶片 程度 苏州 卢沟 江苏
范围 范本 史料 贺电 顾客 毛巾 万一 严格 严禁 武装 戴上 左右 柳州 甘肃 祝贺 包头 宁波 尚未 符合 舒适 纪律 纪要 梅花
童装 凌晨 单位 单据 单独 季度 霍乱 成都 曲线 翁源 骆驼 蓝色 路线 游戏 辛苦 管理 管辖 管控 柴火 蒙受 鲍鱼 华南 喻示
祁连 蒲公英 房屋 房产 屈服 饶恕 解除 解释 解决 牟利 艾草 尤其 阳性 时间段 穆斯林 农业 农民 农村 司法 卓越 古代 吉祥
简易 简单 车速 项目 连带 麦子 窦性 戚属 岑寂 景区 党委 党员 宫殿 费用 卜卦 冷库 冷冻 晏然 席位 卫生 卫星 米面 柏油
宗教 桂花 全市 全县 全省 应急 佟家 边境 边界 卞和 姬妾 师傅 和好 仇恨 商品 商户 商业 商店 沙石 沙土 荣誉 巫术 桑叶
郎中 甄别 丛林 仲裁 虞美人 巩固 明显 明知 明细 苑囿 迟延 迟到 官方 封存 封条 谈话 匡算 鞠躬 惠民 荆棘 乐意 冀州 郁闷
南部 班组 储存 储备 原料 栗子 燕麦 楚州 劳动 劳务 皮革 粟米 蔺草 楼房 楼层 盘查 满足 闻讯 位于 厉行 伊始 海域 权利
权力 权限 强行 帅气 屠宰 豆制品 朴素 盖章 练习 廉洁 禹州 井下 祖传 漆器 巴士 丰富 支付 支出 卿卿 国内 狄更斯 平均
计时 索赔 宣读 相同 初审 门诊 云南 容许 来自 普查 阙如 浦东 戈壁 伏天 薄弱 邸报 辜负 阿里 乌龙 母婴 裘皮 修复 杭州
况且 那么 宿营 鲜明 印象 逯然 隆冬 茹素 诸多 战斗 危楼 玉器 银河 亢奋 公众 哈密 湛江 宾馆 戎装 勾结 茅台 利益 於是
呼吁 居间 揭示 干扰 但是 尉犁 斯文 元旦 束缚 檀香 衣物 信息化 展览 阴影 智慧 幸亏 奉献 植物 衡量 富民 尧都 闭合
""".split())


def _org_spans(text: str) -> list[tuple[int, int]]:
    """Spans of organisation names (…有限公司, …超市, …合作社): inside them nothing is masked."""
    spans = []
    for suffix in ORG_SUFFIXES:
        if len(suffix) < 2 and suffix not in ("店", "厂", "局", "社", "馆", "院"):
            continue
        start = 0
        while True:
            i = text.find(suffix, start)
            if i < 0:
                break
            end = i + len(suffix)
            j = i
            while j > 0 and i - j < 25:
                ch = text[j - 1]
                if not ("\u4e00" <= ch <= "\u9fff" or ch in "（）()·"):
                    break
                if ch in "的在与和及向对由被将把经系为是已未了从给到至即":
                    break
                if any(text.endswith(r, 0, j) for r in ROLE_WORDS):
                    break
                j -= 1
            if i > j:
                spans.append((j, end))
            start = end
    return spans


def _inside(spans: list[tuple[int, int]], a: int, b: int) -> bool:
    return any(s <= a and b <= e for s, e in spans)


_COMPOUND = tuple(sorted(COMPOUND_SURNAMES, key=len, reverse=True))
_ROLE_RE = re.compile(
    "(?:" + "|".join(sorted(map(re.escape, ROLE_WORDS), key=len, reverse=True)) + r")(?:[：:\s]*)"
    rf"((?:[{_HAN}]{{2,4}}(?:[、和及与，,](?=[{_HAN}]))?)+)")


def _name_at(text: str, i: int) -> str:
    """The person's name starting at text[i] (surname first), or "" if none starts there."""
    rest = text[i:i + 5]
    for cs in _COMPOUND:
        if rest.startswith(cs):
            body = rest[len(cs):]
            n = 2 if len(body) >= 2 and body[1] not in _AFTER_NAME and "\u4e00" <= body[1] <= "\u9fff" else 1
            return cs + body[:n] if body[:1] and "\u4e00" <= body[0] <= "\u9fff" and body[0] not in _AFTER_NAME else ""
    if not rest or rest[0] not in SURNAMES or len(rest) < 2:
        return ""
    if not ("\u4e00" <= rest[1] <= "\u9fff") or rest[1] in _AFTER_NAME:
        return ""
    if len(rest) >= 3 and "\u4e00" <= rest[2] <= "\u9fff" and rest[2] not in _AFTER_NAME:
        return rest[:3]
    return rest[:2]


_PLACE_END = set("县市省镇乡村区州盟旗街路港湾岛山河湖")


def _first_word(text: str) -> str:
    if not text:
        return ""
    import jieba

    for tok in jieba.cut(text[:10], HMM=False):
        return tok
    return ""


def _fits(text: str, a: int, b: int, stop: frozenset[str]) -> bool:
    """Whether text[a:b] reads as a whole name: what follows starts a word of its own."""
    cand = text[a:b]
    if b > len(text) or not all("\u4e00" <= ch <= "\u9fff" for ch in cand):
        return False
    if cand[-1] in _PLACE_END or any(ch in _AFTER_NAME for ch in cand[1:]) or cand in stop:
        return False
    if _freq(cand) >= COMMON_WORD and not _tag(cand).startswith("nr"):
        return False
    # the name must end where a word ends and hold no ordinary word (但整|改, 查封 are no names)
    import jieba

    pos = a
    for tok in jieba.cut(text[a:b + 6], HMM=False):
        end = pos + len(tok)
        if pos < b < end:
            return False
        if end <= b and len(tok) >= 2 and tok != cand and not (pos == a and tok in COMPOUND_SURNAMES):
            tag = _tag(tok)
            if (tag[:1] in _FUNCTION_TAGS and tag[:1] != "v") or (tag[:1] == "v" and _freq(tok) >= 100):
                return False
        if pos == a and not _tag(cand).startswith("nr"):
            if len(tok) == 1 and _tag(tok)[:1] in _SURNAME_FUNCTION_TAGS:
                return False  # 但, 于, 应 as a "surname" only with a known name after them
            if len(tok) > 1 and tok not in COMPOUND_SURNAMES and not _tag(tok).startswith("nr"):
                return False  # the "surname" opens an ordinary word: 查封, 但是
        if end >= b:
            break
        pos = end
    rest = text[b:]
    if not rest or rest[0] in _AFTER_NAME or not ("\u4e00" <= rest[0] <= "\u9fff"):
        return True
    word = _first_word(rest)
    return len(word) >= 2 and _freq(word) > 0


def _pick_name(text: str, a: int, stop: frozenset[str]) -> str:
    """The name starting at text[a] (surname first), its length chosen by what follows."""
    compound = next((cs for cs in _COMPOUND if text.startswith(cs, a)), "")
    if compound:
        lengths = (len(compound) + 2, len(compound) + 1)
    elif a < len(text) and text[a] in SURNAMES:
        lengths = (3, 2)
    else:
        return ""
    for n in lengths:
        if _fits(text, a, a + n, stop):
            return text[a:a + n]
    return ""


_CLAUSE_START = re.compile(r"(?:^|(?<=[，。；：、,;:\s]))")


def _leading_names(text: str, stop: frozenset[str]) -> list[tuple[int, int]]:
    """Names opening a text or a clause (张三销售过期食品案；…，李四称…)."""
    out = []
    for mo in _CLAUSE_START.finditer(text):
        a = mo.start()
        name = _pick_name(text, a, stop)
        if name:
            out.append((a, a + len(name)))
    return out


def _role_names(text: str) -> list[tuple[int, int]]:
    """Names after role words (证人李四, 执法人员林志强、黄伟)."""
    out = []
    for mo in _ROLE_RE.finditer(text):
        pos = mo.start(1)
        end = mo.end(1)
        while pos < end:
            name = _pick_name(text, pos, STOP_WORDS)
            if not name and _tag(text[pos])[:1] not in _SURNAME_FUNCTION_TAGS:  # 执法人员于当日… is no name
                name = _name_at(text, pos)
            if not name or name in STOP_WORDS:
                break
            out.append((pos, pos + len(name)))
            pos += len(name)
            if pos < end and text[pos] in "、和及与，,":
                pos += 1
            else:
                break
    return out


_jieba = None


def _pseg():
    global _jieba
    if _jieba is None:
        import logging

        import jieba
        import jieba.posseg as pseg

        jieba.setLogLevel(logging.WARNING)
        _jieba = pseg
    return _jieba


def _tagged_names(text: str, stop: frozenset[str]) -> list[tuple[int, int]]:
    """Person names by jieba's tagging, joined with a split-off surname, checked as above."""
    out = []
    pos = 0
    prev: tuple[str, str, int] | None = None
    for tok in _pseg().cut(text):
        word, flag = tok.word, tok.flag
        start = pos
        pos += len(word)
        if flag in ("nr", "nrfg", "nrt") and all("\u4e00" <= ch <= "\u9fff" for ch in word):
            a, name = start, word
            if prev is not None and prev[2] + len(prev[0]) == start and (
                    (len(prev[0]) == 1 and prev[0] in SURNAMES) or prev[0] in COMPOUND_SURNAMES) and len(word) <= 2:
                a, name = prev[2], prev[0] + word  # 李 + 宝珠
            ok = (2 <= len(name) <= 4 and (name[0] in SURNAMES or name.startswith(COMPOUND_SURNAMES))
                  and name not in stop and word not in stop and _freq(name) < COMMON_WORD)
            if ok:
                out.append((a, a + len(name)))
        prev = (word, flag, start)
    return out


COMMON_WORD = 300  # jieba dictionary frequency above which a "name" is an ordinary word (许可 623, 陈述 763)


def _freq(word: str) -> int:
    import jieba

    return jieba.dt.FREQ.get(word) or 0


_FUNCTION_TAGS = set("cpduvrqmfy")  # conjunction, preposition, adverb, particle, verb, pronoun …
_SURNAME_FUNCTION_TAGS = set("cpduvrfy")


def _tag(word: str) -> str:
    pseg = _pseg()
    tags = pseg.dt.word_tag_tab
    if not tags:
        pseg.lcut("初始化")
    return tags.get(word, "")


_DOT = re.compile("[·•・]")
_BOOK_TITLE = re.compile("《[^》]{1,60}》")


def _dotted_names(text: str) -> list[tuple[int, int]]:
    """Names written with a middle dot (买买提·艾力), cut at role words and function characters."""
    out = []
    for mo in _DOT.finditer(text):
        i = mo.start()
        a = i
        while a > 0 and i - a < 6 and "\u4e00" <= text[a - 1] <= "\u9fff" and text[a - 1] not in "人员的是为由与和及、":
            a -= 1
        b = i + 1
        while b < len(text) and b - i <= 4 and "\u4e00" <= text[b] <= "\u9fff" and text[b] not in _AFTER_NAME:
            b += 1
        if i - a >= 2 and b - i >= 3:
            out.append((a, b))
    return out


def find_names(text: str, stop: frozenset[str] = STOP_WORDS) -> list[str]:
    """Every natural person's name found in a free text (in order of appearance)."""
    if not text or not re.search(f"[{_HAN}]", text):
        return []
    orgs = _org_spans(text) + [(mo.start(), mo.end()) for mo in _BOOK_TITLE.finditer(text)]
    spans = _role_names(text) + _dotted_names(text)
    spans += [s for s in _tagged_names(text, stop) + _leading_names(text, stop) if not _inside(orgs, *s)]
    spans.sort(key=lambda s: (s[0], -(s[1] - s[0])))
    out: list[str] = []
    last = -1
    for a, b in spans:
        if a < last:
            continue
        name = text[a:b]
        if name not in out:
            out.append(name)
        last = b
    return out


def mask_text(text: str, known: dict[str, str] | None = None, stop: frozenset[str] = STOP_WORDS) -> str:
    """A free text with every person's name (known ones and found ones) and number masked."""
    if not text:
        return text
    names = dict(known or {})
    for n in find_names(text, stop):
        names.setdefault(n, mask_person(n))
    return mask_numbers(_replace_names(text, names))


class TextMasker:
    """Masks names and numbers in free texts, caching results (the same notes repeat)."""

    def __init__(self, stop: frozenset[str] = STOP_WORDS):
        self.stop = stop
        self._cache: dict[tuple[str, str], str] = {}

    def for_party(self, party: str) -> Callable[[str], str]:
        known = person_names(party)

        def mask(text: str) -> str:
            if not text:
                return text
            # the result depends on the party only when one of its names is in the text
            key = (party, text) if known and any(n in text for n in known) else ("", text)
            hit = self._cache.get(key)
            if hit is None:
                hit = mask_text(text, known if key[0] else None, self.stop)
                if len(self._cache) < 200_000:
                    self._cache[key] = hit
            return hit

        return mask
