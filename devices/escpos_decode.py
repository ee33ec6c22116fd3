"""ESC/POS bytes back to paper: what a thermal ticket printer would print, decoded
from the bytes the program sent (text runs with their styles, barcodes, QR codes and
cuts). No Qt: the simulator window draws what this returns, and tests read it."""

from __future__ import annotations

from dataclasses import dataclass, field

ESC, GS, FS, DLE = 0x1B, 0x1D, 0x1C, 0x10
LF, HT = 0x0A, 0x09

# Argument bytes of the fixed-length commands; the variable ones are measured below.
_ESC_ARGS = {
    **dict.fromkeys(b"@2imS<", 0),
    **dict.fromkeys(b"aEG!dJ-3MtRV{ Ure=T%?", 1),
    **dict.fromkeys(b"$\\c", 2),
    ord("p"): 3,
    ord("W"): 8,
}
_GS_ARGS = {
    ord(":"): 0,
    **dict.fromkeys(b"!hwHfBaIrb/", 1),
    **dict.fromkeys(b"LWP$\\", 2),
    ord("^"): 3,
}
_FS_ARGS = {**dict.fromkeys(b"&.", 0), **dict.fromkeys(b"!-WC", 1), **dict.fromkeys(b"Sp", 2)}
_DLE_LENGTHS = {0x04: 3, 0x05: 3, 0x14: 5}  # DLE EOT n, DLE ENQ n, DLE DC4 fn m t
_MAX_COMMAND = 1 << 20  # a "length" beyond this is garbage, not an image


@dataclass(frozen=True)
class Run:
    """Text printed in one style."""

    text: str
    bold: bool = False
    width: int = 1
    height: int = 1


@dataclass(frozen=True)
class PaperLine:
    """One printed line; no runs: a blank line `height` characters high."""

    runs: tuple[Run, ...] = ()
    align: int = 0  # 0 left, 1 centre, 2 right (ESC a)
    height: int = 1

    @property
    def text(self) -> str:
        return "".join(run.text for run in self.runs)


@dataclass(frozen=True)
class PaperMark:
    """Something that is not a text line: a cut, a barcode, a QR code, an image."""

    kind: str  # "cut", "barcode", "qr", "image"
    data: str = ""


PaperItem = PaperLine | PaperMark


@dataclass
class _Pending:
    runs: list[tuple[bytearray, bool, int, int]] = field(default_factory=list)
    align: int | None = None


class PaperRollDecoder:
    """An ESC/POS stream as a receipt printer would put it on paper, as far as the
    tickets and receipts of `printing.escpos` need: GB18030 text, bold, character
    size, alignment, feeds, Code 128 and QR codes, cuts. Other commands are measured
    and skipped; real-time status queries (DLE EOT) print nothing. Commands split
    across reads are kept until complete."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self._line = _Pending()
        self._qr = ""
        self._reset_modes()

    def _reset_modes(self) -> None:
        self.bold = False
        self.width = 1
        self.height = 1
        self.align = 0

    def feed(self, data: bytes) -> list[PaperItem]:
        self._buf += data
        buf = self._buf
        out: list[PaperItem] = []
        i = 0
        while i < len(buf):
            b = buf[i]
            if b in (ESC, GS, FS, DLE):
                n = self._command_length(buf, i)
                if n is None:
                    break
                self._command(bytes(buf[i : i + n]), out)
                i += n
            elif b == LF:
                self._end_line(out)
                i += 1
            elif b == HT:
                self._text(b"    ")
                i += 1
            elif b < 0x20 or b == 0x7F:
                i += 1
            elif 0x81 <= b <= 0xFE:  # a GB18030 lead byte: two or four bytes
                if i + 1 >= len(buf):
                    break
                size = 4 if 0x30 <= buf[i + 1] <= 0x39 else 2
                if i + size > len(buf):
                    break
                self._text(bytes(buf[i : i + size]))
                i += size
            else:
                self._text(bytes([b]))
                i += 1
        del buf[:i]
        return out

    @staticmethod
    def _command_length(buf: bytearray, i: int) -> int | None:
        """Bytes in the command at i, or None until all of it has arrived."""
        avail = len(buf) - i
        if avail < 2:
            return None
        lead, cmd = buf[i], buf[i + 1]

        def arg(k: int) -> int | None:
            return buf[i + k] if avail > k else None

        n: int | None
        if lead == DLE:
            n = _DLE_LENGTHS.get(cmd, 1)
        elif lead == FS:
            n = 2 + _FS_ARGS.get(cmd, 0)
        elif lead == ESC and cmd == ord("*"):  # bit image: ESC * m nL nH data
            if avail < 5:
                return None
            dots = buf[i + 3] | buf[i + 4] << 8
            n = 5 + dots * (3 if buf[i + 2] in (32, 33) else 1)
        elif lead == ESC and cmd == ord("D"):  # tab stops, NUL-terminated
            end = buf.find(0, i + 2)
            n = None if end < 0 else end - i + 1
        elif lead == ESC:
            n = 2 + _ESC_ARGS.get(cmd, 0)
        elif cmd == ord("V"):  # GS V m [n]
            m = arg(2)
            n = None if m is None else 3 if m in (0, 1, 48, 49) else 4
        elif cmd == ord("k"):  # GS k m d… NUL, or GS k m n d1…dn
            m = arg(2)
            if m is None:
                return None
            if m <= 6:
                end = buf.find(0, i + 3)
                n = None if end < 0 else end - i + 1
            else:
                count = arg(3)
                n = None if count is None else 4 + count
        elif cmd == ord("("):  # GS ( fn pL pH …
            if avail < 5:
                return None
            n = 5 + (buf[i + 3] | buf[i + 4] << 8)
        elif cmd == ord("v"):  # GS v 0 m xL xH yL yH data
            if avail < 8:
                return None
            n = 8 + (buf[i + 4] | buf[i + 5] << 8) * (buf[i + 6] | buf[i + 7] << 8)
        elif cmd == ord("8"):  # GS 8 L p1 p2 p3 p4 …
            if avail < 7:
                return None
            n = 7 + int.from_bytes(buf[i + 3 : i + 7], "little")
        else:
            n = 2 + _GS_ARGS.get(cmd, 0)
        if n is None:
            return None
        if n > _MAX_COMMAND:
            return 2  # not a real command: skip its first two bytes
        return n if avail >= n else None

    def _command(self, c: bytes, out: list[PaperItem]) -> None:
        lead, cmd, args = c[0], chr(c[1]), c[2:]
        if lead == ESC:
            if cmd == "@":
                self._flush(out)
                self._reset_modes()
            elif cmd == "a":
                self.align = min(args[0] - 48 if args[0] >= 48 else args[0], 2)
            elif cmd in "EG":
                self.bold = bool(args[0] & 1)
            elif cmd == "!":
                self.bold = bool(args[0] & 0x08)
                self.height = 2 if args[0] & 0x10 else 1
                self.width = 2 if args[0] & 0x20 else 1
            elif cmd == "d":
                self._feed(args[0], out)
            elif cmd == "J":
                self._flush(out)
            elif cmd in "im":
                self._flush(out)
                out.append(PaperMark("cut"))
        elif lead == GS:
            if cmd == "!":
                self.width = (args[0] >> 4) + 1
                self.height = (args[0] & 0x0F) + 1
            elif cmd == "V":
                self._flush(out)
                out.append(PaperMark("cut"))
            elif cmd == "k":
                self._flush(out)
                out.append(PaperMark("barcode", _barcode_text(args)))
            elif cmd == "(" and len(c) >= 7 and c[2] == ord("k") and c[5] == 49:
                if c[6] == 80:  # store the QR data
                    self._qr = c[8:].decode("gb18030", "replace")
                elif c[6] == 81:  # print it
                    self._flush(out)
                    out.append(PaperMark("qr", self._qr))
            elif cmd in "v8":
                self._flush(out)
                out.append(PaperMark("image"))

    def _text(self, data: bytes) -> None:
        line = self._line
        if line.align is None:
            line.align = self.align  # ESC a acts at the start of a line
        style = (self.bold, self.width, self.height)
        if line.runs and line.runs[-1][1:] == style:
            line.runs[-1][0].extend(data)
        else:
            line.runs.append((bytearray(data), *style))

    def _end_line(self, out: list[PaperItem]) -> None:
        line = self._line
        runs = tuple(
            Run(bytes(raw).decode("gb18030", "replace"), bold, width, height)
            for raw, bold, width, height in line.runs
        )
        height = max((r.height for r in runs), default=self.height)
        out.append(PaperLine(runs, self.align if line.align is None else line.align, height))
        self._line = _Pending()

    def _flush(self, out: list[PaperItem]) -> None:
        """Print what waits in the line buffer (as a real printer does before a cut)."""
        if self._line.runs:
            self._end_line(out)

    def _feed(self, lines: int, out: list[PaperItem]) -> None:
        """ESC d n: print the buffer and feed n lines (the printed line is the first)."""
        if self._line.runs:
            self._end_line(out)
            lines -= 1
        for _ in range(max(lines, 0)):
            self._end_line(out)


def _barcode_text(args: bytes) -> str:
    """The human-readable text of GS k: Code 128's {A/{B/{C code-set switches undone."""
    m = args[0]
    data = args[2 : 2 + args[1]] if m > 6 else args[1:].rstrip(b"\0")
    if m != 73:
        return data.decode("ascii", "replace")
    out: list[str] = []
    code_c = False
    i = 0
    while i < len(data):
        if data[i] == ord("{") and i + 1 < len(data):
            shift = chr(data[i + 1])
            if shift in "ABC":
                code_c = shift == "C"
                i += 2
                continue
            if shift == "{":
                out.append("{")
                i += 2
                continue
        out.append(f"{data[i]:02d}" if code_c else chr(data[i]))
        i += 1
    return "".join(out)
