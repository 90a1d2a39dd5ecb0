"""The blank Excel template (`tf-import template`), derived entirely from the column spec.

Sheet `Comprobantes` carries the columns with notes, formats and drop-downs; `Instrucciones`
explains them with worked examples; the hidden `Listas` sheet feeds the drop-downs. The file is
written deterministically (fixed timestamps inside and outside the zip) so that regenerating the
committed `templates/comprobantes.xlsx` changes no byte unless the spec changed.
"""

from __future__ import annotations

import datetime
import io
import os
import tempfile
import zipfile
from collections.abc import Callable, Mapping
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from importer.dominio import catalogs
from importer.dominio.amounts import compute_totals, round_cents
from importer.dominio.archivos import make_folder, os_error_text
from importer.dominio.catalogs import Catalog
from importer.dominio.formato import pesos
from importer.dominio.problems import PlanillaError
from importer.dominio.texto import has_invalid_xml, xml_clean
from importer.planilla.columnas_tributos import TRIBUTOS_BY_NAME, TRIBUTOS_COLUMNS, TRIBUTOS_SHEET
from importer.planilla.columns import BY_NAME, COLUMNS, ColumnSpec
from importer.planilla.template_ejemplos import (
    EXAMPLE_COLUMNS,
    EXAMPLES,
    EXAMPLES_TRIBUTOS,
    FCE_INSTRUCTIONS,
    TRIBUTOS_INSTRUCTIONS,
)

DATA_SHEET = "Comprobantes"
INSTRUCTIONS_SHEET = "Instrucciones"
LISTS_SHEET = "Listas"
LAST_VALIDATED_ROW = 5000
AUTHOR = "tf-import"
# Fixed document timestamps: the template's bytes depend only on the column spec.
FIXED_TIMESTAMP = datetime.datetime(2026, 1, 1, 0, 0, 0)
_ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)

_HEADER_FONT = Font(bold=True, color="FFFFFF")
_REQUIRED_FILL = PatternFill("solid", fgColor="1F4E78")
_OPTIONAL_FILL = PatternFill("solid", fgColor="5B9BD5")
_TITLE_FONT = Font(bold=True, size=14)
_SECTION_FONT = Font(bold=True, size=12, color="1F4E78")
_BOLD = Font(bold=True)


def write_template(path: Path) -> None:
    """Write the blank template to `path` (atomically: a crash never leaves half a file)."""
    save_workbook(build_template(), Path(path))


def build_template() -> Workbook:
    """The template as an openpyxl workbook (the example month fills it before saving)."""
    wb = Workbook()
    ws = wb.active
    ws.title = DATA_SHEET
    tributos = wb.create_sheet(TRIBUTOS_SHEET)
    instructions = wb.create_sheet(INSTRUCTIONS_SHEET)
    lists = wb.create_sheet(LISTS_SHEET)
    lists.sheet_state = "hidden"
    list_names = _write_lists(wb, lists)
    _write_data_sheet(ws, list_names, COLUMNS)
    _write_data_sheet(tributos, list_names, TRIBUTOS_COLUMNS)
    _write_instructions(instructions)
    wb.properties.creator = AUTHOR
    wb.properties.lastModifiedBy = AUTHOR
    wb.properties.title = "Comprobantes para tf-import"
    return wb


def save_workbook(wb: Workbook, path: Path) -> None:
    """Save with fixed timestamps, via a temporary file in the same folder and `os.replace`."""
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise PlanillaError(f"{path.name}: el archivo de salida debe tener extensión .xlsx.")
    wb.properties.created = FIXED_TIMESTAMP
    wb.properties.modified = FIXED_TIMESTAMP
    _clean_text(wb)
    buffer = io.BytesIO()
    # ExcelWriter instead of wb.save(): save() stamps the current time into docProps/core.xml.
    ExcelWriter(wb, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True)).save()
    content = _with_fixed_zip_times(buffer.getvalue())
    try:
        if path.parent.exists():
            make_folder(path.parent)  # a file where the folder should be says so
        fd, temp_name = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        reason = "la carpeta no existe" if not path.parent.exists() else os_error_text(exc)
        raise PlanillaError(f"{path.name}: no se puede escribir en {path.parent} ({reason}).") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp_name, 0o666 & ~_umask())  # mkstemp makes it private; a template is not
        os.replace(temp_name, path)
    except OSError as exc:
        Path(temp_name).unlink(missing_ok=True)
        raise PlanillaError(
            f"{path.name}: no se pudo escribir ({os_error_text(exc)}); ¿está abierto en Excel?"
        ) from None


def _clean_text(wb: Workbook) -> None:
    """openpyxl writes U+FFFE, U+FFFF and lone surrogates raw, leaving a file no one can open."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and has_invalid_xml(cell.value):
                    cell.value = xml_clean(cell.value)
                if cell.comment is not None and has_invalid_xml(cell.comment.text):
                    cell.comment.text = xml_clean(cell.comment.text)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _with_fixed_zip_times(content: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIMESTAMP)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            target.writestr(fixed, source.read(info))
    return out.getvalue()


# --- drop-down lists --------------------------------------------------------------------------------


def list_values(catalog: Catalog) -> tuple[str, ...]:
    """What a drop-down offers: `catalog.choices()`, or the plain name where a choice would not
    resolve back to its code (every value offered must be accepted by the reader)."""
    values = []
    for choice, entry in zip(catalog.choices(), catalog.entries, strict=True):
        values.append(choice if catalog.lookup(choice) == entry.code else entry.name)
    return tuple(values)


def _write_lists(wb: Workbook, lists: Worksheet) -> dict[int, str]:
    """One column per catalog on the hidden sheet, each behind a defined name. id(catalog) -> name."""
    names: dict[int, str] = {}
    for spec in (*COLUMNS, *TRIBUTOS_COLUMNS):
        if spec.catalog is None or id(spec.catalog) in names:
            continue
        column = len(names) + 1
        name = f"lista_{spec.name}"
        values = list_values(spec.catalog)
        lists.cell(row=1, column=column, value=name)
        for row, value in enumerate(values, start=2):
            lists.cell(row=row, column=column, value=value).number_format = "@"
        letter = get_column_letter(column)
        ref = f"{quote_sheetname(LISTS_SHEET)}!${letter}$2:${letter}${len(values) + 1}"
        wb.defined_names[name] = DefinedName(name, attr_text=ref)
        lists.column_dimensions[letter].width = max(len(v) for v in values) + 2
        names[id(spec.catalog)] = name
    return names


# --- the data sheet ---------------------------------------------------------------------------------


def header_note(spec: ColumnSpec) -> str:
    """The text of a header cell's note."""
    parts = [spec.help, "", "Obligatoria." if spec.required else "Opcional."]
    if spec.default:
        parts.append(f"Si se deja vacía: {spec.default}.")
    if spec.example:
        parts.append(f"Ejemplo: {spec.example}")
    if spec.name == "referencia" and spec.header:
        parts.append("Se completa en todas las filas: es lo que une las líneas de un comprobante.")
    elif spec.header:
        parts.append(
            "Dato del comprobante: en las filas siguientes del mismo comprobante puede quedar vacío."
        )
    return "\n".join(parts)


def _write_data_sheet(ws: Worksheet, list_names: dict[int, str], specs: tuple[ColumnSpec, ...]) -> None:
    for index, spec in enumerate(specs, start=1):
        letter = get_column_letter(index)
        cell = ws.cell(row=1, column=index, value=spec.name)
        cell.font = _HEADER_FONT
        cell.fill = _REQUIRED_FILL if spec.required else _OPTIONAL_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center")
        cell.comment = Comment(header_note(spec), AUTHOR, width=320, height=170)
        dimension = ws.column_dimensions[letter]
        dimension.width = max(spec.width, len(spec.name) + 2)
        if spec.excel_format != "General":
            dimension.number_format = spec.excel_format
        if spec.catalog is not None:
            validation = DataValidation(
                type="list",
                formula1=list_names[id(spec.catalog)],
                allow_blank=True,
                showErrorMessage=True,
                errorStyle="warning",  # a warning, not a stop: codes and names typed by hand are fine
                errorTitle=spec.name,
                error="El valor no está en la lista. Si es un código o nombre válido, puede dejarlo.",
            )
            validation.add(f"{letter}2:{letter}{LAST_VALIDATED_ROW}")
            ws.add_data_validation(validation)
    ws.freeze_panes = "B2"
    ws.row_dimensions[1].height = 22


# --- the instructions sheet -------------------------------------------------------------------------

_INTRO = (
    "tf-import lee esta planilla, revisa cada fila y emite cada comprobante en TusFacturas.app (AFIP/ARCA).",
    "Al terminar escribe un libro de resultados con el estado, el número, el CAE y el PDF de cada comprobante.",
    "Volver a ejecutar la misma planilla nunca emite dos veces: los comprobantes ya emitidos se saltean.",
)
_STRUCTURE = (
    "Cada fila es una línea (un producto o servicio) de un comprobante.",
    "Las filas con la misma referencia forman un comprobante; la referencia no debe repetirse nunca en otro.",
    "Las columnas de comprobante (fecha, tipo, cliente, asociado…) se completan en la primera fila.",
    "En las filas siguientes del mismo comprobante pueden quedar vacías (se heredan de la primera fila);",
    "si se completan, deben coincidir con la primera fila.",
    "Las columnas de línea (descripcion, cantidad, precio_unitario, alicuota_iva…) se completan en cada fila.",
    "Las filas vacías se ignoran. Las columnas que no son de la plantilla se conservan en los resultados "
    "pero nunca se envían.",
)
_FORMATS = (
    "Números: como número de Excel o como texto 1234.56 o 1.234,56 (formato argentino).",
    "Fechas: como fecha de Excel o como texto dd/mm/aaaa (por ejemplo 05/11/2026).",
    "Documentos: solo dígitos; se quitan puntos, guiones y espacios (30-71234567-1 es válido).",
    "Códigos: el código o el nombre, sin importar mayúsculas ni acentos (RI o Responsable Inscripto; "
    "Factura A o FACTURA A).",
    "Los espacios al principio y al final de cada celda se ignoran.",
    "No use fórmulas: si el libro no fue guardado desde Excel, su valor no se puede leer.",
)
_LIMITS = (
    "Formatos aceptados: .xlsx (Libro de Excel) y .csv separado por ; o por , (UTF-8 o Latin-1).",
    "No se aceptan .xls antiguos, libros con macros (.xlsm) ni libros protegidos con contraseña.",
    "Máximo 100.000 filas de datos, 50 MB por archivo y 32.767 caracteres por celda.",
    "Los nombres de las columnas deben estar en la fila 1 de la hoja Comprobantes.",
)
_TABLE_HEADERS = ("Columna", "Obligatoria", "Parte", "Ejemplo", "Si se deja vacía", "Explicación")
# Widths of columns A..Q: the column table uses A..F (F holds the explanation), the examples A..Q
# (F holds descripcion, the long text of a line).
_WIDTHS = (24, 12, 19, 22, 16, 62, 10, 15, 12, 14, 14, 15, 26, 18, 12, 12, 12)
_EXPLANATION_WIDTH = 62


def example_total(
    rows: tuple[dict[str, object], ...], tributos: tuple[dict[str, object], ...] = ()
) -> Decimal:
    """An example comprobante's total (with its perceptions), computed by the same code that checks
    real ones."""
    tipo = catalogs.TIPOS_BY_NAME[str(catalogs.TIPO_COMPROBANTE.lookup(rows[0]["tipo"]))]
    lines = [
        (
            Decimal(str(row["cantidad"])),
            Decimal(str(row["precio_unitario"])),
            catalogs.ALICUOTA_IVA.lookup(row.get("alicuota_iva")) or "0",
            Decimal(str(row.get("bonificacion_porcentaje", 0))),
        )
        for row in rows
    ]
    percepciones = [
        Decimal(str(t["importe"]))
        if t.get("importe") is not None
        else round_cents(Decimal(str(t["base_imponible"])) * Decimal(str(t["alicuota"])) / 100)
        for t in tributos
    ]
    return compute_totals(lines, tipo.letra, percepciones).total


def examples() -> tuple[tuple[str, str, tuple[dict[str, object], ...]], ...]:
    return EXAMPLES


def _parte(spec: ColumnSpec) -> str:
    if spec.name == "referencia":
        return "Cada fila"
    return "Comprobante" if spec.header else "Línea"


def _write_instructions(ws: Worksheet) -> None:
    for index, width in enumerate(_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.append(["Cómo completar la planilla de comprobantes de tf-import"])
    ws.cell(row=1, column=1).font = _TITLE_FONT

    def section(title: str, lines: tuple[str, ...]) -> None:
        ws.append([])
        ws.append([title])
        ws.cell(row=ws.max_row, column=1).font = _SECTION_FONT
        for line in lines:
            ws.append([line])

    section("Qué hace", _INTRO)
    section("Cómo se arma un comprobante", _STRUCTURE)
    section("Formatos aceptados", _FORMATS)
    section("Límites", _LIMITS)
    section("Las columnas", ())
    _column_table(ws, COLUMNS, _parte)
    section("FCE MiPyME y emisor_cuit", FCE_INSTRUCTIONS)
    section(f"La hoja {TRIBUTOS_SHEET} (percepciones)", TRIBUTOS_INSTRUCTIONS)
    _column_table(ws, TRIBUTOS_COLUMNS, lambda _: TRIBUTOS_SHEET)
    for title, note, rows in EXAMPLES:
        section(title, (note,))
        _example(ws, rows)
    for title, note, rows, tributos in EXAMPLES_TRIBUTOS:
        section(title, (note,))
        _example(ws, rows, tributos)


def _column_table(ws: Worksheet, specs: tuple[ColumnSpec, ...], parte: Callable[[ColumnSpec], str]) -> None:
    ws.append(list(_TABLE_HEADERS))
    for cell in ws[ws.max_row]:
        cell.font = _BOLD
    for spec in specs:
        ws.append(
            [
                spec.name,
                "Sí" if spec.required else "No",
                parte(spec),
                spec.example,
                spec.default or "",
                spec.help,
            ]
        )
        row = ws.max_row
        ws.cell(row=row, column=4).number_format = "@"
        for cell in ws[row]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        # Spreadsheet programs do not always grow wrapped rows by themselves.
        lines = max(-(-len(spec.help) // (_EXPLANATION_WIDTH - 4)), -(-len(spec.example) // 20), 1)
        ws.row_dimensions[row].height = 15 * lines


def _example(
    ws: Worksheet, rows: tuple[dict[str, object], ...], tributos: tuple[dict[str, object], ...] = ()
) -> None:
    """One worked example: its Comprobantes rows, its Tributos rows if any, and its total."""
    extra = [c for row in rows for c in row if c not in EXAMPLE_COLUMNS]
    _table(ws, (*EXAMPLE_COLUMNS, *dict.fromkeys(extra)), rows, BY_NAME)
    if tributos:
        ws.append([f"Hoja {TRIBUTOS_SHEET}:"])
        ws.cell(row=ws.max_row, column=1).font = _BOLD
        _table(ws, tuple(TRIBUTOS_BY_NAME), tributos, TRIBUTOS_BY_NAME)
    ws.append([f"Total calculado por tf-import: {pesos(example_total(rows, tributos))}"])
    ws.cell(row=ws.max_row, column=1).font = _BOLD


def _table(
    ws: Worksheet,
    columns: tuple[str, ...],
    rows: tuple[dict[str, object], ...],
    specs: Mapping[str, ColumnSpec],
) -> None:
    ws.append(list(columns))
    for cell in ws[ws.max_row]:
        cell.font = _BOLD
        cell.alignment = Alignment(wrap_text=True, vertical="bottom")
    ws.row_dimensions[ws.max_row].height = 30
    for row in rows:
        ws.append([row.get(column) for column in columns])
        for cell, column in zip(ws[ws.max_row], columns, strict=False):
            cell.number_format = specs[column].excel_format
