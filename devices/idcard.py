"""The text of a second-generation resident ID card (居民身份证) as its chip gives it:
a 256-byte UTF-16LE block of fixed-width fields, padded with spaces.

| field | bytes | characters | content |
|---|---|---|---|
| name 姓名 | 30 | 15 | |
| sex 性别 | 2 | 1 | GB/T 2261.1: 1 男, 2 女 (0 未知, 9 未说明) |
| ethnicity 民族 | 4 | 2 | GB/T 3304: 01 汉 … 56 基诺, 97 其他, 98 外国血统中国籍人士 |
| birth 出生 | 16 | 8 | YYYYMMDD |
| address 住址 | 70 | 35 | |
| ID number 公民身份号码 | 36 | 18 | |
| issuing office 签发机关 | 30 | 15 | |
| valid from 有效期起 | 16 | 8 | YYYYMMDD |
| valid to 有效期止 | 16 | 8 | YYYYMMDD, or 长期 (long-term) |
| reserved 预留 | 36 | 18 | |

Sources: HslCommunication's SAMSerial.ExtractIdentityCard (the same offsets, in
characters) and a decoded sample block published by 东信 (chinasem.cn/article/392748:
王美娜, sex 2, ethnicity 01, 19860911, …, 20110303–20210303). No Qt, no clock of its own:
the caller gives today's date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.core.identity import check_resident_id

TEXT_BYTES = 256
LONG_TERM = "长期"

# (name, width in UTF-16 code units), in the order of the block
FIELDS: tuple[tuple[str, int], ...] = (
    ("name", 15),
    ("sex", 1),
    ("ethnicity", 2),
    ("birth", 8),
    ("address", 35),
    ("id_number", 18),
    ("issuer", 15),
    ("valid_from", 8),
    ("valid_to", 8),
    ("reserved", 18),
)

SEXES = {"1": "男", "2": "女", "0": "未知", "9": "未说明"}

# GB/T 3304-1991 民族名称的罗马字母拼写法和代码 (names as the card prints them)
ETHNICITIES = {
    "01": "汉", "02": "蒙古", "03": "回", "04": "藏", "05": "维吾尔", "06": "苗", "07": "彝",
    "08": "壮", "09": "布依", "10": "朝鲜", "11": "满", "12": "侗", "13": "瑶", "14": "白",
    "15": "土家", "16": "哈尼", "17": "哈萨克", "18": "傣", "19": "黎", "20": "傈僳", "21": "佤",
    "22": "畲", "23": "高山", "24": "拉祜", "25": "水", "26": "东乡", "27": "纳西", "28": "景颇",
    "29": "柯尔克孜", "30": "土", "31": "达斡尔", "32": "仫佬", "33": "羌", "34": "布朗",
    "35": "撒拉", "36": "毛南", "37": "仡佬", "38": "锡伯", "39": "阿昌", "40": "普米",
    "41": "塔吉克", "42": "怒", "43": "乌孜别克", "44": "俄罗斯", "45": "鄂温克", "46": "德昂",
    "47": "保安", "48": "裕固", "49": "京", "50": "塔塔尔", "51": "独龙", "52": "鄂伦春",
    "53": "赫哲", "54": "门巴", "55": "珞巴", "56": "基诺", "97": "其他", "98": "外国血统中国籍人士",
}  # fmt: skip


class CardTextError(ValueError):
    """The block cannot be a card's text (wrong size, not UTF-16LE)."""


@dataclass(frozen=True)
class IdCard:
    """What the chip says, decoded. Dates are None when the field is not a date
    (valid_to is None for 长期)."""

    name: str
    sex_code: str
    ethnicity_code: str
    birth: date | None
    address: str
    id_number: str
    issuer: str
    valid_from: date | None
    valid_to: date | None
    long_term: bool = False

    @property
    def sex(self) -> str:
        return SEXES.get(self.sex_code, f"代码{self.sex_code}")

    @property
    def ethnicity(self) -> str:
        return ETHNICITIES.get(self.ethnicity_code, f"代码{self.ethnicity_code}")

    @property
    def validity_text(self) -> str:
        start = self.valid_from.strftime("%Y.%m.%d") if self.valid_from else "?"
        if self.long_term:
            return f"{start}-长期"
        return f"{start}-{self.valid_to.strftime('%Y.%m.%d') if self.valid_to else '?'}"

    def expired(self, today: date) -> bool:
        return not self.long_term and self.valid_to is not None and self.valid_to < today


def _date(text: str) -> date | None:
    if len(text) != 8 or not text.isdigit():
        return None
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None


def split_fields(block: bytes) -> dict[str, str]:
    """The raw fields of a text block, trailing spaces (and NULs) stripped."""
    if len(block) != TEXT_BYTES:
        raise CardTextError(f"身份证文字信息应为 {TEXT_BYTES} 字节，收到 {len(block)} 字节")
    out: dict[str, str] = {}
    offset = 0
    for name, width in FIELDS:
        raw = block[offset : offset + 2 * width]
        offset += 2 * width
        try:
            # surrogatepass: a rare character's surrogate pair may be cut by nothing here,
            # but a lone one must not stop the whole card from being read
            text = raw.decode("utf-16-le", errors="surrogatepass")
        except UnicodeDecodeError as exc:  # pragma: no cover - utf-16 of even length
            raise CardTextError(f"{name} 不是 UTF-16LE 文字：{exc}") from exc
        out[name] = text.rstrip(" \x00")
    return out


def decode_text(block: bytes) -> IdCard:
    f = split_fields(block)
    valid_to_text = f["valid_to"]
    long_term = valid_to_text.strip() == LONG_TERM
    return IdCard(
        name=f["name"].strip(),
        sex_code=f["sex"],
        ethnicity_code=f["ethnicity"],
        birth=_date(f["birth"]),
        address=f["address"].strip(),
        id_number=f["id_number"].strip().upper(),
        issuer=f["issuer"].strip(),
        valid_from=_date(f["valid_from"]),
        valid_to=None if long_term else _date(valid_to_text),
        long_term=long_term,
    )


def encode_text(card: IdCard) -> bytes:
    """The block a card with these fields holds (the simulator's cards)."""
    values = {
        "name": card.name,
        "sex": card.sex_code,
        "ethnicity": card.ethnicity_code,
        "birth": card.birth.strftime("%Y%m%d") if card.birth else "",
        "address": card.address,
        "id_number": card.id_number,
        "issuer": card.issuer,
        "valid_from": card.valid_from.strftime("%Y%m%d") if card.valid_from else "",
        "valid_to": LONG_TERM
        if card.long_term
        else (card.valid_to.strftime("%Y%m%d") if card.valid_to else ""),
        "reserved": "",
    }
    out = bytearray()
    for name, width in FIELDS:
        raw = values[name].encode("utf-16-le")
        if len(raw) > 2 * width:
            raise CardTextError(f"{name}“{values[name]}”超过 {width} 个字符宽")
        out += raw + " ".encode("utf-16-le") * (width - len(raw) // 2)
    return bytes(out)


def card_problems(card: IdCard, today: date) -> tuple[str, ...]:
    """What the clerk should know before using the card's data: a number that fails
    its check, a birth date or sex that disagrees with the number, an expired card, a
    name with characters from the private-use area (some rare characters are stored
    that way and show as blanks: type them by hand)."""
    problems: list[str] = []
    check = check_resident_id(card.id_number, today)
    if not check.ok:
        problems.append(f"证件号码有误：{check.message}")
    else:
        if card.birth != check.birth_date:
            problems.append("卡内出生日期与证件号码不符")
        if card.sex not in ("未知", "未说明") and card.sex != check.sex:
            problems.append("卡内性别与证件号码不符")
    if card.ethnicity_code not in ETHNICITIES:
        problems.append(f"民族代码“{card.ethnicity_code}”无法识别")
    if card.expired(today):
        assert card.valid_to is not None
        problems.append(f"证件已于 {card.valid_to.isoformat()} 过期")
    elif not card.long_term and card.valid_to is None:
        problems.append("卡内有效期无法识别")
    if any(0xE000 <= ord(ch) <= 0xF8FF for ch in card.name):
        problems.append("姓名含私用区编码的生僻字，请核对证件手工录入")
    return tuple(problems)


@dataclass(frozen=True)
class IdCardRead:
    """A card read on a reader (the event the application listens for).

    problems: card_problems() at the time of reading; expired: past its validity (the
    clerk decides what to do: the card's data is given all the same)."""

    device: str
    card: IdCard
    problems: tuple[str, ...] = ()
    expired: bool = False


@dataclass(frozen=True)
class IdCardFailed:
    """A card was found but could not be read (moved away, not a real card…)."""

    device: str
    message: str


IdReaderEvent = IdCardRead | IdCardFailed
