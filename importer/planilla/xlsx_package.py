"""The `.xlsx` package around the cells: signature, zip checks, workbook parts and sheet list.

Everything here works on the zip archive and small XML parts (parsed with defusedxml); nothing
decompresses a worksheet. A hostile or broken package ends in a `PlanillaError` naming the file.
"""

from __future__ import annotations

import datetime
import io
import posixpath
import zipfile
import zlib
from dataclasses import dataclass
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as safe_xml
from defusedxml import DefusedXmlException

from importer.dominio.problems import PlanillaError

MAX_UNCOMPRESSED_BYTES = 500 * 1024 * 1024  # declared size of all the parts of an .xlsx
MAX_COMPRESSION_RATIO = 100  # real workbooks compress about 10:1; bombs about 1000:1
RATIO_CHECK_MIN_BYTES = 16 * 1024 * 1024  # tiny archives may compress well and harm nobody
MAX_ZIP_MEMBERS = 10_000
XML_PROLOG_BYTES = 64 * 1024  # a DTD can only sit in the prolog, before the first element
FECHA_SIMULADA_PROPERTY = "tf_import_fecha_simulada"
NON_DATA_SHEETS = frozenset({"listas", "instrucciones"})

_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_SIGNATURE = b"PK\x03\x04"
# What reading a damaged member can raise (RuntimeError: an encrypted member).
ZIP_READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, ValueError)


@dataclass(frozen=True)
class Hoja:
    """A worksheet that may hold data (not our Listas/Instrucciones, not a chart sheet)."""

    title: str
    part: str | None  # zip member of its XML, None when the workbook does not say
    hidden: bool


def miles(number: int) -> str:
    """12345 -> 12.345, as Argentine readers expect."""
    return f"{number:,}".replace(",", ".")


def check_signature(name: str, data: bytes) -> None:
    if data.startswith(_OLE_SIGNATURE):
        raise PlanillaError(
            f"{name}: no se puede leer: está protegido con contraseña o es un .xls antiguo "
            "renombrado; quite la contraseña y guárdelo como 'Libro de Excel (.xlsx)'."
        )
    if data.startswith(b"%PDF"):
        raise PlanillaError(f"{name}: no es una planilla de Excel sino un PDF con otra extensión.")
    if not data.startswith(_ZIP_SIGNATURE):
        raise PlanillaError(
            f"{name}: no es una planilla de Excel (.xlsx) válida; ¿es otro tipo de archivo "
            "con la extensión cambiada?"
        )


def open_zip(name: str, data: bytes) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise PlanillaError(
            f"{name}: el archivo está dañado o no es una planilla de Excel (.xlsx)."
        ) from None


def check_archive(name: str, archive: zipfile.ZipFile) -> None:
    """Refuse zip bombs from the declared sizes, before any parser decompresses anything."""
    infos = archive.infolist()
    if len(infos) > MAX_ZIP_MEMBERS:
        raise PlanillaError(
            f"{name}: el archivo tiene {len(infos)} partes internas; no parece una planilla "
            "normal y no se procesa."
        )
    total = sum(info.file_size for info in infos)
    packed = sum(info.compress_size for info in infos) or 1
    if total > MAX_UNCOMPRESSED_BYTES or (
        total > RATIO_CHECK_MIN_BYTES and total / packed > MAX_COMPRESSION_RATIO
    ):
        raise PlanillaError(
            f"{name}: el archivo declara {miles(total // 2**20)} MB descomprimidos "
            f"(compresión {miles(total // packed)}:1); parece una 'bomba zip' y no se procesa."
        )
    names = set(archive.namelist())
    if "xl/workbook.xml" not in names and workbook_part(archive) is None:
        if "word/document.xml" in names:
            hint = "parece un documento de Word (.docx) con la extensión cambiada"
        elif "ppt/presentation.xml" in names:
            hint = "parece una presentación de PowerPoint con la extensión cambiada"
        else:
            hint = "el archivo comprimido no contiene un libro de Excel"
        raise PlanillaError(f"{name}: no es una planilla de Excel: {hint}.")
    for info in infos:
        if info.filename.endswith((".xml", ".rels", ".vml")):
            try:
                with archive.open(info) as member:
                    head = member.read(XML_PROLOG_BYTES)
            except ZIP_READ_ERRORS:
                raise PlanillaError(
                    f"{name}: el archivo está dañado ({info.filename} no se puede descomprimir)."
                ) from None
            if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                raise PlanillaError(
                    f"{name}: contiene definiciones XML (DTD/entidades) que una planilla de "
                    f"Excel nunca usa ({info.filename}); no se procesa por seguridad."
                )


def xml_part(name: str, archive: zipfile.ZipFile, part: str) -> Element | None:
    try:
        raw = archive.read(part)
    except KeyError:
        return None
    except ZIP_READ_ERRORS:
        raise PlanillaError(f"{name}: el archivo está dañado ({part} no se puede descomprimir).") from None
    try:
        return safe_xml.fromstring(raw)
    except DefusedXmlException:
        raise PlanillaError(
            f"{name}: contiene entidades XML no permitidas ({part}); no se procesa por seguridad."
        ) from None
    except ParseError:
        raise PlanillaError(f"{name}: el archivo está dañado ({part} no es XML válido).") from None


def local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _attr(element: Element, wanted: str) -> str | None:
    for key, value in element.attrib.items():
        if local_name(key) == wanted:
            return value
    return None


def relationships(name: str, archive: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """Relationship id -> (type, target) of a `.rels` part."""
    root = xml_part(name, archive, part)
    if root is None:
        return {}
    return {
        rel.get("Id", ""): (rel.get("Type", ""), rel.get("Target", ""))
        for rel in root
        if local_name(rel.tag) == "Relationship"
    }


def workbook_part(archive: zipfile.ZipFile) -> str | None:
    try:
        root = safe_xml.fromstring(archive.read("_rels/.rels"))
    except Exception:  # noqa: BLE001 - any failure here means "no workbook"; reported by the caller
        return None
    for rel in root:
        if rel.get("Type", "").endswith("/officeDocument"):
            target = rel.get("Target", "").lstrip("/")
            return target if target in archive.namelist() else None
    return None


def resolve_part(folder: str, target: str) -> str:
    """A relationship target as a zip member name ("/xl/a.xml" is absolute, "a.xml" relative)."""
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join(folder, target))


def workbook_sheets(name: str, archive: zipfile.ZipFile) -> tuple[list[Hoja], str | None]:
    """The worksheets that may hold data, in tab order, and the shared-strings part if any."""
    part = workbook_part(archive) or "xl/workbook.xml"
    root = xml_part(name, archive, part)
    if root is None:
        raise PlanillaError(f"{name}: no es una planilla de Excel: falta el libro ({part}).")
    folder, _, base = part.rpartition("/")
    rels = relationships(name, archive, f"{folder}/_rels/{base}.rels" if folder else f"_rels/{base}.rels")
    shared = next((t for kind, t in rels.values() if kind.endswith("/sharedStrings")), None)
    sheets: list[Hoja] = []
    for element in root.iter():
        if local_name(element.tag) != "sheet":
            continue
        title = element.get("name", "")
        rel_type, target = rels.get(_attr(element, "id") or "", ("", ""))
        if rel_type and not rel_type.endswith("/worksheet"):
            continue
        if title.strip().lower() in NON_DATA_SHEETS:
            continue
        member = resolve_part(folder, target) if target else None
        hidden = element.get("state", "visible") != "visible"
        sheets.append(Hoja(title, member if member in archive.namelist() else None, hidden))
    return sheets, resolve_part(folder, shared) if shared else None


def fecha_simulada(name: str, archive: zipfile.ZipFile) -> datetime.date | None:
    """The custom document property an example workbook carries (see the README's demo)."""
    part = "docProps/custom.xml"
    for rel_type, target in relationships(name, archive, "_rels/.rels").values():
        if rel_type.endswith("/custom-properties"):
            part = target.lstrip("/")
    root = xml_part(name, archive, part)
    if root is None:
        return None
    for prop in root:
        if prop.get("name") != FECHA_SIMULADA_PROPERTY:
            continue
        text = "".join(prop.itertext()).strip()
        try:
            return datetime.date.fromisoformat(text[:10])
        except ValueError:
            raise PlanillaError(
                f"{name}: la propiedad {FECHA_SIMULADA_PROPERTY} tiene una fecha inválida "
                f"({text!r}); se espera aaaa-mm-dd."
            ) from None
    return None
