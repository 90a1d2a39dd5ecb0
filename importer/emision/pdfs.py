"""The comprobantes' PDF files: named, downloaded while the link is valid, regenerated when missing.

TusFacturas' PDF links are valid only on the day of emission, so each PDF is fetched right after
its comprobante is emitted. A PDF is derived data: a failed download, a crash right after the
emission or a deleted file is repaired on any later run through `facturacion/regenerar_pdf`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from pathlib import Path

from importer.dominio.archivos import os_error_text
from importer.emision import ledger as L
from importer.emision.api import LookupFailed, TusFacturasClient
from importer.emision.pacing import Pacer

logger = logging.getLogger(__name__)


def pdf_name(tipo: str, punto_venta: int, numero: int) -> str:
    """`FACTURA_A_00003-00000125.pdf`: the tipo with only safe characters."""
    safe = re.sub(r"[^A-Za-z0-9]+", "_", tipo).strip("_")
    return f"{safe}_{punto_venta:05d}-{numero:08d}.pdf"


def pdf_ok(path: Path) -> bool:
    """A complete PDF file: written whole by an atomic rename, ending with its %%EOF marker."""
    try:
        with path.open("rb") as handle:
            if handle.read(5) != b"%PDF-":
                return False
            handle.seek(0, 2)
            size = handle.tell()
            handle.seek(max(0, size - 1024))
            return b"%%EOF" in handle.read()
    except OSError:
        return False


class PdfStore:
    def __init__(
        self, client: TusFacturasClient, ledger: L.Ledger, account: str, folder: Path, pacer: Pacer
    ) -> None:
        self.client = client
        self.ledger = ledger
        self.account = account
        self.folder = folder
        self.pacer = pacer

    def path(self, tipo: str, punto_venta: int, numero: int) -> Path:
        return (self.folder / pdf_name(tipo, punto_venta, numero)).resolve()

    def download(self, referencia: str, tipo: str, punto_venta: int, numero: int, url: str) -> bool:
        """Fetch the PDF to its planned path (recorded with the emission); a failure is retried later."""
        try:
            self.client.descargar_pdf(url, self.path(tipo, punto_venta, numero))
        except (LookupFailed, OSError) as exc:
            reason = os_error_text(exc) if isinstance(exc, OSError) else exc  # never the OS's English
            logger.warning("%s: no se pudo descargar el PDF (%s); se reintentará.", referencia, reason)
            return False
        return True

    def ensure(self, referencias: Iterable[str], interrupted: Callable[[], bool]) -> None:
        """Every emitted comprobante of the sheet gets its PDF file (regenerated when missing)."""
        for ref in referencias:
            record = self.ledger.get(self.account, ref)
            if record is None or record.state != L.EMITTED or record.numero is None:
                continue
            if record.pdf_path and pdf_ok(Path(record.pdf_path)):
                continue  # where an earlier run put it (another --pdf-dir or issuer folder)
            local = self.path(record.tipo, record.punto_venta, record.numero)
            if record.pdf_path != str(local):
                self.ledger.update(self.account, ref, pdf_path=str(local))
            if pdf_ok(local):
                continue
            if interrupted():
                return
            try:
                self.pacer.wait()
                url = self.client.regenerar_pdf(record.tipo, record.punto_venta, record.numero)
            except LookupFailed as exc:
                logger.warning("%s: no se pudo regenerar el PDF (%s).", ref, exc)
                continue
            self.download(ref, record.tipo, record.punto_venta, record.numero, url)
