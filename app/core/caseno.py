"""Case numbers (办件编号): unique without a network, readable, Code128-friendly.

Format: ``CENTRE-WS-YYYYMMDD-NNNN``, e.g. ``370982101-A1-20261129-0007``

- CENTRE: the hall's administrative division code, 6 to 12 digits (county 6, township 9);
- WS: the workstation code assigned by the county centre, 2 characters A–Z/0–9,
  unique within the centre (a cloned disk image must be given a new one);
- YYYYMMDD: the acceptance date on the workstation;
- NNNN: that workstation's sequence for that day, from 0001, allocated in the same
  local transaction that saves the case, so a number is never used twice.

Only digits, capitals and '-' are used, all in Code128 set B (and digit runs pack in
set C), at most 29 characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

MAX_SEQUENCE = 9999
_PATTERN = re.compile(r"^(\d{6,12})-([A-Z0-9]{2})-(\d{8})-(\d{4})\Z")
_CENTRE = re.compile(r"^\d{6,12}\Z")
_WORKSTATION = re.compile(r"^[A-Z0-9]{2}\Z")


class CaseNumberError(ValueError):
    pass


@dataclass(frozen=True, slots=True, order=True)
class CaseNumber:
    centre: str
    workstation: str
    day: date
    sequence: int

    def __post_init__(self) -> None:
        if not _CENTRE.match(self.centre):
            raise CaseNumberError(f"中心代码“{self.centre}”应为6至12位数字")
        if not _WORKSTATION.match(self.workstation):
            raise CaseNumberError(f"工作站代码“{self.workstation}”应为2位大写字母或数字")
        if not 1 <= self.sequence <= MAX_SEQUENCE:
            raise CaseNumberError(f"当日流水号应在1至{MAX_SEQUENCE}之间，现在是{self.sequence}")

    def __str__(self) -> str:
        return f"{self.centre}-{self.workstation}-{self.day:%Y%m%d}-{self.sequence:04d}"

    @classmethod
    def parse(cls, text: str) -> CaseNumber:
        match = _PATTERN.match(text.strip().upper())
        if not match:
            raise CaseNumberError(f"“{text}”不是有效的办件编号")
        centre, ws, day, seq = match.groups()
        try:
            parsed_day = date(int(day[:4]), int(day[4:6]), int(day[6:]))
        except ValueError:
            raise CaseNumberError(f"“{text}”中的日期无效") from None
        return cls(centre, ws, parsed_day, int(seq))


def valid_centre(text: str) -> bool:
    """A centre code as case numbers carry it: 6 to 12 digits."""
    return _CENTRE.fullmatch(text) is not None


def valid_workstation(text: str) -> bool:
    """A workstation code as the county assigns it: 2 capitals or digits."""
    return _WORKSTATION.fullmatch(text) is not None


def looks_like_case_number(text: str) -> bool:
    return bool(_PATTERN.match(text.strip().upper()))
