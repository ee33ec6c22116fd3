"""The rules of the per-hall settings: every value the installer or a manager types is
checked here, and a wrong one says what is expected."""

from __future__ import annotations

import pytest

from app.core import settings_rules as rules
from app.core.caseno import valid_centre, valid_workstation
from app.core.settings_rules import RuleError


def refused(call: object, *args: object, **kwargs: object) -> str:
    with pytest.raises(RuleError) as info:
        call(*args, **kwargs)  # type: ignore[operator]
    return str(info.value)


def test_centre_codes_are_6_to_12_digits() -> None:
    assert rules.centre_code(" 370999101 ") == "370999101"
    assert rules.centre_code("370999") == "370999"
    assert rules.centre_code("123456789012") == "123456789012"
    for bad in ("37099", "1234567890123", "37099a101", "", "370 999"):
        assert refused(rules.centre_code, bad) == f"应为6至12位数字，现在是“{bad}”"
    assert valid_centre("370999") and not valid_centre("370999\n")
    assert not valid_centre("x370999")


def test_workstation_codes_are_two_capitals_or_digits_upper_cased() -> None:
    assert rules.workstation("a1") == "A1"
    assert rules.workstation(" 07 ") == "07"
    assert rules.workstation("ZZ") == "ZZ"
    for bad in ("A", "A12", "A-", "中1", ""):
        message = refused(rules.workstation, bad)
        assert message == f"应为县中心分配的2位大写字母或数字（如 A1），现在是“{bad}”"
    assert valid_workstation("B2") and not valid_workstation("B2\n")
    assert not valid_workstation("b2")


def test_text_is_one_trimmed_line_within_its_length() -> None:
    assert rules.text("  大厅  ", 2) == "大厅"
    assert refused(rules.text, "大厅名", 2) == "最多2个字，现在有3个字"
    assert refused(rules.text, "   ", 5) == "不能为空"
    assert rules.text("", 5, required=False) == ""
    assert rules.text("  ", 5, required=False) == ""
    for bad in ("一\n二", "一\r二", "一\t二"):
        assert refused(rules.text, bad, 5) == "应为一行文字，不能含换行或制表符"
    assert rules.text("一 二", 5) == "一 二"


def test_court_is_a_court() -> None:
    assert rules.court(" 示范县人民法院 ") == "示范县人民法院"
    message = refused(rules.court, "示范县人民政府")
    assert message == "应为法院的全称，以“法院”结尾（如 示范县人民法院），现在是“示范县人民政府”"
    assert refused(rules.court, "") == "不能为空"
    assert refused(rules.court, "法" * 39 + "法院") == "最多40个字，现在有41个字"
    assert rules.court("法" * 38 + "法院") == "法" * 38 + "法院"


@pytest.mark.parametrize(
    "good",
    ["12345", "0538-1230100", "400-123-4567", "13800138000", "(0538) 1230100",
     "+86 538 1230100", "0538-1230100、12345", "0538-1230100，12345", "1234567890123456",
     "0538-1230100/12345", "12345;12346", "12345；12346", "12345,12346"],
)  # fmt: skip
def test_plausible_phones(good: str) -> None:
    assert rules.phones(f" {good} ") == good


@pytest.mark.parametrize(
    ("bad", "part"),
    [("1234", "1234"), ("12345678901234567", "12345678901234567"), ("0538-123010a", "0538-123010a"),
     ("电话12345", "电话12345"), ("12345、", ""), ("12345、abc", "abc"), ("++12345", "++12345")],
)  # fmt: skip
def test_implausible_phones(bad: str, part: str) -> None:
    assert refused(rules.phones, bad) == (
        f"“{part}”不像电话号码：应为5至16位数字，可含区号连字符（如 0538-1230100、12345），"
        "多个号码用“、”分开"
    )


def test_empty_phone() -> None:
    assert refused(rules.phones, "  ") == "不能为空"


def test_window_numbers() -> None:
    assert rules.window_no(" 3 ") == "3"
    assert rules.window_no("A12b") == "A12b"
    for bad in ("", "12345", "3号", "3 4"):
        assert refused(rules.window_no, bad) == f"应为1至4位数字或字母（如 3），现在是“{bad}”"


def test_integer_ranges_include_their_ends() -> None:
    assert rules.integer(5, 5, 10) == 5
    assert rules.integer(10, 5, 10) == 10
    assert refused(rules.integer, 4, 5, 10, "秒") == "应在5至10秒之间，现在是4秒"
    assert refused(rules.integer, 11, 5, 10) == "应在5至10之间，现在是11"


def test_choice() -> None:
    assert rules.choice(" prefer ", rules.SSL_MODES) == "prefer"
    assert rules.SSL_MODES == ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
    message = refused(rules.choice, "strict", ("a", "b"))
    assert message == "只能是 a / b 之一，现在是“strict”"


def test_receipt_format_is_a4_or_80mm_in_its_spelling() -> None:
    assert rules.receipt_format("a4") == "A4"
    assert rules.receipt_format(" 80MM ") == "80mm"
    assert rules.receipt_format("80mm") == "80mm"
    assert refused(rules.receipt_format, "58mm") == (
        "只能是 A4（A4纸）或 80mm（热敏卷纸），现在是“58mm”"
    )


def test_qr_template_needs_the_case_number() -> None:
    assert rules.qr_template("  ") == ""
    assert (
        rules.qr_template(" https://x.gov.cn/q?no={case_no} ") == "https://x.gov.cn/q?no={case_no}"
    )
    assert rules.qr_template("{item_code}/{case_no}") == "{item_code}/{case_no}"
    assert refused(rules.qr_template, "https://x.gov.cn/q") == (
        "须含 {case_no}（办件编号），如 https://zwfw.example.gov.cn/q?no={case_no}"
    )
    assert refused(rules.qr_template, "{item_code}").startswith("须含 {case_no}")
    assert refused(rules.qr_template, "{case_no}{name}") == (
        "含未知占位符 {name}，只能使用 {case_no}、{item_code}"
    )
    assert refused(rules.qr_template, "q?no={case_no") == (
        "花括号不成对：q?no={case_no（占位符写作 {case_no}）"
    )
    assert rules.QR_FIELDS == ("case_no", "item_code")


def test_central_url_takes_no_password() -> None:
    assert rules.central_url("") == ""
    url = "postgresql://yc_370999101@10.1.2.3/yichuang"
    assert rules.central_url(f" {url} ") == url
    assert rules.central_url("postgresql+psycopg://yc@db.county:5433/yc") == (
        "postgresql+psycopg://yc@db.county:5433/yc"
    )
    assert rules.central_url("postgres://yc@h/d") == "postgres://yc@h/d"
    message = refused(rules.central_url, "postgresql://yc:secret@10.1.2.3/yichuang")
    assert message == (
        "不能含密码（密码只存入本机钥匙串或密码文件）。请去掉地址中的“:密码”，"
        "再运行 yichuang sync set-up 输入密码"
    )
    assert refused(rules.central_url, "postgresql://yc:@h/d").startswith("不能含密码")


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("mysql://yc@h/d", "应以 postgresql:// 开头，如 postgresql://yc_370999101@10.1.2.3/yichuang"),
        ("10.1.2.3/yichuang", "应以 postgresql:// 开头，如 postgresql://yc_370999101@10.1.2.3/yichuang"),
        ("postgresql://10.1.2.3/yichuang",
         "须含本中心的同步账号（@ 前），如 postgresql://yc_370999101@10.1.2.3/yichuang"),
        ("postgresql://yc@/yichuang",
         "须含县中心数据库服务器的地址，如 postgresql://yc_370999101@10.1.2.3/yichuang"),
        ("postgresql://yc@h:99999/d", "端口应为1至65535的数字"),
        ("postgresql://yc@h:x/d", "端口应为1至65535的数字"),
        ("postgresql://yc@h:0/d", "端口应为1至65535的数字"),
        ("postgresql://yc@h", "须含数据库名（/ 后），如 postgresql://yc_370999101@10.1.2.3/yichuang"),
        ("postgresql://yc@h/", "须含数据库名（/ 后），如 postgresql://yc_370999101@10.1.2.3/yichuang"),
    ],
)  # fmt: skip
def test_central_url_shapes(bad: str, message: str) -> None:
    assert refused(rules.central_url, bad) == message


def test_central_url_ports_at_the_ends() -> None:
    assert rules.central_url("postgresql://yc@h:1/d") == "postgresql://yc@h:1/d"
    assert rules.central_url("postgresql://yc@h:65535/d") == "postgresql://yc@h:65535/d"


def test_queue_url() -> None:
    assert rules.queue_url(" ") == ""
    for good in ("sqlite:////srv/queue.sqlite3", "postgresql://q@h/queue",
                 "postgresql+psycopg://q@h/queue", "postgres://q@h/q",
                 "postgresql://q@h/q?options=a://b"):  # fmt: skip
        assert rules.queue_url(f" {good} ") == good
    for bad in ("queue.sqlite3", "mysql://q@h/q", "sqlite:/x"):
        assert refused(rules.queue_url, bad) == (
            "应为 sqlite:///文件路径 或 postgresql://账号@服务器/数据库；留空使用数据目录中的 queue.sqlite3"
        )


def test_absolute_paths() -> None:
    assert rules.absolute_path("") == ""
    assert rules.absolute_path(" /etc/yichuang/central.pass ") == "/etc/yichuang/central.pass"
    assert rules.absolute_path(r"C:\YiChuang\central.pass") == r"C:\YiChuang\central.pass"
    assert refused(rules.absolute_path, "central.pass") == (
        "应为完整路径（如 /etc/yichuang/central.pass），现在是“central.pass”"
    )


KINDS = ("受理通知书", "一次性告知书")


def test_printers_map_known_documents_to_names() -> None:
    assert rules.printers({}, KINDS) == {}
    assert rules.printers({"受理通知书": " HP_LaserJet ", "*": "Office"}, KINDS) == {
        "受理通知书": "HP_LaserJet",
        "*": "Office",
    }
    assert rules.printers({"一次性告知书": "HP LaserJet 1020"}, KINDS) == {
        "一次性告知书": "HP LaserJet 1020"
    }
    assert refused(rules.printers, {"发票": "HP"}, KINDS) == (
        "未知的文书“发票”，可选：受理通知书、一次性告知书、*（默认）"
    )
    assert refused(rules.printers, {"*": ""}, KINDS) == "打印机名称不能为空"
    assert refused(rules.printers, {"*": "  "}, KINDS) == "打印机名称不能为空"
    assert refused(rules.printers, {"*": 3}, KINDS) == "打印机名称不能为空"
    bad_name = "打印机名称“{}”无效：不能含 / # \\ 或控制字符，最多127个字符"
    for bad in ("a/b", "a#b", "a\\b", "a\x01b", "x" * 128):
        assert refused(rules.printers, {"*": bad}, KINDS) == bad_name.format(bad)
    assert rules.printer_name("x" * 127) == "x" * 127
    assert rules.printer_name("a b") == "a b"
    assert rules.printer_name("XP-80") == "XP-80"
    assert rules.DEFAULT_PRINTER == "*"
