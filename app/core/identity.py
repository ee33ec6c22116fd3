"""Identity numbers: 18-digit resident ID (居民身份证号码, GB 11643) and the
统一社会信用代码 (GB 32100). Check digits come from python-stdnum; the checks are
staged here so each way a number can be wrong gets its own Chinese message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from app.core.clock import clock_from_env

# First two digits of a resident ID: province-level division (GB/T 2260).
_PROVINCES = {
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
    "65", "71", "81", "82", "83",
}  # fmt: skip

_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_FULLWIDTH = str.maketrans(
    "０１２３４５６７８９ＸｘＡＢＣＤＥＦＧＨＪＫＬＭＮＰＱＲＴＵＷＹ",
    "0123456789XXABCDEFGHJKLMNPQRTUWY",
)


@dataclass(frozen=True, slots=True)
class IdCheck:
    number: str  # normalised: no spaces, upper case, half-width
    problems: tuple[str, ...] = field(default=())
    birth_date: date | None = None
    sex: str = ""  # 男 / 女

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def message(self) -> str:
        return "；".join(self.problems)


def normalise(number: str) -> str:
    return "".join(str(number).translate(_FULLWIDTH).split()).replace("-", "").upper()


def check_resident_id(number: str, today: date | None = None) -> IdCheck:
    """Check an 18-digit resident ID number, listing every problem found."""
    n = normalise(number)
    if not n:
        return IdCheck(n, ("请输入身份证号码",))
    if len(n) != 18:
        extra = "（15位旧号码请换领后使用18位号码）" if len(n) == 15 else ""
        return IdCheck(n, (f"身份证号码应为18位，现在是{len(n)}位{extra}",))
    if not n[:17].isdigit() or not (n[17].isdigit() or n[17] == "X"):
        return IdCheck(n, ("身份证号码前17位应为数字，最后一位为数字或X",))
    problems: list[str] = []
    if n[:2] not in _PROVINCES:
        problems.append(f"前两位“{n[:2]}”不是有效的省级行政区代码")
    birth: date | None
    try:
        birth = date(int(n[6:10]), int(n[10:12]), int(n[12:14]))
    except ValueError:
        birth = None
        problems.append(f"第7–14位出生日期“{n[6:14]}”不是有效日期")
    if birth is not None:
        if birth > (today or clock_from_env().today()):  # callers pass the context's clock
            problems.append(f"出生日期{birth.isoformat()}晚于今天")
        elif birth.year < 1900:
            problems.append(f"出生日期{birth.isoformat()}早于1900年")
    from stdnum.cn import ric  # 15 ms to import: not at start-up

    if ric.calc_check_digit(n) != n[17]:
        problems.append("校验位不符，号码中可能有数字录错，请逐位核对证件")
    sex = "男" if int(n[16]) % 2 else "女"
    return IdCheck(n, tuple(problems), birth if not problems else None, sex if not problems else "")


def check_credit_code(code: str) -> IdCheck:
    """Check a 统一社会信用代码 (18 characters, check character last)."""
    c = normalise(code)
    if not c:
        return IdCheck(c, ("请输入统一社会信用代码",))
    if len(c) != 18:
        return IdCheck(c, (f"统一社会信用代码应为18位，现在是{len(c)}位",))
    bad = sorted({ch for ch in c if ch not in _USCC_ALPHABET})
    if bad:
        return IdCheck(
            c,
            (f"含有不允许的字符“{''.join(bad)}”（代码中不使用I、O、Z、S、V）",),
        )
    problems: list[str] = []
    if not c[2:8].isdigit():
        problems.append(f"第3–8位行政区划码“{c[2:8]}”应为数字")
    from stdnum.cn import uscc

    if uscc.calc_check_digit(c) != c[17]:
        problems.append("校验位不符，代码中可能有字符录错，请核对营业执照")
    return IdCheck(c, tuple(problems))
