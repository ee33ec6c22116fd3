"""Phone numbers at the counter: an 11-digit mobile or a fixed line with its area code."""

from __future__ import annotations

import pytest

from app.core.intake import Applicant, applicant_problems, phone_ok

ID = "11010519491231002X"


@pytest.mark.parametrize(
    "phone",
    [
        "13800138000",
        "19912345678",
        "138 0013 8000",
        "138-0013-8000",
        "+86 13800138000",
        "0531-87654321",
        "053187654321",
        "010-12345678",
        "0538-1234567",
        "(0531)87654321",
        "（0531）87654321",
        "0531-87654321-8021",
        "0531-87654321转8021",
    ],
)
def test_mobiles_and_fixed_lines_are_accepted(phone: str) -> None:
    assert phone_ok(phone), phone
    assert "phone" not in applicant_problems(Applicant(name="张三", id_no=ID, phone=phone))


@pytest.mark.parametrize(
    "phone",
    [
        "1381234567",  # 10 digits: one short (the case)
        "138123456789",  # 12 digits
        "12812345678",  # no mobile network starts 12
        "87654321",  # a local number without its area code
        "0531-0765432",  # a local number never starts with 0
        "531-87654321",  # an area code starts with 0
        "0531-876543210",  # 9 local digits
        "0531-87654321-",
        "138001380000x",
    ],
)
def test_other_numbers_are_refused_with_a_message(phone: str) -> None:
    assert not phone_ok(phone), phone
    problems = applicant_problems(Applicant(name="张三", id_no=ID, phone=phone))
    assert "手机号" in problems["phone"] and "区号" in problems["phone"]


def test_an_agents_phone_is_checked_too() -> None:
    a = Applicant(
        name="张三", id_no=ID, agent_name="李四", agent_id_no=ID, agent_phone="1381234567"
    )
    assert "agent_phone" in applicant_problems(a)
