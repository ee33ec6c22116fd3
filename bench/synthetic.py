"""Synthetic catalogues of realistic shape for benchmarks (deterministic)."""

from __future__ import annotations

import random

from app.core.items import (
    Condition,
    Item,
    ItemKind,
    Material,
    Medium,
    Necessity,
    Question,
    ServiceType,
)

SUBJECTS = (
    "城乡居民", "个体工商户", "残疾人", "退役军人", "农村", "企业职工", "高龄老人", "低收入家庭",
    "流动人口", "独生子女", "建设工程", "食品经营", "道路运输", "药品零售", "林木采伐", "渔业捕捞",
    "特种设备", "公共场所", "民办学校", "养老机构", "宗教活动场所", "户外广告", "排水", "燃气",
)  # fmt: skip
OBJECTS = (
    "基本养老保险", "医疗保险", "最低生活保障", "临时救助", "生育", "就业失业", "居住证", "宅基地",
    "营业执照", "卫生许可", "从业资格", "经营许可", "补贴", "津贴", "优待证", "证明", "备案", "年检",
)  # fmt: skip
ACTIONS = (
    "申请", "登记", "变更登记", "注销登记", "申领", "补领", "换领", "认定", "审核", "核准", "备案",
    "延续", "待遇领取", "关系转移",
)  # fmt: skip
MATERIAL_NAMES = (
    "居民身份证", "居民户口簿", "申请表", "授权委托书", "代办人居民身份证", "营业执照", "收入证明",
    "房屋产权证明", "医学证明", "近期免冠照片", "银行卡", "结婚证", "出生医学证明", "承诺书",
    "场地使用证明", "章程", "法定代表人身份证明", "经营场所平面图", "检验报告", "其他证明材料",
)  # fmt: skip


def synthetic_items(count: int, materials: int = 10, seed: int = 7) -> list[Item]:
    rnd = random.Random(seed)
    q1 = Question("Q1", "申请人类型", ("个人", "企业"))
    q2 = Question("Q2", "是否委托代办", ("否", "是"))
    items = []
    for n in range(count):
        name = rnd.choice(SUBJECTS) + rnd.choice(OBJECTS) + rnd.choice(ACTIONS)
        mats = []
        for seq in range(1, materials + 1):
            conditions: tuple[Condition, ...] = ()
            if seq % 4 == 0:
                conditions = (Condition("Q2", frozenset({"是"})),)
            elif seq % 5 == 0:
                conditions = (Condition("Q1", frozenset({"企业"})),)
            mats.append(
                Material(
                    seq=seq,
                    name=MATERIAL_NAMES[(n + seq) % len(MATERIAL_NAMES)]
                    + ("" if seq < 20 else str(seq)),
                    medium=rnd.choice(list(Medium)),
                    copies=rnd.randint(1, 3),
                    necessity=rnd.choice(list(Necessity)),
                    conditions=conditions,
                    standard="真实有效，与申请人信息一致，复印件清晰",
                    source="申请人自备",
                )
            )
        promised = rnd.choice((0, 3, 5, 10, 15, 20))
        items.append(
            Item(
                code=f"SYN-{n:05d}",
                name=f"{name}{n}",
                kind=rnd.choice(list(ItemKind)),
                department="示范县某局",
                service_type=ServiceType.ON_THE_SPOT if promised == 0 else ServiceType.PROMISED,
                statutory_days=max(promised, 20),
                promised_days=promised,
                version="1",
                legal_basis="《某某条例》第十条",
                conditions="符合条件的申请人",
                procedure="受理、审查、决定",
                place="便民服务中心",
                phone="0538-1230100",
                questions=(q1, q2),
                materials=tuple(mats),
            )
        )
    return items
