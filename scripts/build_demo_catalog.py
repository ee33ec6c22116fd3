"""Build the demo item catalogue (实施清单) shipped with YiChuang.

The catalogue is a fictional county, 示范县, whose township hall (城关镇便民服务中心)
handles twenty-seven common items and four bundles of them (一件事: 我要开饭店,
新生儿出生一件事, 困难群众救助一件事, 企业开办一件事). The items, legal bases, conditions and materials follow
what such items require in practice; names, codes, addresses and telephone numbers
are made up. Telephone numbers use local numbers starting with 1, which no Chinese
landline is assigned, so no real office gets called from a demo.

Usage:  python scripts/build_demo_catalog.py [OUTPUT.xlsx]
        (default: resources/catalog/demo-catalog.xlsx)

Workbook layout (header in row 1, data from row 2):
  事项: 事项编码 事项名称 事项类型 实施主体 办件类型 法定时限 承诺时限 是否收费 收费标准
        设定依据 受理条件 办理流程 办理地点 咨询电话 版本
  情形: 事项编码 情形编码 问题 选项            (options separated by ';', first = default)
  材料: 事项编码 序号 材料名称 材料形式 份数 必要性 适用情形 受理标准 来源渠道 空白表格 示例样表
        材料编码
  一件事 / 一件事事项 / 一件事情形 / 一件事情形对应: the bundles (app/core/catalog.py)

适用情形: empty = always; otherwise `问题=选项`, conditions ANDed with ';', alternative
options of one question with '|'. 问题 is the question text or its 情形编码.

Items that tests rely on:
  370999-MZ-001 最低生活保障申请: exactly 6 materials, all 6 apply under the default
                answers (the item has no situation questions); one of them is 容缺.
  370999-YB-002 医疗救助申请 and 370999-ZF-001 农村宅基地和建房（规划许可）申请:
                10 materials each.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from app.core.search import readings_table

VERSION = (
    "2026.2"  # 2026.2: national item types, 送达方式 (issue 15); a published version never changes
)
COUNTY = "示范县"
PLACE = "示范县城关镇便民服务中心一楼综合受理窗口（城关镇人民路88号）"

SIX_MATERIAL_ITEM = "370999-MZ-001"  # 最低生活保障申请: 6 materials, all apply by default

# Implementing departments and their (fictional) enquiry numbers.
RS = ("示范县人力资源和社会保障局", "0538-1230101")
YB = ("示范县医疗保障局", "0538-1230102")
MZ = ("示范县民政局", "0538-1230103")
CL = ("示范县残疾人联合会", "0538-1230104")
WJ = ("示范县卫生健康局", "0538-1230105")
SJ = ("示范县市场监督管理局", "0538-1230106")
ZF = ("示范县城关镇人民政府", "0538-1230107")
GA = ("示范县公安局", "0538-1230108")
TY = ("示范县退役军人事务局", "0538-1230109")
ZH = ("示范县综合行政执法局", "0538-1230110")
SW = ("国家税务总局示范县税务局", "0538-1230111")

# Shared material codes (材料编码) of the county's standard: a material that several
# items ask for carries one code, so a bundle (一件事) checks it once. Items written
# before the codes have none; their materials join a code by name.
CODE_ID_CARD = "CL-0001"  # 居民身份证
CODE_LICENCE = "CL-0002"  # 营业执照
CODE_HUKOU = "CL-0003"  # 居民户口簿
CODE_BIRTH = "CL-0004"  # 出生医学证明
CODE_MARRIAGE = "CL-0005"  # 结婚证
CODE_PREMISES = "CL-0006"  # 经营场所使用证明
CODE_LEGAL_REP_ID = "CL-0007"  # 法定代表人居民身份证

# Vocabularies of the workbook (the loader in app/core/items.py accepts these).
LICENSING, PUBLIC_SERVICE = "行政许可", "公共服务"
PAYMENT, CONFIRMATION = "行政给付", "行政确认"  # national item types
OTHER_POWER = "其他行政权力"
ON_THE_SPOT, PROMISED = "即办件", "承诺件"
KEPT, SHOWN, COPY, ELECTRONIC = "原件收取", "原件核验", "复印件", "电子"
REQUIRED, DEFERRABLE, OPTIONAL = "必需", "容缺", "非必需"

# 来源渠道
SRC_SELF = "申请人自备"
SRC_FORM = "申请人填写（窗口提供空白表格）"
SRC_POLICE = "公安部门核发"
SRC_CIVIL = "民政部门核发"
SRC_GOV = "政府部门核发"
SRC_CDPF = "残疾人联合会核发"
SRC_HOSPITAL = "医疗机构出具"
SRC_VILLAGE = "村（居）民委员会出具"
SRC_EMPLOYER = "用人单位出具"
SRC_SCHOOL = "学校出具"
SRC_MARKET = "市场监管部门核发"
SRC_TAX = "税务部门出具"
SRC_THIRD = "具备资质的第三方机构出具"

AGENT_Q = "是否委托代办"


@dataclass(frozen=True)
class Question:
    code: str
    text: str
    options: tuple[str, ...]


@dataclass(frozen=True)
class Mat:
    name: str
    medium: str
    copies: int
    necessity: str
    when: str = ""  # 适用情形
    standard: str = ""  # 受理标准
    source: str = SRC_SELF
    blank_form: str = ""
    sample: str = ""
    code: str = ""  # 材料编码 (shared across items)


@dataclass(frozen=True)
class DemoItem:
    code: str
    name: str
    kind: str
    dept: tuple[str, str]  # (实施主体, 咨询电话)
    service_type: str
    statutory_days: int
    promised_days: int
    legal_basis: str
    conditions: str
    procedure: str
    questions: tuple[Question, ...] = ()
    materials: tuple[Mat, ...] = ()
    fee: bool = False
    fee_standard: str = "不收费"
    place: str = PLACE
    version: str = VERSION
    statutory_unit: str = "工作日"  # or 自然日 where the law counts in 日
    promised_unit: str = "工作日"
    # empty: the hall's defaults (复议机关 示范县人民政府, 管辖法院 示范县人民法院)
    review_body: str = ""
    court: str = ""


def q(code: str, text: str, options: str) -> Question:
    return Question(code, text, tuple(options.split(";")))


def agent_question(code: str = "Q1", text: str = AGENT_Q) -> Question:
    return q(code, text, "否;是")


# Materials that recur across items. The same material keeps the same name in every
# item, so that one collected once can satisfy every item of a bundle (联办).


def id_card(standard: str = "在有效期内，与申请人信息一致", when: str = "") -> Mat:
    return Mat("居民身份证", SHOWN, 1, REQUIRED, when, standard, SRC_POLICE)


def hukou(
    standard: str = "本县户籍，户主页和申请人本人页信息完整",
    when: str = "",
    necessity: str = REQUIRED,
) -> Mat:
    return Mat("居民户口簿", SHOWN, 1, necessity, when, standard, SRC_POLICE)


def agent_id(when: str = f"{AGENT_Q}=是") -> Mat:
    return Mat(
        "代办人居民身份证",
        SHOWN,
        1,
        REQUIRED,
        when,
        "在有效期内，代办人须为具有完全民事行为能力的成年人",
        SRC_POLICE,
    )


def power_of_attorney(when: str = f"{AGENT_Q}=是") -> Mat:
    return Mat(
        "授权委托书",
        KEPT,
        1,
        REQUIRED,
        when,
        "载明委托事项、权限和期限，委托人签字或按指印",
        SRC_FORM,
        "授权委托书",
        "授权委托书（填写示例）",
    )


def form(name: str, standard: str, necessity: str = REQUIRED, when: str = "") -> Mat:
    """A form the applicant fills in; the hall keeps the original."""
    return Mat(name, KEPT, 1, necessity, when, standard, SRC_FORM, name, f"{name}（填写示例）")


def bank_account(when: str = "") -> Mat:
    return Mat(
        "本人银行卡或存折",
        COPY,
        1,
        DEFERRABLE,
        when,
        "申请人本人名下的银行账户，户名、账号清晰可辨，用于发放资金",
        SRC_SELF,
    )


def residence_permit(when: str) -> Mat:
    return Mat("居住证", SHOWN, 1, REQUIRED, when, "在有效期内，居住地址在本县", SRC_POLICE)


def disability_card(standard: str, when: str = "") -> Mat:
    return Mat("中华人民共和国残疾人证", SHOWN, 1, REQUIRED, when, standard, SRC_CDPF)


def hardship_proof(when: str) -> Mat:
    return Mat(
        "困难群体身份证明材料（低保证、特困人员救助供养证、残疾人证等）",
        SHOWN,
        1,
        OPTIONAL,
        when,
        "能通过民政、残联信息系统核验身份的免于提交；不能核验的提供相应证件原件",
        SRC_GOV,
    )


def marriage_cert(standard: str) -> Mat:
    return Mat("结婚证", SHOWN, 1, REQUIRED, "", standard, SRC_CIVIL)


def family_check_consent(when: str = "") -> Mat:
    return form(
        "家庭经济状况核对授权书",
        "共同生活家庭成员中的成年人逐一签字或按指印，授权核对存款、车辆、房产等信息",
        when=when,
    )


def photo_1inch(standard: str, necessity: str = OPTIONAL) -> Mat:
    return Mat("近期一寸免冠彩色照片", KEPT, 1, necessity, "", standard, SRC_SELF)


ITEMS: tuple[DemoItem, ...] = (
    # ------------------------------------------------------------ 人力资源和社会保障
    DemoItem(
        code="370999-RS-001",
        name="城乡居民基本养老保险参保登记",
        kind=PUBLIC_SERVICE,
        dept=RS,
        service_type=ON_THE_SPOT,
        statutory_days=5,
        promised_days=0,
        legal_basis=(
            "《中华人民共和国社会保险法》第二十条、第二十二条；"
            "《国务院关于建立统一的城乡居民基本养老保险制度的意见》（国发〔2014〕8号）；"
            "《城乡居民基本养老保险经办规程》（人社部发〔2019〕84号）"
        ),
        conditions=(
            "年满16周岁（不含在校学生），非国家机关和事业单位工作人员及不属于职工基本养老"
            "保险制度覆盖范围的城乡居民，可以在户籍地参加城乡居民基本养老保险；"
            "已参加职工基本养老保险的，不得重复参保。"
        ),
        procedure=(
            "1.受理：申请人持材料到窗口提出申请，窗口人员核对身份并查询参保状态；"
            "2.审查：核实未参加其他基本养老保险，材料齐全、符合条件的当场录入参保信息；"
            "3.决定：当场完成参保登记，告知缴费档次和缴费渠道；"
            "4.办结：参保人按所选档次通过银行或税务渠道缴费。"
        ),
        questions=(
            agent_question("Q1"),
            q("Q2", "是否属于政府代缴困难群体", "否;是"),
        ),
        materials=(
            id_card(),
            hukou(),
            form(
                "城乡居民基本养老保险参保登记表",
                "信息填写完整准确，选定缴费档次，本人签字或按指印",
            ),
            agent_id(),
            power_of_attorney(),
            hardship_proof("是否属于政府代缴困难群体=是"),
        ),
    ),
    DemoItem(
        code="370999-RS-002",
        name="城乡居民基本养老保险待遇领取",
        kind=PUBLIC_SERVICE,
        dept=RS,
        service_type=PROMISED,
        statutory_days=20,
        promised_days=10,
        legal_basis=(
            "《中华人民共和国社会保险法》第二十一条；"
            "《国务院关于建立统一的城乡居民基本养老保险制度的意见》（国发〔2014〕8号）；"
            "《城乡居民基本养老保险经办规程》（人社部发〔2019〕84号）"
        ),
        conditions=(
            "参加城乡居民基本养老保险的个人，年满60周岁、累计缴费满15年，"
            "且未领取国家规定的基本养老保障待遇的，可以按月领取城乡居民基本养老保险待遇；"
            "距规定领取年龄不足15年的，按规定逐年缴费，也可补缴，累计缴费不超过15年。"
        ),
        procedure=(
            "1.受理：参保人在达到领取年龄前后到窗口提出申请，窗口人员核对身份和缴费记录；"
            "2.审查：县社会保险经办机构核定缴费年限和待遇标准，核查是否重复领取；"
            "3.决定：符合条件的核定待遇，自符合领取条件的次月起发放；不符合的书面告知理由；"
            "4.办结：待遇按月发放至本人社会保障卡银行账户。"
        ),
        questions=(agent_question("Q1"),),
        materials=(
            id_card(),
            hukou(),
            form(
                "城乡居民基本养老保险待遇领取申请表",
                "信息填写完整，本人签字或按指印，领取账户信息准确",
            ),
            Mat(
                "社会保障卡",
                SHOWN,
                1,
                DEFERRABLE,
                "",
                "本人社会保障卡，已激活金融功能；暂未领卡的可先受理，领卡后补充账户信息",
                "人力资源社会保障部门核发",
            ),
            agent_id(),
            power_of_attorney(),
        ),
    ),
    DemoItem(
        code="370999-RS-003",
        name="就业失业登记",
        kind=PUBLIC_SERVICE,
        dept=RS,
        service_type=ON_THE_SPOT,
        statutory_days=5,
        promised_days=0,
        legal_basis=(
            "《中华人民共和国就业促进法》；"
            "《就业服务与就业管理规定》（劳动和社会保障部令第28号）；"
            "《人力资源社会保障部关于进一步完善就业失业登记管理办法的通知》"
            "（人社部发〔2014〕97号）"
        ),
        conditions=(
            "失业登记：在法定劳动年龄内、有劳动能力、有就业要求、处于无业状态的城乡劳动者，"
            "可在常住地办理失业登记。就业登记：劳动者实现就业的，由用人单位或劳动者本人"
            "办理就业登记。"
        ),
        procedure=(
            "1.受理：劳动者持材料到窗口申请，窗口人员核对身份并查询就业、参保状态；"
            "2.审查：核实就业失业状态，材料齐全、符合条件的当场录入就业失业登记信息；"
            "3.决定：当场办结，失业登记人员同时享受职业介绍、职业指导等公共就业服务；"
            "4.办结：需要的可同步申领《就业创业证》。"
        ),
        questions=(
            q("Q1", "登记类型", "失业登记;就业登记"),
            q("Q2", "就业形式", "单位就业;灵活就业;自主创业"),
        ),
        materials=(
            id_card("在有效期内，与申请人信息一致；也可凭社会保障卡办理"),
            form("就业失业登记申请表", "信息填写完整准确，本人签字"),
            Mat(
                "解除或终止劳动关系证明",
                SHOWN,
                1,
                OPTIONAL,
                "登记类型=失业登记",
                "原单位出具，载明解除或终止劳动关系的日期；能通过社保参保信息核实的免于提交",
                SRC_EMPLOYER,
            ),
            Mat(
                "劳动合同",
                COPY,
                1,
                REQUIRED,
                "登记类型=就业登记;就业形式=单位就业",
                "加盖用人单位公章，合同在有效期内",
                SRC_EMPLOYER,
            ),
            form(
                "灵活就业情况承诺书",
                "如实填写从业岗位、收入来源和起始时间，本人签字承诺",
                when="登记类型=就业登记;就业形式=灵活就业",
            ),
            Mat(
                "营业执照",
                SHOWN,
                1,
                REQUIRED,
                "登记类型=就业登记;就业形式=自主创业",
                "经营者或法定代表人为申请人本人，处于存续状态；可出示电子营业执照",
                SRC_MARKET,
            ),
        ),
    ),
    DemoItem(
        code="370999-RS-004",
        name="《就业创业证》申领",
        kind=PUBLIC_SERVICE,
        dept=RS,
        service_type=ON_THE_SPOT,
        statutory_days=5,
        promised_days=0,
        legal_basis=(
            "《就业服务与就业管理规定》（劳动和社会保障部令第28号）；"
            "《人力资源社会保障部关于进一步完善就业失业登记管理办法的通知》"
            "（人社部发〔2014〕97号）"
        ),
        conditions=(
            "已办理就业登记或失业登记的城乡劳动者，以及毕业年度内的高校毕业生，"
            "可以申领《就业创业证》；可选择申领电子《就业创业证》。"
        ),
        procedure=(
            "1.受理：申请人持材料到窗口申请；"
            "2.审查：核实就业失业登记信息或高校毕业生身份；"
            "3.决定：符合条件的当场发放《就业创业证》（或电子证照）；"
            "4.办结：证件信息随就业失业登记信息同步更新。"
        ),
        questions=(q("Q1", "申领人员类别", "已办理就业失业登记人员;毕业年度内高校毕业生"),),
        materials=(
            id_card(),
            form("就业创业证申领登记表", "信息填写完整准确，本人签字"),
            photo_1inch("申领纸质证的提供，白底、近6个月内拍摄；申领电子证的免于提交"),
            Mat(
                "毕业证书",
                SHOWN,
                1,
                REQUIRED,
                "申领人员类别=毕业年度内高校毕业生",
                "毕业年度内取得，可通过学信网核验；尚未取得的提供学校出具的就业推荐表",
                "高等学校颁发",
            ),
        ),
    ),
    # ------------------------------------------------------------------- 医疗保障
    DemoItem(
        code="370999-YB-001",
        name="城乡居民医保参保登记",
        kind=PUBLIC_SERVICE,
        dept=YB,
        service_type=ON_THE_SPOT,
        statutory_days=5,
        promised_days=0,
        legal_basis=(
            "《中华人民共和国社会保险法》第二十五条；"
            "《国务院关于整合城乡居民基本医疗保险制度的意见》（国发〔2016〕3号）"
        ),
        conditions=(
            "除应当参加职工基本医疗保险以外的城乡居民（含农村居民、城镇非从业居民、"
            "新生儿等），可以在户籍地或持居住证在常住地参加城乡居民基本医疗保险；"
            "不得重复参保。"
        ),
        procedure=(
            "1.受理：申请人持材料到窗口申请，窗口人员查询全国医保参保状态；"
            "2.审查：核实未参加其他基本医疗保险，材料齐全的当场录入参保信息；"
            "3.决定：当场完成参保登记，告知缴费标准、缴费期和待遇享受时间；"
            "4.办结：参保人通过税务渠道缴费，困难群众个人缴费部分按规定资助。"
        ),
        questions=(
            q("Q1", "参保人员类别", "普通城乡居民;新生儿;困难群众资助参保"),
            agent_question("Q2"),
            q("Q3", "户籍类型", "本地户籍;外地户籍"),
        ),
        materials=(
            id_card(when="参保人员类别=普通城乡居民|困难群众资助参保"),
            form(
                "城乡居民基本医疗保险参保登记表",
                "信息填写完整准确，本人或监护人签字",
            ),
            Mat(
                "出生医学证明",
                SHOWN,
                1,
                REQUIRED,
                "参保人员类别=新生儿",
                "新生儿姓名、出生日期与登记信息一致",
                SRC_HOSPITAL,
            ),
            Mat(
                "监护人居民身份证",
                SHOWN,
                1,
                REQUIRED,
                "参保人员类别=新生儿",
                "在有效期内，与出生医学证明所载父亲或母亲信息一致",
                SRC_POLICE,
            ),
            hukou(
                "新生儿已落户的提供；尚未落户的凭出生医学证明办理",
                when="参保人员类别=新生儿",
                necessity=OPTIONAL,
            ),
            hardship_proof("参保人员类别=困难群众资助参保"),
            residence_permit("户籍类型=外地户籍"),
            agent_id("Q2=是"),
        ),
    ),
    DemoItem(
        code="370999-YB-002",
        name="医疗救助申请",
        kind=PAYMENT,
        dept=YB,
        service_type=PROMISED,
        statutory_days=20,
        promised_days=10,
        legal_basis=(
            "《社会救助暂行办法》第二十八条、第三十条；"
            "《国务院办公厅关于健全重特大疾病医疗保险和救助制度的意见》（国办发〔2021〕42号）"
        ),
        conditions=(
            "本县户籍的最低生活保障家庭成员、特困人员、低保边缘家庭成员，以及因高额医疗费用"
            "支出导致家庭基本生活严重困难的因病致贫重病患者，在定点医疗机构发生的政策范围内"
            "医疗费用，经基本医疗保险、大病保险等报销后个人负担仍然较重的，可以申请医疗救助。"
            "已通过“一站式”结算享受救助的费用，不再重复申请。"
        ),
        procedure=(
            "1.受理：申请人持材料到户籍所在地便民服务中心窗口申请；"
            "2.审查：乡镇人民政府核实申请人身份和医疗费用，因病致贫重病患者开展家庭经济状况"
            "核对；3.决定：县医疗保障局按规定核定救助金额，对不符合条件的书面告知理由；"
            "4.办结：救助资金发放至申请人银行账户。"
        ),
        questions=(
            q(
                "Q1",
                "救助对象类别",
                "低保对象或特困人员;低保边缘家庭成员;因病致贫重病患者",
            ),
            agent_question("Q2"),
        ),
        materials=(
            form("医疗救助申请表", "信息填写完整，申请人签字或按指印"),
            id_card(),
            hukou(),
            Mat(
                "住院医疗费用票据",
                KEPT,
                1,
                REQUIRED,
                "",
                "定点医疗机构出具的正式票据原件；原件已用于其他报销的，提供复印件并加盖"
                "留存单位印章",
                SRC_HOSPITAL,
            ),
            Mat(
                "医疗保险费用结算单",
                KEPT,
                1,
                REQUIRED,
                "",
                "载明医疗总费用、基本医保和大病保险报销金额及个人自付金额",
                SRC_HOSPITAL,
            ),
            Mat(
                "出院记录或疾病诊断证明书",
                COPY,
                1,
                REQUIRED,
                "",
                "加盖医疗机构印章，诊断明确",
                SRC_HOSPITAL,
            ),
            family_check_consent(when="救助对象类别=低保边缘家庭成员|因病致贫重病患者"),
            bank_account(),
            agent_id("是否委托代办=是"),
            power_of_attorney("是否委托代办=是"),
        ),
    ),
    # ------------------------------------------------------------------------ 民政
    # 最低生活保障申请: the 6-material item (SIX_MATERIAL_ITEM). Disability, illness
    # and similar circumstances are established by the household survey and the data
    # check after acceptance, so the intake list does not vary by situation.
    DemoItem(
        code=SIX_MATERIAL_ITEM,
        name="最低生活保障申请",
        kind=PAYMENT,
        dept=MZ,
        service_type=PROMISED,
        statutory_days=30,
        promised_days=20,
        legal_basis=(
            "《社会救助暂行办法》第九条、第十一条；《最低生活保障审核确认办法》（民发〔2021〕57号）"
        ),
        conditions=(
            "共同生活的家庭成员人均收入低于当地最低生活保障标准，且家庭财产状况符合当地"
            "规定的本县户籍家庭，以家庭为单位向户籍所在地乡镇人民政府（街道办事处）提出"
            "书面申请；申请人有困难的，可以委托村（居）民委员会代为提出申请。"
        ),
        procedure=(
            "1.受理：窗口人员审查申请材料，材料齐全的出具受理通知书，不齐全的一次性告知；"
            "2.调查：乡镇人民政府通过入户调查、邻里访问、信息核对等方式核查家庭经济状况，"
            "并在村（居）务公开栏公示调查结果；"
            "3.审核确认：县民政局（或经授权的乡镇人民政府）审核确认，符合条件的予以批准"
            "并公布，不符合条件的书面告知理由；"
            "4.发放：自批准之日的次月起按月发放最低生活保障金。"
        ),
        materials=(
            form(
                "最低生活保障申请书",
                "写明申请理由、共同生活家庭成员及收入情况，申请人签字或按指印",
            ),
            id_card("申请人及共同生活家庭成员的居民身份证，在有效期内"),
            hukou("本县户籍，包含全部共同生活家庭成员"),
            family_check_consent(),
            form(
                "家庭收入和财产状况申报表",
                "如实申报工资性、经营性、财产性收入及存款、车辆、房产等财产，申请人签字承诺",
            ),
            bank_account(),
        ),
    ),
    DemoItem(
        code="370999-MZ-002",
        name="特困人员认定",
        kind=CONFIRMATION,
        dept=MZ,
        service_type=PROMISED,
        statutory_days=30,
        promised_days=20,
        legal_basis=(
            "《社会救助暂行办法》第十四条、第十五条；《特困人员认定办法》（民发〔2021〕43号）"
        ),
        conditions=(
            "同时具备以下条件的老年人、残疾人和未成年人，可以申请特困人员救助供养："
            "无劳动能力；无生活来源；无法定赡养、抚养、扶养义务人，或者其法定义务人无履行"
            "义务能力。由本人向户籍所在地乡镇人民政府（街道办事处）提出书面申请；本人申请"
            "有困难的，可以委托村（居）民委员会或者他人代为提出申请。"
        ),
        procedure=(
            "1.受理：窗口人员审查申请材料，材料齐全的予以受理，不齐全的一次性告知；"
            "2.调查：乡镇人民政府通过入户调查、邻里访问、信息核对等方式核实申请人情况，"
            "开展生活自理能力评估，提出初审意见并公示；"
            "3.确认：县民政局审核确认，符合条件的予以确认并确定供养形式，不符合条件的"
            "书面告知理由；"
            "4.办结：自确认之日的次月起给予救助供养。"
        ),
        questions=(
            q("Q1", "申请人类别", "老年人;残疾人;未成年人"),
            agent_question("Q2", "是否委托他人代为申请"),
        ),
        materials=(
            form(
                "特困人员救助供养申请书",
                "写明申请理由、本人收入财产及法定义务人情况，申请人签字或按指印",
            ),
            id_card(when="申请人类别=老年人|残疾人"),
            hukou(),
            family_check_consent(),
            disability_card(
                "在有效期内，残疾等级符合本省特困人员认定规定",
                when="申请人类别=残疾人",
            ),
            Mat(
                "法定义务人情况说明",
                KEPT,
                1,
                DEFERRABLE,
                "",
                "如实说明法定赡养、抚养、扶养义务人情况；义务人无履行能力的附相关证明",
                SRC_SELF,
            ),
            agent_id("是否委托他人代为申请=是"),
            power_of_attorney("Q2=是"),
        ),
    ),
    DemoItem(
        code="370999-MZ-003",
        name="临时救助申请",
        kind=PAYMENT,
        dept=MZ,
        service_type=PROMISED,
        statutory_days=20,
        promised_days=10,
        legal_basis=(
            "《社会救助暂行办法》第四十七条、第四十八条；"
            "《国务院关于全面建立临时救助制度的通知》（国发〔2014〕47号）"
        ),
        conditions=(
            "因火灾、交通事故等意外事件，家庭成员突发重大疾病等原因，导致基本生活暂时出现"
            "严重困难的家庭；因生活必需支出突然增加超出家庭承受能力，导致基本生活暂时出现"
            "严重困难的家庭；以及遭遇其他特殊困难的家庭或个人，可以向户籍所在地或居住地"
            "乡镇人民政府（街道办事处）申请临时救助。"
        ),
        procedure=(
            "1.受理：窗口人员审查申请材料，予以受理或一次性告知；情况紧急的可先行救助，"
            "事后补齐材料；2.审核：乡镇人民政府调查核实家庭经济状况和困难情形并公示；"
            "3.审批：按权限由乡镇人民政府或县民政局审批，确定救助金额；"
            "4.办结：救助金发放至申请人银行账户，不符合条件的书面告知理由。"
        ),
        questions=(
            q("Q1", "救助类型", "支出型;急难型"),
            q("Q2", "户籍类型", "本地户籍;外地户籍"),
        ),
        materials=(
            form(
                "临时救助申请书",
                "写明遭遇困难的原因、时间和家庭收入情况，申请人签字或按指印",
            ),
            id_card(),
            hukou(when="户籍类型=本地户籍"),
            residence_permit("户籍类型=外地户籍"),
            family_check_consent(),
            Mat(
                "刚性支出费用凭证",
                COPY,
                1,
                DEFERRABLE,
                "救助类型=支出型",
                "医疗、教育等生活必需支出的票据或证明，加盖出具单位印章",
                SRC_SELF,
            ),
            Mat(
                "意外事件证明材料",
                COPY,
                1,
                DEFERRABLE,
                "救助类型=急难型",
                "火灾、交通事故等意外事件的相关部门证明；情况紧急的可先行救助、事后补交",
                SRC_GOV,
            ),
            bank_account(),
        ),
    ),
    DemoItem(
        code="370999-MZ-004",
        name="高龄津贴申领",
        kind=PUBLIC_SERVICE,
        dept=MZ,
        service_type=PROMISED,
        statutory_days=20,
        promised_days=10,
        legal_basis=("《中华人民共和国老年人权益保障法》第三十三条；本省高龄津贴制度实施有关规定"),
        conditions=(
            "具有本县户籍、年满80周岁的老年人（具体年龄段和标准按本省规定执行），"
            "可由本人或其家属向户籍所在地乡镇人民政府（街道办事处）申请高龄津贴。"
        ),
        procedure=(
            "1.受理：窗口人员核对老人身份和年龄，材料齐全的予以受理；"
            "2.审核：乡镇人民政府核实户籍和生存状况，报县民政局；"
            "3.审批：县民政局审核确认并纳入发放名册；"
            "4.办结：自批准次月起按月发放至老人本人银行账户。"
        ),
        questions=(agent_question("Q1"),),
        materials=(
            id_card("在有效期内，年龄达到本省规定的领取年龄"),
            hukou(),
            form("高龄津贴申请表", "信息填写完整，老人本人签字或按指印"),
            bank_account(),
            agent_id(),
            power_of_attorney(),
        ),
    ),
    DemoItem(
        code="370999-MZ-005",
        name="残疾人两项补贴申请",
        kind=PAYMENT,
        dept=MZ,
        service_type=PROMISED,
        statutory_days=20,
        promised_days=15,
        legal_basis=(
            "《中华人民共和国残疾人保障法》；"
            "《国务院关于全面建立困难残疾人生活补贴和重度残疾人护理补贴制度的意见》"
            "（国发〔2015〕52号）"
        ),
        conditions=(
            "具有本县户籍、持有《中华人民共和国残疾人证》的残疾人。困难残疾人生活补贴对象为"
            "最低生活保障家庭中的残疾人（按本省规定扩大到其他困难残疾人）；重度残疾人护理"
            "补贴对象为残疾等级被评定为一级、二级且需要长期照护的重度残疾人（按本省规定"
            "扩大到非重度智力、精神残疾人或其他残疾人）。"
        ),
        procedure=(
            "1.受理：申请人持材料到户籍所在地便民服务中心窗口申请；"
            "2.初审：乡镇人民政府核实申请人残疾等级、困难情况和照护需求，提出初审意见；"
            "3.审核审定：县残疾人联合会审核，县民政局审定；"
            "4.办结：自审定次月起按月发放补贴，不符合条件的书面告知理由。"
        ),
        questions=(
            q(
                "Q1",
                "申请补贴类型",
                "困难残疾人生活补贴;重度残疾人护理补贴;两项补贴同时申请",
            ),
            agent_question("Q2"),
        ),
        materials=(
            form(
                "困难残疾人生活补贴和重度残疾人护理补贴申请审批表",
                "信息填写完整，申请人或监护人签字",
            ),
            id_card("在有效期内，与申请人信息一致；未成年人可仅提供居民户口簿"),
            hukou(),
            disability_card("第二代及以上残疾人证，在有效期内，残疾等级与申请补贴类型相符"),
            hardship_proof("申请补贴类型=困难残疾人生活补贴|两项补贴同时申请"),
            bank_account(),
            agent_id("Q2=是"),
            power_of_attorney("Q2=是"),
        ),
    ),
    # ------------------------------------------------------------------------ 残联
    DemoItem(
        code="370999-CL-001",
        name="残疾人证申领",
        kind=PUBLIC_SERVICE,
        dept=CL,
        service_type=PROMISED,
        statutory_days=30,
        promised_days=15,
        legal_basis="《中华人民共和国残疾人保障法》；《中华人民共和国残疾人证管理办法》",
        conditions=(
            "具有本县户籍，符合《残疾人残疾分类和分级》（GB/T 26341—2010）的视力、听力、言语、"
            "肢体、智力、精神及多重残疾人，可以申领《中华人民共和国残疾人证》；"
            "未成年人或行动不便的，可由监护人或近亲属代为申请。"
        ),
        procedure=(
            "1.受理：窗口人员审查申请材料，出具残疾评定通知；"
            "2.评定：申请人到指定医疗机构进行残疾评定（评定时间不计入承诺时限）；"
            "3.审核：县残疾人联合会审核评定结论，符合标准的予以核发，不符合的书面告知理由；"
            "4.办结：制发残疾人证，由申请人到便民服务中心窗口领取。"
        ),
        questions=(
            q("Q1", "申请人是否为未成年人", "否;是"),
            agent_question("Q2"),
        ),
        materials=(
            form("残疾人证申请表", "信息填写完整，申请人或监护人签字"),
            id_card(when="申请人是否为未成年人=否"),
            hukou(),
            Mat(
                "近期二寸免冠彩色照片",
                KEPT,
                3,
                REQUIRED,
                "",
                "白底，近6个月内拍摄，不得着制式服装",
                SRC_SELF,
            ),
            Mat(
                "监护人居民身份证",
                SHOWN,
                1,
                REQUIRED,
                "申请人是否为未成年人=是",
                "在有效期内，与户口簿所载监护关系一致",
                SRC_POLICE,
            ),
            agent_id("Q2=是"),
            Mat(
                "病历或疾病诊断证明",
                COPY,
                1,
                OPTIONAL,
                "",
                "近期就诊病历、检查报告等，供残疾评定参考",
                SRC_HOSPITAL,
            ),
        ),
    ),
    # -------------------------------------------------------------------- 卫生健康
    DemoItem(
        code="370999-WJ-001",
        name="生育登记",
        kind=PUBLIC_SERVICE,
        dept=WJ,
        service_type=ON_THE_SPOT,
        statutory_days=1,
        promised_days=0,
        legal_basis=(
            "《中华人民共和国人口与计划生育法》；"
            "《中共中央 国务院关于优化生育政策促进人口长期均衡发展的决定》"
        ),
        conditions=(
            "夫妻生育子女的（孕前、孕期或子女出生后均可），可以在一方户籍地或现居住地办理"
            "生育登记；实行自主申报、承诺办理。"
        ),
        procedure=(
            "1.受理：夫妻一方持材料到窗口申请，也可通过网上平台申报；"
            "2.审查：窗口人员核对身份和婚姻信息；"
            "3.决定：当场完成登记，出具生育服务登记信息；"
            "4.办结：登记信息同步至孕产期保健服务机构。"
        ),
        questions=(
            q("Q1", "户籍类型", "本地户籍;外地户籍"),
            agent_question("Q2"),
        ),
        materials=(
            id_card("夫妻双方居民身份证，在有效期内"),
            marriage_cert("夫妻双方结婚证，信息与居民身份证一致"),
            form("生育登记承诺书", "夫妻双方如实填写生育情况并签字承诺"),
            residence_permit("户籍类型=外地户籍"),
            agent_id("Q2=是"),
        ),
    ),
    DemoItem(
        code="370999-WJ-002",
        name="农村部分计划生育家庭奖励扶助申请",
        kind=PAYMENT,
        dept=WJ,
        service_type=PROMISED,
        statutory_days=20,
        promised_days=15,
        legal_basis=(
            "《中华人民共和国人口与计划生育法》；"
            "《国务院办公厅转发人口计生委财政部关于开展对农村部分计划生育家庭实行奖励扶助"
            "制度试点工作意见的通知》（国办发〔2004〕21号）"
        ),
        conditions=(
            "本人及配偶均为农业户口或界定为农村居民户口；1973年至2001年期间没有违反计划"
            "生育法律法规和政策规定生育；现存一个子女或两个女孩，或子女死亡现无子女；"
            "年满60周岁。"
        ),
        procedure=(
            "1.受理：申请人持材料到窗口申请，窗口人员一次性告知；"
            "2.审核：村（居）民委员会评议公示，乡镇人民政府调查核实；"
            "3.确认：县卫生健康局审批确认并公示；"
            "4.办结：奖励扶助金按年发放至本人银行账户。"
        ),
        questions=(
            q("Q1", "子女情况", "现存一个子女;现存两个女孩;子女死亡现无子女"),
            agent_question("Q2"),
        ),
        materials=(
            form("农村部分计划生育家庭奖励扶助对象申报表", "信息填写完整，夫妻双方签字"),
            id_card(),
            hukou("本县农村户籍，户主页和申请人本人页信息完整"),
            marriage_cert("夫妻双方结婚证；离婚或丧偶的提供相关证明"),
            Mat(
                "独生子女父母光荣证",
                SHOWN,
                1,
                OPTIONAL,
                "子女情况=现存一个子女",
                "持有的提供，姓名与申请人一致",
                SRC_GOV,
            ),
            Mat(
                "子女死亡证明",
                COPY,
                1,
                REQUIRED,
                "子女情况=子女死亡现无子女",
                "医疗机构出具的死亡医学证明或公安部门出具的户籍注销证明",
                SRC_HOSPITAL,
            ),
            bank_account(),
            agent_id("Q2=是"),
        ),
    ),
    # -------------------------------------------------------------------- 市场监管
    DemoItem(
        code="370999-SJ-001",
        name="个体工商户设立登记",
        kind=LICENSING,
        dept=SJ,
        service_type=ON_THE_SPOT,
        statutory_days=3,
        promised_days=0,
        legal_basis=(
            "《中华人民共和国市场主体登记管理条例》第十六条、第十九条；"
            "《促进个体工商户发展条例》；《中华人民共和国市场主体登记管理条例实施细则》"
        ),
        conditions=(
            "有经营能力的自然人可以申请登记为个体工商户；个体工商户可以个人经营，也可以家庭"
            "经营。经营范围涉及法律、行政法规规定须经批准的项目的，应当依法取得批准；"
            "名称（可不使用名称）和经营场所应当符合登记管理规定。"
        ),
        procedure=(
            "1.受理：申请人提交申请材料，窗口人员核对经营者身份；"
            "2.审查：对申请材料进行形式审查，材料齐全、符合法定形式的予以确认；"
            "3.决定：当场登记并核发营业执照（同步发放电子营业执照）；不能当场登记的，"
            "3个工作日内予以登记；不予登记的书面说明理由；"
            "4.办结：登记信息通过国家企业信用信息公示系统公示。"
        ),
        questions=(
            q("Q1", "经营者组成形式", "个人经营;家庭经营"),
            agent_question("Q2", "是否委托代理人办理"),
            q("Q3", "经营范围是否涉及前置许可", "否;是"),
        ),
        materials=(
            form(
                "个体工商户登记（备案）申请书",
                "经营者签字，经营范围、经营场所等填写规范",
            ),
            id_card("经营者本人居民身份证，在有效期内"),
            Mat(
                "经营场所使用证明",
                COPY,
                1,
                REQUIRED,
                "",
                "自有房屋提供不动产权证书；租赁的提供租赁协议及出租方产权证明；"
                "无产权证明的提供村（居）民委员会出具的场所证明",
                SRC_SELF,
            ),
            Mat(
                "参加经营的家庭成员居民身份证",
                SHOWN,
                1,
                REQUIRED,
                "经营者组成形式=家庭经营",
                "在有效期内，与申请书所列家庭成员一致",
                SRC_POLICE,
            ),
            Mat(
                "家庭成员亲属关系证明",
                SHOWN,
                1,
                REQUIRED,
                "经营者组成形式=家庭经营",
                "居民户口簿、结婚证等能证明与经营者亲属关系的材料",
                SRC_GOV,
            ),
            agent_id("Q2=是"),
            power_of_attorney("是否委托代理人办理=是"),
            Mat(
                "前置许可文件",
                COPY,
                1,
                REQUIRED,
                "Q3=是",
                "许可证件或批准文件在有效期内，许可范围与申请的经营范围一致",
                SRC_GOV,
            ),
        ),
    ),
    DemoItem(
        code="370999-SJ-002",
        name="个体工商户注销登记",
        kind=LICENSING,
        dept=SJ,
        # Not 即办: under the simplified procedure the registration office first sends the
        # application to the tax and other departments, and deregisters when none objects
        # within 10 days (条例第三十三条); then registers within 3 working days (第十九条).
        service_type=PROMISED,
        statutory_days=15,
        statutory_unit="自然日",
        promised_days=15,
        promised_unit="自然日",
        version="2026.2",
        legal_basis=(
            "《中华人民共和国市场主体登记管理条例》第十九条、第三十一条、第三十三条；"
            "《促进个体工商户发展条例》；《中华人民共和国市场主体登记管理条例实施细则》"
        ),
        conditions=(
            "个体工商户终止经营的，应当向登记机关申请注销登记。未发生债权债务或者已将债权"
            "债务清偿完结，未发生或者已结清清偿费用、职工工资、社会保险费用、法定补偿金、"
            "应缴纳税款（滞纳金、罚款）的，可以按照简易程序办理注销登记。"
        ),
        procedure=(
            "1.受理：经营者提交注销申请及材料；"
            "2.审查：核查是否存在被吊销、列入经营异常名录、未办结涉税事项等情形；"
            "3.决定：简易注销的，登记机关将注销申请推送税务等有关部门，10日内无异议的办理"
            "注销登记；普通注销材料齐全、符合法定形式的予以注销登记，收回营业执照；"
            "4.办结：注销信息通过国家企业信用信息公示系统公示。"
        ),
        questions=(
            q("Q1", "注销程序", "普通注销;简易注销"),
            agent_question("Q2"),
        ),
        materials=(
            form("个体工商户注销登记申请书", "经营者签字，注销原因填写清楚"),
            id_card("经营者本人居民身份证，在有效期内"),
            Mat(
                "营业执照",
                KEPT,
                1,
                REQUIRED,
                "",
                "正、副本原件一并交回；遗失的提交遗失情况承诺书",
                SRC_MARKET,
            ),
            form(
                "个体工商户简易注销承诺书",
                "经营者签字，承诺已清偿债权债务、结清税款等",
                when="注销程序=简易注销",
            ),
            Mat(
                "清税证明",
                COPY,
                1,
                OPTIONAL,
                "注销程序=普通注销",
                "已实现涉税信息共享、可在线核验的免于提交",
                SRC_TAX,
            ),
            agent_id("Q2=是"),
            power_of_attorney("Q2=是"),
        ),
    ),
    # ------------------------------------------------------------- 乡镇人民政府
    DemoItem(
        code="370999-ZF-001",
        name="农村宅基地和建房（规划许可）申请",
        kind=LICENSING,
        dept=ZF,
        service_type=PROMISED,
        statutory_days=20,
        promised_days=15,
        legal_basis=(
            "《中华人民共和国土地管理法》第六十二条；《中华人民共和国城乡规划法》第四十一条；"
            "《农业农村部 自然资源部关于规范农村宅基地审批管理的通知》（农经发〔2019〕6号）"
        ),
        conditions=(
            "本集体经济组织成员以户为单位申请；农村村民一户只能拥有一处宅基地，面积不得超过"
            "本省规定的标准；出卖、出租、赠与住宅后再申请宅基地的不予批准；拟建房屋应当符合"
            "国土空间规划（村庄规划）和用途管制要求，尽量使用原有宅基地和村内空闲地。"
        ),
        procedure=(
            "1.申请：农户向村民小组提出申请，经村民小组会议讨论通过并在本小组公示；"
            "2.村级审查：村级组织审查并签署意见后报送乡镇人民政府；"
            "3.受理：便民服务中心窗口统一受理，材料不全的一次性告知；"
            "4.审查：乡镇组织农业农村、自然资源等部门联审，实地查看拟用地是否符合规划和地类；"
            "5.决定：符合条件的核发《农村宅基地批准书》和《乡村建设规划许可证》，不符合的"
            "书面告知理由；6.验收：房屋竣工后申请验收，核查是否按批准面积和四至建房。"
        ),
        questions=(
            q("Q1", "申请类型", "新建;原址翻建;改扩建"),
            agent_question("Q2"),
            q("Q3", "拟建位置是否位于地质灾害易发区", "否;是"),
        ),
        materials=(
            form(
                "农村宅基地和建房（规划许可）申请表",
                "申请人签字；村民小组和村级组织意见栏已签署意见并加盖公章",
            ),
            form(
                "农村宅基地使用承诺书",
                "申请人签字或按指印，承诺遵守“一户一宅”、建新拆旧等规定",
            ),
            id_card(),
            hukou("本集体经济组织所在地户籍，户主和家庭成员信息完整"),
            Mat(
                "村民小组会议记录及公示情况说明",
                KEPT,
                1,
                REQUIRED,
                "",
                "村民小组会议讨论通过，参会人员签字，附公示照片，公示期不少于5个工作日",
                SRC_VILLAGE,
            ),
            Mat(
                "住房设计图或选用的通用图",
                KEPT,
                1,
                DEFERRABLE,
                "",
                "标明房屋层数、高度和建筑面积；选用县级农房通用图集的注明图集编号",
                SRC_SELF,
            ),
            Mat(
                "原宅基地使用权证明",
                SHOWN,
                1,
                REQUIRED,
                "申请类型=原址翻建|改扩建",
                "不动产权证书或宅基地使用证，权利人与申请人一致",
                SRC_GOV,
            ),
            agent_id("是否委托代办=是"),
            power_of_attorney("Q2=是"),
            Mat(
                "地质灾害危险性评估报告",
                KEPT,
                1,
                REQUIRED,
                "Q3=是",
                "结论为适宜建设或采取防治措施后适宜建设",
                SRC_THIRD,
            ),
        ),
    ),
    # ------------------------------------------------------------------------ 公安
    DemoItem(
        code="370999-GA-001",
        name="居住证申领",
        kind=PUBLIC_SERVICE,
        dept=GA,
        service_type=PROMISED,
        # 《居住证暂行条例》第九条: 15日, natural days (not 工作日)
        statutory_days=15,
        statutory_unit="自然日",
        promised_days=10,
        promised_unit="自然日",
        version="2026.2",
        fee_standard="首次申领免收工本费",
        legal_basis="《居住证暂行条例》第二条、第九条、第十条",
        conditions=(
            "公民离开常住户口所在地，到本县居住半年以上，符合有合法稳定就业、合法稳定住所、"
            "连续就读条件之一的，可以申领居住证；未满16周岁的未成年人和行动不便的老年人、"
            "残疾人等，可以由其监护人、近亲属代为申领。"
        ),
        procedure=(
            "1.受理：窗口人员核对身份、采集相片，材料齐全的出具受理凭证；"
            "2.审核：居住地公安派出所核实居住、就业或就读情况；"
            "3.决定：县公安局签发居住证，不符合条件的书面告知理由；"
            "4.办结：申请人凭受理凭证到窗口领取居住证。"
        ),
        questions=(
            q("Q1", "申领条件", "合法稳定住所;合法稳定就业;连续就读"),
            agent_question("Q2", "是否由监护人或近亲属代为申领"),
        ),
        materials=(
            form("居住证申领登记表", "信息填写完整，申请人或代办人签字"),
            id_card("本人居民身份证，在有效期内；未满16周岁的可提供居民户口簿"),
            photo_1inch("窗口现场采集相片的免于提交；自备的为白底、近6个月内拍摄"),
            Mat(
                "居住地住址证明",
                COPY,
                1,
                REQUIRED,
                "",
                "房屋租赁合同、不动产权证书或单位、学校出具的住宿证明，地址在本县",
                SRC_SELF,
            ),
            Mat(
                "就业证明",
                COPY,
                1,
                REQUIRED,
                "申领条件=合法稳定就业",
                "劳动合同、用人单位出具的就业证明或本人营业执照",
                SRC_EMPLOYER,
            ),
            Mat(
                "就读证明",
                KEPT,
                1,
                REQUIRED,
                "申领条件=连续就读",
                "就读学校出具并加盖公章，载明学籍和在读时间",
                SRC_SCHOOL,
            ),
            agent_id("Q2=是"),
        ),
    ),
    DemoItem(
        code="370999-GA-002",
        name="居住证换领、补领",
        kind=PUBLIC_SERVICE,
        dept=GA,
        service_type=PROMISED,
        statutory_days=15,
        promised_days=10,
        fee=True,
        fee_standard="换领、补领每证收取工本费20元（首次申领免费）",
        legal_basis="《居住证暂行条例》第十条、第十一条",
        conditions=(
            "居住证有效期满、损坏难以辨认或者丢失的，居住证持有人应当到居住地公安派出所或者"
            "受公安机关委托的社区服务机构办理换领、补领手续；换领新证时应当交回原证。"
        ),
        procedure=(
            "1.受理：窗口人员核对身份、查询原证信息，收取工本费并出具受理凭证；"
            "2.审核：公安派出所核实原证状态和居住情况；"
            "3.决定：县公安局签发新证，原证作废；"
            "4.办结：申请人凭受理凭证到窗口领取居住证。"
        ),
        questions=(q("Q1", "办理类型", "换领;补领"),),
        materials=(
            form("居住证换领补领登记表", "信息填写完整，申请人签字"),
            id_card(),
            Mat(
                "原居住证",
                KEPT,
                1,
                REQUIRED,
                "办理类型=换领",
                "有效期满或损坏难以辨认的原证，换领时交回",
                SRC_POLICE,
            ),
            photo_1inch("窗口现场采集相片的免于提交；自备的为白底、近6个月内拍摄"),
            Mat(
                "居住地住址证明",
                COPY,
                1,
                OPTIONAL,
                "",
                "居住地址发生变化的提供新住址证明，地址在本县",
                SRC_SELF,
            ),
        ),
    ),
    # ------------------------------------------------------------------ 退役军人
    DemoItem(
        code="370999-TY-001",
        name="退役军人优待证申领",
        kind=PUBLIC_SERVICE,
        dept=TY,
        service_type=PROMISED,
        statutory_days=30,
        promised_days=20,
        legal_basis=(
            "《中华人民共和国退役军人保障法》；《退役军人、其他优抚对象优待证管理办法（试行）》"
        ),
        conditions=(
            "本县户籍的退役军人和烈士遗属、因公牺牲军人遗属、病故军人遗属，已完成信息采集的，"
            "可以申领优待证；按规定不予发放的情形除外。"
        ),
        procedure=(
            "1.受理：窗口人员核对身份和信息采集情况，采集或核验证件照片；"
            "2.审核：县退役军人事务局审核申领资格；"
            "3.制证：审核通过的信息报送制证，不符合条件的书面告知理由；"
            "4.办结：优待证制成后通知申请人到窗口领取并激活。"
        ),
        questions=(
            q(
                "Q1",
                "申领对象类别",
                "退役军人;烈士遗属;因公牺牲军人遗属;病故军人遗属",
            ),
            agent_question("Q2"),
        ),
        materials=(
            form("退役军人优待证申领登记表", "信息填写完整，申请人签字"),
            id_card(),
            Mat(
                "退出现役证明材料",
                SHOWN,
                1,
                REQUIRED,
                "申领对象类别=退役军人",
                "退伍证、转业证、复员证或退出现役证明等，信息与申请人一致",
                SRC_GOV,
            ),
            Mat(
                "军人遗属身份证明",
                SHOWN,
                1,
                REQUIRED,
                "申领对象类别=烈士遗属|因公牺牲军人遗属|病故军人遗属",
                "《烈士证明书》《军人因公牺牲证明书》或《军人病故证明书》及亲属关系证明",
                SRC_GOV,
            ),
            Mat(
                "近期免冠彩色证件照（电子版）",
                ELECTRONIC,
                1,
                REQUIRED,
                "",
                "白底，近6个月内拍摄，JPG格式，可在窗口现场拍摄",
                SRC_SELF,
            ),
            agent_id("Q2=是"),
            power_of_attorney("Q2=是"),
        ),
    ),
    # ------------------------------------------------ items of the demo bundles (一件事)
    DemoItem(
        code="370999-SJ-003",
        name="食品经营许可（餐饮服务）",
        kind=LICENSING,
        dept=SJ,
        service_type=PROMISED,
        statutory_days=20,
        promised_days=10,
        legal_basis=("《中华人民共和国食品安全法》第三十五条；《食品经营许可和备案管理办法》"),
        conditions=(
            "从事餐饮服务的，应当依法取得食品经营许可；具有与经营的食品品种、数量相适应的"
            "经营场所和设备设施，有专职或者兼职的食品安全管理人员和保证食品安全的规章制度。"
        ),
        procedure=(
            "1.受理：窗口人员核对申请材料，材料齐全的予以受理；"
            "2.审查：对申请材料进行审查，需要现场核查的组织现场核查；"
            "3.决定：符合条件的作出准予许可决定并核发《食品经营许可证》；不符合的书面说明理由；"
            "4.办结：许可证可窗口领取或邮寄送达。"
        ),
        questions=(
            q("Q1", "经营主体类型", "个体工商户;企业"),
            agent_question("Q2", "是否委托代理人办理"),
        ),
        materials=(
            form("食品经营许可申请书", "经营者或法定代表人签字，经营项目填写规范"),
            Mat(
                "营业执照",
                COPY,
                1,
                DEFERRABLE,
                "",
                "联办时可在营业执照核发后补交；复印件注明“与原件一致”并签字",
                SRC_MARKET,
                code=CODE_LICENCE,
            ),
            Mat(
                "居民身份证",
                SHOWN,
                1,
                REQUIRED,
                "",
                "经营者或法定代表人居民身份证，在有效期内",
                SRC_POLICE,
                code=CODE_ID_CARD,
            ),
            Mat(
                "经营场所使用证明",
                COPY,
                1,
                REQUIRED,
                "",
                "自有房屋提供不动产权证书；租赁的提供租赁协议及出租方产权证明",
                SRC_SELF,
                code=CODE_PREMISES,
            ),
            Mat(
                "经营场所平面布局图和设备设施布局、操作流程说明",
                KEPT,
                1,
                REQUIRED,
                "",
                "标明加工操作区域、设备设施位置，与实际经营场所一致",
                SRC_SELF,
            ),
            form("食品安全管理制度文本", "包括进货查验、从业人员健康管理、清洗消毒等制度"),
            Mat(
                "从业人员健康证明",
                COPY,
                1,
                DEFERRABLE,
                "",
                "直接接触入口食品的从业人员均须取得，在有效期内",
                SRC_HOSPITAL,
            ),
            agent_id("是否委托代理人办理=是"),
            power_of_attorney("是否委托代理人办理=是"),
        ),
    ),
    DemoItem(
        code="370999-ZH-001",
        name="户外招牌设置审批",
        kind=LICENSING,
        dept=ZH,
        service_type=PROMISED,
        statutory_days=20,
        promised_days=5,
        legal_basis="《城市市容和环境卫生管理条例》第十一条；《示范县户外广告和招牌设置管理办法》",
        conditions=(
            "在城市建筑物、设施上设置招牌的，应当符合户外招牌设置规划和技术规范，"
            "结构安全、与建筑立面协调，一个门店原则上设置一块招牌。"
        ),
        procedure=(
            "1.受理：窗口人员核对申请材料；"
            "2.审查：审查设置位置、规格和安全要求，必要时现场勘验；"
            "3.决定：符合条件的准予设置，不符合的书面说明理由；"
            "4.办结：申请人按批准的规格设置，设置后接受检查。"
        ),
        questions=(agent_question("Q1", "是否委托代理人办理"),),
        materials=(
            form("户外招牌设置申请表", "申请人签字或盖章，设置位置、尺寸填写完整"),
            Mat(
                "营业执照",
                COPY,
                1,
                DEFERRABLE,
                "",
                "联办时可在营业执照核发后补交",
                SRC_MARKET,
                code=CODE_LICENCE,
            ),
            Mat(
                "居民身份证",
                SHOWN,
                1,
                REQUIRED,
                "",
                "经营者或法定代表人居民身份证，在有效期内",
                SRC_POLICE,
                code=CODE_ID_CARD,
            ),
            Mat(
                "经营场所使用证明",
                COPY,
                1,
                REQUIRED,
                "",
                "招牌设置所在建筑的产权证明或租赁协议",
                SRC_SELF,
                code=CODE_PREMISES,
            ),
            Mat(
                "招牌设计效果图",
                KEPT,
                1,
                REQUIRED,
                "",
                "彩色实景效果图，标明尺寸、材质、色彩和设置位置",
                SRC_SELF,
            ),
            form("招牌安全管理责任承诺书", "设置人签字，承诺定期检查维护"),
            agent_id("是否委托代理人办理=是"),
            power_of_attorney("是否委托代理人办理=是"),
        ),
    ),
    DemoItem(
        code="370999-GA-003",
        name="出生登记（新生儿入户）",
        kind=CONFIRMATION,
        dept=GA,
        service_type=ON_THE_SPOT,
        statutory_days=1,
        promised_days=0,
        legal_basis="《中华人民共和国户口登记条例》第七条",
        conditions=(
            "婴儿出生后一个月以内，由户主、亲属、抚养人或者邻居向婴儿常住地户口登记机关申报"
            "出生登记；新生儿可随父或随母落户。"
        ),
        procedure=(
            "1.受理：窗口人员核对出生医学证明和父母身份；"
            "2.审查：核实落户方户籍信息；"
            "3.决定：符合条件的当场办理出生登记；"
            "4.办结：在居民户口簿上增加新生儿户口页。"
        ),
        questions=(
            q("Q1", "随父或随母落户", "随母;随父"),
            agent_question("Q2"),
        ),
        materials=(
            form("出生登记申请表", "申报人如实填写并签字"),
            Mat(
                "出生医学证明",
                SHOWN,
                1,
                REQUIRED,
                "",
                "新生儿姓名、出生日期、父母信息完整清晰",
                SRC_HOSPITAL,
                code=CODE_BIRTH,
            ),
            Mat(
                "居民身份证",
                SHOWN,
                1,
                REQUIRED,
                "",
                "父母双方居民身份证，在有效期内",
                SRC_POLICE,
                code=CODE_ID_CARD,
            ),
            Mat(
                "居民户口簿",
                SHOWN,
                1,
                REQUIRED,
                "",
                "落户方（随父或随母）的居民户口簿",
                SRC_POLICE,
                code=CODE_HUKOU,
            ),
            Mat(
                "结婚证",
                SHOWN,
                1,
                REQUIRED,
                "",
                "父母双方结婚证，信息与居民身份证一致",
                SRC_CIVIL,
                code=CODE_MARRIAGE,
            ),
            agent_id("Q2=是"),
        ),
    ),
    DemoItem(
        code="370999-SJ-004",
        name="有限责任公司设立登记",
        kind=LICENSING,
        dept=SJ,
        service_type=PROMISED,
        statutory_days=3,
        promised_days=1,
        legal_basis="《中华人民共和国公司法》；《中华人民共和国市场主体登记管理条例》第十六条、第十九条",
        conditions=(
            "申请人应当具备公司法规定的设立条件：股东符合法定人数，有符合公司章程规定的"
            "出资，有公司名称和住所，有符合要求的组织机构。"
        ),
        procedure=(
            "1.受理：窗口人员核对申请材料和股东、法定代表人身份；"
            "2.审查：对申请材料进行形式审查；"
            "3.决定：材料齐全、符合法定形式的予以登记，核发营业执照（同步发放电子营业执照）；"
            "4.办结：登记信息通过国家企业信用信息公示系统公示。"
        ),
        questions=(
            q("Q1", "股东类型", "自然人股东;含法人股东"),
            agent_question("Q2", "是否委托代理人办理"),
        ),
        materials=(
            form("公司登记（备案）申请书", "法定代表人签字，股东、董事、监事等信息填写完整"),
            form("公司章程", "全体股东签字（法人股东盖章），内容符合公司法规定"),
            Mat(
                "法定代表人居民身份证",
                SHOWN,
                1,
                REQUIRED,
                "",
                "在有效期内，与申请书所载法定代表人一致",
                SRC_POLICE,
                code=CODE_LEGAL_REP_ID,
            ),
            Mat(
                "股东主体资格证明",
                COPY,
                1,
                REQUIRED,
                "",
                "自然人股东提供身份证件复印件；法人股东提供营业执照复印件并加盖公章",
                SRC_SELF,
            ),
            Mat(
                "住所使用证明",
                COPY,
                1,
                REQUIRED,
                "",
                "自有房屋提供不动产权证书；租赁的提供租赁协议及出租方产权证明",
                SRC_SELF,
                code=CODE_PREMISES,
            ),
            Mat(
                "法人股东决议或决定",
                KEPT,
                1,
                REQUIRED,
                "股东类型=含法人股东",
                "法人股东依其章程作出的同意投资的决议或决定",
                SRC_SELF,
            ),
            agent_id("是否委托代理人办理=是"),
            power_of_attorney("是否委托代理人办理=是"),
        ),
    ),
    DemoItem(
        code="370999-GA-004",
        name="公章刻制备案",
        kind=OTHER_POWER,
        dept=GA,
        service_type=ON_THE_SPOT,
        statutory_days=1,
        promised_days=0,
        legal_basis="《国务院对确需保留的行政审批项目设定行政许可的决定》；《印铸刻字业暨印章刻制管理办法》",
        conditions="依法设立的企业刻制公章，由印章刻制单位在刻制后向公安机关备案。",
        procedure=(
            "1.受理：窗口人员核对营业执照和经办人身份；"
            "2.刻制：申请人自主选择印章刻制单位刻制；"
            "3.备案：刻制单位将印模信息报公安机关备案；"
            "4.办结：当场领取印章。"
        ),
        questions=(agent_question("Q1", "是否委托代理人办理"),),
        materials=(
            form("印章刻制备案申请表", "企业盖章或法定代表人签字，印章种类、数量填写完整"),
            Mat(
                "营业执照",
                COPY,
                1,
                DEFERRABLE,
                "",
                "联办时可在营业执照核发后由市场监管部门共享，无需另行提交",
                SRC_MARKET,
                code=CODE_LICENCE,
            ),
            Mat(
                "法定代表人居民身份证",
                SHOWN,
                1,
                REQUIRED,
                "",
                "在有效期内",
                SRC_POLICE,
                code=CODE_LEGAL_REP_ID,
            ),
            agent_id("是否委托代理人办理=是"),
            power_of_attorney("是否委托代理人办理=是"),
        ),
    ),
    DemoItem(
        code="370999-SW-001",
        name="新办纳税人套餐（发票领用）",
        kind=PUBLIC_SERVICE,
        dept=SW,
        service_type=ON_THE_SPOT,
        statutory_days=1,
        promised_days=0,
        legal_basis="《中华人民共和国税收征收管理法》；《中华人民共和国发票管理办法》",
        conditions="新设立登记的纳税人，可一次办理信息确认、税种核定、发票票种核定和领用等事项。",
        procedure=(
            "1.受理：窗口人员核对纳税人信息和经办人身份；"
            "2.确认：确认登记信息、财务会计制度和存款账户；"
            "3.核定：核定票种和领用数量；"
            "4.办结：当场领用发票或开通数字化电子发票。"
        ),
        questions=(
            q("Q1", "发票类型", "数字化电子发票;纸质发票"),
            agent_question("Q2", "是否委托代理人办理"),
        ),
        materials=(
            form("新办纳税人套餐申请表", "纳税人盖章，财务负责人、办税人员信息填写完整"),
            Mat(
                "法定代表人居民身份证",
                SHOWN,
                1,
                REQUIRED,
                "",
                "在有效期内",
                SRC_POLICE,
                code=CODE_LEGAL_REP_ID,
            ),
            Mat(
                "营业执照",
                COPY,
                1,
                DEFERRABLE,
                "",
                "联办时由市场监管部门共享，无需另行提交",
                SRC_MARKET,
                code=CODE_LICENCE,
            ),
            Mat(
                "存款账户证明",
                COPY,
                1,
                DEFERRABLE,
                "",
                "开户许可证或银行出具的账户信息，户名与纳税人名称一致",
                SRC_SELF,
            ),
            Mat(
                "发票专用章印模",
                KEPT,
                1,
                REQUIRED,
                "发票类型=纸质发票",
                "已备案的发票专用章印模",
                SRC_SELF,
            ),
            agent_id("是否委托代理人办理=是"),
            power_of_attorney("是否委托代理人办理=是"),
        ),
    ),
    DemoItem(
        code="370999-RS-005",
        name="单位参加社会保险登记",
        kind=PUBLIC_SERVICE,
        dept=RS,
        service_type=ON_THE_SPOT,
        statutory_days=15,
        promised_days=0,
        legal_basis="《中华人民共和国社会保险法》第五十七条；《社会保险登记管理暂行办法》",
        conditions="用人单位应当自成立之日起三十日内办理社会保险登记。",
        procedure=(
            "1.受理：窗口人员核对单位登记信息和经办人身份；"
            "2.审查：核实单位信息；"
            "3.决定：当场办理社会保险登记；"
            "4.办结：告知参保缴费的期限和渠道。"
        ),
        questions=(agent_question("Q1", "是否委托代理人办理"),),
        materials=(
            form("社会保险登记表", "单位盖章，信息与营业执照一致"),
            Mat(
                "营业执照",
                COPY,
                1,
                DEFERRABLE,
                "",
                "联办时由市场监管部门共享，无需另行提交",
                SRC_MARKET,
                code=CODE_LICENCE,
            ),
            Mat(
                "法定代表人居民身份证",
                SHOWN,
                1,
                REQUIRED,
                "",
                "在有效期内",
                SRC_POLICE,
                code=CODE_LEGAL_REP_ID,
            ),
            agent_id("是否委托代理人办理=是"),
            power_of_attorney("是否委托代理人办理=是"),
        ),
    ),
)


# ------------------------------------------------------------- bundles (一件事)


@dataclass(frozen=True)
class DemoBundle:
    code: str
    name: str
    description: str
    items: tuple[tuple[str, int], ...]  # (item code, stage)
    questions: tuple[Question, ...]
    # (shared question code, item code, item question code or text, option pairs)
    mappings: tuple[tuple[str, str, str, str], ...]
    version: str = VERSION


BUNDLES: tuple[DemoBundle, ...] = (
    DemoBundle(
        code="YJS-001",
        name="我要开饭店",
        description=(
            "个体工商户设立登记后，食品经营许可和户外招牌设置并联审批；"
            "身份证件和经营场所证明只交一次"
        ),
        items=(("370999-SJ-001", 1), ("370999-SJ-003", 2), ("370999-ZH-001", 2)),
        questions=(
            q("S1", "经营者组成形式", "个人经营;家庭经营"),
            q("S2", "是否委托代理人办理", "否;是"),
        ),
        mappings=(
            ("S1", "370999-SJ-001", "Q1", ""),
            ("S1", "370999-SJ-003", "Q1", "个人经营=个体工商户;家庭经营=个体工商户"),
            ("S2", "370999-SJ-001", "Q2", ""),
            ("S2", "370999-SJ-003", "Q2", ""),
            ("S2", "370999-ZH-001", "Q1", ""),
        ),
    ),
    DemoBundle(
        code="YJS-002",
        name="新生儿出生一件事",
        description="生育登记、出生登记（入户）并联办理，随后办理新生儿城乡居民医保参保",
        items=(("370999-WJ-001", 1), ("370999-GA-003", 1), ("370999-YB-001", 2)),
        questions=(
            q("S1", "户籍类型", "本地户籍;外地户籍"),
            q("S2", "是否委托代办", "否;是"),
        ),
        mappings=(
            ("S1", "370999-WJ-001", "Q1", ""),
            ("S1", "370999-YB-001", "Q3", ""),
            ("S1", "370999-YB-001", "Q1", "本地户籍=新生儿;外地户籍=新生儿"),
            ("S2", "370999-WJ-001", "Q2", ""),
            ("S2", "370999-GA-003", "Q2", ""),
            ("S2", "370999-YB-001", "Q2", ""),
        ),
    ),
    DemoBundle(
        code="YJS-003",
        name="困难群众救助一件事",
        description="最低生活保障、医疗救助和临时救助一次申请，家庭经济状况一次核对",
        items=(("370999-MZ-001", 1), ("370999-YB-002", 1), ("370999-MZ-003", 1)),
        questions=(),
        mappings=(),
    ),
    DemoBundle(
        code="YJS-004",
        name="企业开办一件事",
        description=(
            "公司设立登记后，公章刻制备案、新办纳税人套餐和单位社保登记并联办理；"
            "法定代表人身份证件只核验一次，营业执照由市场监管部门共享"
        ),
        items=(
            ("370999-SJ-004", 1),
            ("370999-GA-004", 2),
            ("370999-SW-001", 2),
            ("370999-RS-005", 2),
        ),
        questions=(q("S1", "是否委托代理人办理", "否;是"),),
        mappings=(
            ("S1", "370999-SJ-004", "Q2", ""),
            ("S1", "370999-GA-004", "Q1", ""),
            ("S1", "370999-SW-001", "Q2", ""),
            ("S1", "370999-RS-005", "Q1", ""),
        ),
    ),
)


def check_bundles(bundles: tuple[DemoBundle, ...], items: tuple[DemoItem, ...]) -> list[str]:
    problems: list[str] = []
    by_code = {item.code: item for item in items}
    for bundle in bundles:
        for code, _ in bundle.items:
            if code not in by_code:
                problems.append(f"{bundle.code}: unknown item {code}")
        for shared, code, ref, _ in bundle.mappings:
            item = by_code.get(code)
            if item is None or not any(ref in (x.code, x.text) for x in item.questions):
                problems.append(f"{bundle.code}: {code} has no question {ref!r}")
            if not any(x.code == shared for x in bundle.questions):
                problems.append(f"{bundle.code}: unknown shared question {shared}")
    return problems


# ----------------------------------------------------------------------- checks


def parse_conditions(text: str) -> list[tuple[str, list[str]]]:
    """`问题=选项|选项;问题=选项` -> [(question, [options])]; empty text -> []."""
    result = []
    for part in filter(None, (p.strip() for p in text.split(";"))):
        question, _, options = part.partition("=")
        result.append((question.strip(), [o.strip() for o in options.split("|")]))
    return result


def check(items: tuple[DemoItem, ...]) -> list[str]:
    """Everything a catalogue loader will insist on; returns the problems found."""
    problems: list[str] = []
    codes = [item.code for item in items]
    for code in sorted({c for c in codes if codes.count(c) > 1}):
        problems.append(f"duplicate item code {code}")
    for item in items:
        where = item.code
        if not 0 <= item.promised_days <= item.statutory_days:
            problems.append(f"{where}: promised days must be within statutory days")
        if item.service_type == ON_THE_SPOT and item.promised_days != 0:
            problems.append(f"{where}: 即办件 must promise 0 days")
        if not 3 <= len(item.materials) <= 10:
            problems.append(f"{where}: {len(item.materials)} materials, expected 3..10")
        qcodes = [qq.code for qq in item.questions]
        qtexts = [qq.text for qq in item.questions]
        if len(set(qcodes)) != len(qcodes) or len(set(qtexts)) != len(qtexts):
            problems.append(f"{where}: duplicate question code or text")
        for qq in item.questions:
            if len(qq.options) < 2 or len(set(qq.options)) != len(qq.options):
                problems.append(f"{where}: question {qq.code} needs distinct options")
        names = [m.name for m in item.materials]
        if len(set(names)) != len(names):
            problems.append(f"{where}: duplicate material name")
        by_ref = {qq.code: qq for qq in item.questions} | {qq.text: qq for qq in item.questions}
        for m in item.materials:
            if m.copies < 1:
                problems.append(f"{where}: {m.name}: copies must be positive")
            for question, options in parse_conditions(m.when):
                found = by_ref.get(question)
                if found is None:
                    problems.append(f"{where}: {m.name}: unknown question {question!r}")
                    continue
                for option in options:
                    if option not in found.options:
                        problems.append(f"{where}: {m.name}: {question} has no {option!r}")
    return problems


# ---------------------------------------------------------------------- workbook

ITEM_COLUMNS = (
    ("事项编码", 16),
    ("事项名称", 30),
    ("事项类型", 10),
    ("实施主体", 26),
    ("办件类型", 10),
    ("法定时限", 10),
    ("法定时限单位", 8),
    ("承诺时限", 10),
    ("承诺时限单位", 8),
    ("是否收费", 10),
    ("收费标准", 24),
    ("设定依据", 50),
    ("受理条件", 60),
    ("办理流程", 70),
    ("办理地点", 36),
    ("咨询电话", 15),
    ("版本", 8),
    ("复议机关", 18),
    ("管辖法院", 18),
    ("送达方式", 24),
)
QUESTION_COLUMNS = (("事项编码", 16), ("情形编码", 10), ("问题", 30), ("选项", 50))
MATERIAL_COLUMNS = (
    ("事项编码", 16),
    ("序号", 6),
    ("材料名称", 36),
    ("材料形式", 10),
    ("份数", 6),
    ("必要性", 8),
    ("适用情形", 36),
    ("受理标准", 50),
    ("来源渠道", 22),
    ("空白表格", 30),
    ("示例样表", 34),
    ("材料编码", 10),
)
BUNDLE_SHEETS = (
    ("一件事", (("一件事编码", 12), ("一件事名称", 24), ("版本", 8), ("说明", 60))),
    ("一件事事项", (("一件事编码", 12), ("事项编码", 16), ("阶段", 6))),
    ("一件事情形", (("一件事编码", 12), ("情形编码", 10), ("问题", 30), ("选项", 50))),
    (
        "一件事情形对应",
        (("一件事编码", 12), ("情形编码", 10), ("事项编码", 16), ("事项情形", 20),
         ("选项对应", 50)),
    ),
)  # fmt: skip
WRAPPED = {"设定依据", "受理条件", "办理流程", "办理地点", "收费标准", "受理标准", "选项"}


def item_row(item: DemoItem) -> list[object]:
    department, phone = item.dept
    return [
        item.code,
        item.name,
        item.kind,
        department,
        item.service_type,
        item.statutory_days,
        item.statutory_unit,
        item.promised_days,
        item.promised_unit,
        "是" if item.fee else "否",
        item.fee_standard,
        item.legal_basis,
        item.conditions,
        item.procedure,
        item.place,
        phone,
        item.version,
        item.review_body,
        item.court,
        "当场领取" if item.service_type == ON_THE_SPOT else "窗口领取；可申请邮寄送达",
    ]


def add_sheet(
    wb: Workbook, title: str, columns: tuple[tuple[str, int], ...], rows: list[list[object]]
) -> None:
    ws = wb.create_sheet(title)
    ws.append([name for name, _ in columns])
    for row in rows:
        ws.append(row)
    bold = Font(bold=True)
    top = Alignment(vertical="top")
    wrap = Alignment(vertical="top", wrap_text=True)
    for index, (name, width) in enumerate(columns, start=1):
        letter = get_column_letter(index)
        ws.column_dimensions[letter].width = width
        ws.cell(row=1, column=index).font = bold
        for cell in ws[letter][1:]:
            cell.alignment = wrap if name in WRAPPED else top
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions


def build(items: tuple[DemoItem, ...], path: Path) -> None:
    wb = Workbook()
    wb.remove(wb.active)
    add_sheet(wb, "事项", ITEM_COLUMNS, [item_row(item) for item in items])
    add_sheet(
        wb,
        "情形",
        QUESTION_COLUMNS,
        [
            [item.code, qq.code, qq.text, ";".join(qq.options)]
            for item in items
            for qq in item.questions
        ],
    )
    add_sheet(
        wb,
        "材料",
        MATERIAL_COLUMNS,
        [
            [
                item.code,
                seq,
                m.name,
                m.medium,
                m.copies,
                m.necessity,
                m.when,
                m.standard,
                m.source,
                m.blank_form,
                m.sample,
                m.code,
            ]
            for item in items
            for seq, m in enumerate(item.materials, start=1)
        ],
    )
    rows: tuple[list[list[object]], ...] = (
        [[b.code, b.name, b.version, b.description] for b in BUNDLES],
        [[b.code, code, stage] for b in BUNDLES for code, stage in b.items],
        [[b.code, x.code, x.text, ";".join(x.options)] for b in BUNDLES for x in b.questions],
        [[b.code, *mapping] for b in BUNDLES for mapping in b.mappings],
    )
    for (title, columns), sheet_rows in zip(BUNDLE_SHEETS, rows, strict=True):
        add_sheet(wb, title, columns, sheet_rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)


def main(argv: list[str]) -> int:
    default = Path(__file__).resolve().parents[1] / "resources" / "catalog" / "demo-catalog.xlsx"
    path = Path(argv[1]) if len(argv) > 1 else default
    problems = check(ITEMS) + check_bundles(BUNDLES, ITEMS)
    if problems:
        for problem in problems:
            print(f"error: {problem}", file=sys.stderr)
        return 1
    build(ITEMS, path)
    materials = sum(len(item.materials) for item in ITEMS)
    print(f"wrote {path}: {len(ITEMS)} items, {materials} materials, {len(BUNDLES)} bundles")
    # the items' and bundles' pinyin, so a new workstation's first start need not load
    # pypinyin
    readings = path.with_suffix(".readings.json")
    table = readings_table([*(item.name for item in ITEMS), *(b.name for b in BUNDLES)])
    readings.write_text(json.dumps(table, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {readings}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
