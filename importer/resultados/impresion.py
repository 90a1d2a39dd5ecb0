"""How each sheet prints: orientation, one page wide, header row repeated, a footer that says where.

Every sheet fits one page wide (as many pages long as it takes), repeats its header row on each page
and carries a footer with the issuer (left), «Página X de N» (centre) and the period of its
comprobantes (right); in the sandbox the page header says it has no fiscal validity (`estilos`).
Public openpyxl only (page setup attributes of the sheet), so both writers share it.
"""

from __future__ import annotations

from openpyxl.worksheet.properties import PageSetupProperties

from importer.dominio.texto import plain_xml_text
from importer.resultados.celdas import Sheet
from importer.resultados.emisores import cuit_con_guiones
from importer.resultados.modelo import Outcome, RunInfo

PAGE_FOOTER = "Página &P de &N"  # Excel's codes for the page number and the page count
_PART = 80  # characters per part of a footer: Excel takes 255 for the whole of it


def _escaped(text: str) -> str:
    """Text for a page header or footer: what XML cannot carry replaced (a file name may hold
    anything), and `&`, which starts a code there, doubled."""
    return plain_xml_text(text)[:_PART].replace("&", "&&")


def emisor_text(out: Outcome, info: RunInfo) -> str:
    """The issuer the workbook is about: its CUIT and account, or the planilla when unknown."""
    cuits = {
        e.emisor_cuit: e.cuenta for e in (out.emisiones or {}).values() if e is not None and e.emisor_cuit
    }
    if len(cuits) == 1:
        cuit, cuenta = next(iter(cuits.items()))
        return f"Emisor: CUIT {cuit_con_guiones(cuit)}" + (f" ({cuenta})" if cuenta else "")
    if cuits:
        return f"Emisores: {len(cuits)} CUIT ({info.planilla.name})"
    return f"Planilla: {info.planilla.name}"


def periodo_text(out: Outcome) -> str:
    """The months of the comprobantes' dates: `Período 07/2025`, `Períodos 07/2025 a 08/2025`."""
    fechas = [cb.comprobante.fecha for cb in out.por_ref.values() if cb.comprobante.fecha is not None]
    if not fechas:
        return ""
    first, last = f"{min(fechas):%m/%Y}", f"{max(fechas):%m/%Y}"
    return f"Período {first}" if first == last else f"Períodos {first} a {last}"


def print_setup(
    ws: Sheet, out: Outcome, info: RunInfo, *, landscape: bool, area: str = "", title_rows: str = "1:1"
) -> None:
    """Set how `ws` prints; call before its first row is written (write-only sheets)."""
    sheet = ws.worksheet
    setup = sheet.page_setup
    setup.orientation = "landscape" if landscape else "portrait"
    setup.paperSize = 9  # A4
    setup.fitToWidth = 1
    setup.fitToHeight = 0  # as many pages long as it takes
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    margins = sheet.page_margins
    margins.left = margins.right = 0.4
    margins.top = margins.bottom = 0.6
    margins.header = margins.footer = 0.25
    if title_rows:
        sheet.print_title_rows = title_rows
    if area:
        sheet.print_area = area
    footer = sheet.oddFooter
    footer.left.text = _escaped(emisor_text(out, info))
    footer.left.size = footer.center.size = footer.right.size = 8
    footer.center.text = PAGE_FOOTER
    footer.right.text = _escaped(periodo_text(out))
    if not info.sandbox:  # the sandbox keeps its banner there (`estilos.layout`)
        sheet.oddHeader.center.text = "&A"  # the sheet's name
        sheet.oddHeader.center.size = 8
