"""Sub-commands ``doc`` and ``print`` of the ``yichuang`` command.

    yichuang doc sample KIND --out FILE      render a demo document (PDF, or ESC/POS bytes)
    yichuang print test --printer NAME       print a test page on a CUPS printer
    yichuang print test --escpos TARGET      print a test ticket on a thermal printer

Handlers return 0 on success, 2 for bad input, 1 when the environment fails (disk,
printer service, device); problems are printed in Chinese on stderr.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from app.core.check import Decision
from printing.model import DocumentError, MissingChar
from printing.outcome import PrintErrorKind, PrintOutcome
from printing.settings import HallSettings

PDF_KINDS = ("receipt", "receipt-80mm", "notice", "promise", "refusal", "guide")
ESCPOS_KINDS = ("ticket", "receipt-escpos")
KINDS = PDF_KINDS + ESCPOS_KINDS

_BAD_INPUT_KINDS = (PrintErrorKind.BAD_INPUT, PrintErrorKind.NO_SUCH_PRINTER)


def add_cli(subparsers: Any) -> None:
    """Register ``doc`` and ``print`` on the program's sub-command parser."""
    doc = subparsers.add_parser("doc", help="文书（生成示例文书）")
    doc_sub = doc.add_subparsers(dest="doc_command", metavar="ACTION", required=True)
    sample = doc_sub.add_parser("sample", help="用示例数据生成文书")
    sample.add_argument(
        "kind",
        metavar="KIND",
        choices=KINDS,
        help="文书类型：" + "、".join(KINDS) + "（ticket、receipt-escpos 生成 ESC/POS 字节）",
    )
    sample.add_argument("--out", required=True, help="输出文件路径")
    sample.add_argument(
        "--paper", choices=("58", "80"), default="80", help="热敏纸宽度（毫米），仅 ESC/POS 文书"
    )
    sample.set_defaults(handler=cmd_doc_sample)

    prt = subparsers.add_parser("print", help="打印（测试打印机）")
    prt_sub = prt.add_subparsers(dest="print_command", metavar="ACTION", required=True)
    test = prt_sub.add_parser("test", help="打印测试页")
    where = test.add_mutually_exclusive_group(required=True)
    where.add_argument("--printer", help="系统打印机名称（CUPS），打印A4测试页")
    where.add_argument(
        "--escpos",
        metavar="TARGET",
        help="热敏打印机地址：tcp://IP:9100、serial:串口[,波特率] 或设备文件",
    )
    test.add_argument("--paper", choices=("58", "80"), default="80", help="热敏纸宽度（毫米）")
    test.add_argument("--copies", type=int, default=1, help="份数（默认1）")
    test.set_defaults(handler=cmd_print_test)


def _err(message: str) -> None:
    print(message, file=sys.stderr)


def _warn_missing(missing: tuple[MissingChar, ...]) -> None:
    for m in missing:
        _err(
            f"注意：字库缺少“{m.char}”（{m.codepoint}），出现于：{'、'.join(m.places)}；已用标记代替"
        )


def _render_sample(
    kind: str, paper: str, hall: HallSettings
) -> tuple[bytes, str, tuple[MissingChar, ...]]:
    """(bytes, description, missing characters) of one demo document."""
    from printing import samples

    if kind in ESCPOS_KINDS:
        from printing import escpos

        profile = escpos.PAPER_58 if paper == "58" else escpos.PAPER_80
        if kind == "ticket":
            ticket = escpos.build_ticket(samples.sample_ticket(), profile)
            return ticket.data, f"排队小票（ESC/POS，{paper}毫米）", ticket.missing
        receipt = escpos.build_receipt_text(samples.sample_case(), hall, profile=profile)
        return receipt.data, f"受理回执（ESC/POS，{paper}毫米）", receipt.missing

    from printing import documents as docs

    renderers: dict[str, Callable[[], docs.RenderResult]] = {
        "receipt": lambda: docs.render_receipt(samples.sample_case(), hall),
        "receipt-80mm": lambda: docs.render_receipt(
            samples.sample_case(Decision.ACCEPT_DEFERRED), hall, roll=True
        ),
        "notice": lambda: docs.render_notice(samples.sample_case(Decision.CORRECTION), hall),
        "promise": lambda: docs.render_promise(samples.sample_case(Decision.ACCEPT_DEFERRED), hall),
        "refusal": lambda: docs.render_refusal(samples.sample_case(Decision.REFUSE), hall),
        "guide": lambda: docs.render_guide(
            samples.sample_item(), hall, printed_at=datetime(2025, 3, 17, 9, 0)
        ),
    }
    result = renderers[kind]()
    for warning in result.warnings:
        _err(f"注意：{warning}")
    return result.pdf, f"{result.kind.value}（PDF，{result.pages}页）", result.missing


def cmd_doc_sample(args: argparse.Namespace) -> int:
    kind: str = args.kind
    if kind not in KINDS:
        _err(f"未知的文书类型：{kind}（可选：{'、'.join(KINDS)}）")
        return 2
    out = Path(args.out)
    if out.is_dir():
        _err(f"输出路径是一个目录：{out}，请给出文件名")
        return 2
    if not out.parent.exists():
        _err(f"输出目录不存在：{out.parent}")
        return 2
    try:
        data, what, missing = _render_sample(kind, args.paper, HallSettings.default())
    except DocumentError as exc:
        _err(f"无法生成文书：{exc}")
        return 2
    except FileNotFoundError as exc:  # the bundled font is missing from the installation
        _err(f"无法生成文书：{exc}")
        return 1
    try:
        out.write_bytes(data)
    except OSError as exc:
        _err(f"无法写入文件 {out}：{exc.strerror or exc}")
        return 1
    _warn_missing(missing)
    print(f"已生成{what}：{out}")
    return 0


def cmd_print_test(args: argparse.Namespace) -> int:
    copies: int = args.copies
    if not 1 <= copies <= 99:
        _err(f"打印份数应为1至99，当前为{copies}")
        return 2
    hall = HallSettings.default()
    if args.escpos:
        outcome = _escpos_test(args.escpos, args.paper, hall, copies)
    else:
        from printing.dispatch import default_dispatcher
        from printing.documents import render_test_page

        dispatcher = default_dispatcher()
        page = render_test_page(hall, args.printer)
        try:
            outcome = dispatcher.print_pdf(
                page.pdf, args.printer, copies=copies, title="一窗通打印测试页"
            )
        except NotImplementedError as exc:
            _err(str(exc))
            return 1
    if not outcome.ok:
        _err(f"打印失败：{outcome.user_text()}")
        if outcome.detail:
            _err(f"（系统信息：{outcome.detail.strip()}）")
        return 2 if outcome.kind in _BAD_INPUT_KINDS else 1
    print(outcome.message)
    return 0


def _escpos_test(target: str, paper: str, hall: HallSettings, copies: int) -> PrintOutcome:
    from printing import escpos
    from printing.escpos_out import send_escpos

    profile = escpos.PAPER_58 if paper == "58" else escpos.PAPER_80
    p = escpos.EscPos(profile).init().align(escpos.Align.CENTER)
    p.bold().line(hall.hall_name, "服务中心名称").bold(False)
    p.size(2, 2).line("打印测试").size(1, 1)
    p.line(datetime.now().strftime("%Y-%m-%d %H:%M:%S"))
    p.align(escpos.Align.LEFT).rule()
    p.line(f"纸宽：{profile.name}，每行{profile.columns}个半角字符")
    p.line("中文：一窗受理 一次告知 限时办结")
    p.line("ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789")
    p.rule("=")
    p.feed(2).cut()
    data = p.finish().data * copies
    return send_escpos(data, target)
