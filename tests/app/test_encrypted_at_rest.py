"""Issue 23 item 1: a stolen disk gives nothing away. After a case is saved with a
known name and ID number, the store file, its WAL, the kept documents, a backup and
the queue store hold neither in clear (the raw bytes are searched); the program
itself still reads them all (the case, the documents, the backup restored)."""

from __future__ import annotations

import io
import os
from datetime import datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from app.context import AppContext
from app.core.check import Decision
from app.services.counter import CounterService
from app.services.documents import DocumentService, seal_old_documents, sealed_name
from db import cipher
from tests.factories import demo_intake

NAME = "欧阳秀英"
ID_NO = "11010519491231002X"
SECRETS = [s.encode(enc) for s in (NAME, ID_NO, "13800138000") for enc in ("utf-8", "utf-16-le")]


def _leaks(folder: Path) -> list[str]:
    found = []
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            found += [f"{path.name}: {s!r}" for s in SECRETS if s in data]
    return found


def _pdf_text(pdf: bytes) -> str:
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)


def test_store_wal_documents_and_backup_hold_no_name_or_id_in_clear(app_context: AppContext) -> None:
    from db.backup import backup, restore
    from db.case_query import case_detail

    ctx = app_context
    service = CounterService(ctx.store, ctx.calendar, ctx.centre, ctx.workstation, ctx.clock)
    intake = demo_intake(ctx.store, Decision.CORRECTION, missing=2, name=NAME)
    case_no = service.save_intake(intake, now=datetime(2026, 3, 2, 9, 30)).case_no  # type: ignore[arg-type]
    docs = DocumentService(ctx.store, ctx.settings, ctx.data_dir)
    (report,) = docs.produce(case_no, who="wangfang", send=False)
    db_file = ctx.data_dir / "yichuang.sqlite3"
    wal = Path(f"{db_file}-wal")
    assert wal.stat().st_size > 0  # the case is (also) in the WAL while the store is open
    made = backup(db_file, datetime(2026, 3, 2, 10, 0), kind="manual")
    assert _leaks(ctx.data_dir) == []
    assert b"%PDF" not in report.file.read_bytes()  # PDF text is not plain UTF-8: no PDF at all
    # the search finds what is there: a plain copy of the store shows the name
    plain = ctx.data_dir.parent / "plain-copy.sqlite3"
    with cipher.open_file(db_file) as c:
        c.execute("ATTACH DATABASE ? AS plain KEY ''", (str(plain),))
        c.execute("SELECT sqlcipher_export('plain')")
        c.execute("DETACH DATABASE plain")
    assert _leaks(plain.parent) and cipher.is_plain(plain)
    plain.unlink()
    assert NAME in _pdf_text(docs.kept(report.file))  # the program still reads it
    with ctx.store.session() as s:
        detail = case_detail(s, case_no)
        assert detail is not None and detail.applicant is not None
        assert (detail.applicant.name, detail.applicant.id_no) == (NAME, ID_NO)
    preview = docs.preview(case_no)[0]
    assert not preview.is_relative_to(ctx.data_dir)  # the clear preview is elsewhere
    assert NAME in _pdf_text(preview.read_bytes())
    ctx.close()
    assert _leaks(ctx.data_dir) == []  # after the checkpoint at close too
    assert not cipher.is_plain(made) and not cipher.is_plain(db_file)
    # the encrypted backup restores
    from alembic.script import ScriptDirectory

    from db.store import alembic_config

    known = {r.revision for r in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
    restore(made, db_file, datetime(2026, 3, 2, 11, 0), known_revisions=known, allow_unsent_loss=True)
    from tests.rawdb import raw

    with raw(db_file) as c:
        assert c.execute("SELECT name FROM applicant").fetchall() == [(NAME,)]
    assert _leaks(ctx.data_dir) == []


def test_the_plain_documents_of_an_older_version_are_sealed(tmp_path: Path) -> None:
    from printing.documents import render_test_page

    folder = tmp_path / "documents"
    (folder / "A-1").mkdir(parents=True)
    from printing.settings import HallSettings

    pdf = render_test_page(HallSettings("示范县", "政务服务中心", "", ""), "测试打印机").pdf
    assert pdf.startswith(b"%PDF")
    (folder / "A-1" / "受理通知书.pdf").write_bytes(pdf)
    (folder / "A-1" / "预览-受理通知书.pdf").write_bytes(pdf)
    assert seal_old_documents(folder) == 1
    assert sorted(p.name for p in (folder / "A-1").iterdir()) == ["受理通知书.pdf.enc"]
    sealed = folder / "A-1" / "受理通知书.pdf.enc"
    assert b"%PDF" not in sealed.read_bytes()
    assert cipher.read_sealed(sealed, sealed_name(folder, sealed)) == pdf
    assert seal_old_documents(folder) == 0  # once
    # bound to its place: moved to another case it does not open
    other = folder / "B-2" / "受理通知书.pdf.enc"
    other.parent.mkdir()
    os.replace(sealed, other)
    with pytest.raises(cipher.StoreKeyError, match="无法用本机保管的密钥解开"):
        cipher.read_sealed(other, sealed_name(folder, other))


def test_a_plain_backup_of_an_older_version_is_restored_encrypted(tmp_path: Path) -> None:
    import shutil

    from alembic.script import ScriptDirectory

    from db.backup import restore
    from db.store import alembic_config, current_revision, head_revision, open_store
    from tests.rawdb import raw

    old = Path(__file__).resolve().parents[1] / "data" / "upgrade" / "yichuang-0005.sqlite3"
    backups = tmp_path / "data" / "backups"
    backups.mkdir(parents=True)
    plain = backups / "manual-20260301-120000.sqlite3"
    shutil.copyfile(old, plain)
    assert cipher.is_plain(plain)
    db_file = tmp_path / "data" / "yichuang.sqlite3"
    known = {r.revision for r in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
    restore(plain, db_file, datetime(2026, 3, 2, 11, 0), known_revisions=known, current_lost=True)
    assert not cipher.is_plain(db_file)
    assert "张三".encode() not in db_file.read_bytes()
    with raw(db_file) as c:
        assert ("张三",) in c.execute("SELECT name FROM applicant").fetchall()
    store = open_store(f"sqlite:///{db_file}")  # and the program opens and migrates it
    try:
        assert current_revision(store.engine) == head_revision()
    finally:
        store.close()
