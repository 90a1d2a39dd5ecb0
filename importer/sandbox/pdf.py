"""A small, real PDF of a stored comprobante, written by hand (PDF 1.4, Helvetica, WinAnsi).

One content stream per page, text only; the cross-reference table carries exact byte offsets so
any reader (pypdf, browsers) opens it without repair.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from importer.sandbox import aritmetica
from importer.sandbox.profile import IssuerProfile
from importer.sandbox.tablas import ALICUOTA_BY_VALUE, CONDICIONES_IVA
from importer.sandbox.values import as_decimal

LEYENDA = "SANDBOX — SIN VALIDEZ FISCAL"
PAGE_W, PAGE_H = 595, 842  # A4 in points
TOP, BOTTOM, LEFT = 800, 50, 40
LINE = 13


def _escape(text: str) -> bytes:
    raw = text.encode("cp1252", errors="replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _money(value: Decimal) -> str:
    text = f"{value.quantize(Decimal('0.01')):,.2f}"
    return text.replace(",", "X").replace(".", ",").replace("X", ".")


def comprobante_lines(record: dict[str, Any], profile: IssuerProfile) -> list[tuple[str, int, bool]]:
    """The text of the PDF as (line, font size, bold) — kept apart so it is easy to test."""
    payload = record["payload"]
    cliente = payload.get("cliente", {})
    comp = payload.get("comprobante", {})
    letra = record["tipo"].rsplit(" ", 1)[-1]
    out: list[tuple[str, int, bool]] = [
        (LEYENDA, 14, True),
        (f"{record['tipo']}   N° {record['punto_venta']:05d}-{record['numero']:08d}", 14, True),
        (f"Fecha: {record['fecha']}    Vencimiento del pago: {record['vencimiento_pago']}", 10, False),
        ("", 10, False),
        (f"Emisor: {profile.razon_social}", 10, True),
        (
            f"CUIT {profile.cuit_con_guiones} - {profile.condicion_iva_nombre} - IIBB {profile.ingresos_brutos}",
            9,
            False,
        ),
        (f"Domicilio: {profile.domicilio} - Inicio de actividades: {profile.inicio_actividades}", 9, False),
        ("", 10, False),
        (f"Cliente: {cliente.get('razon_social', '')}", 10, True),
        (
            f"{cliente.get('documento_tipo', '')} {cliente.get('documento_nro', '')} - "
            f"{_condicion(cliente)} - {cliente.get('domicilio', '')}",
            9,
            False,
        ),
    ]
    if comp.get("periodo_facturado_desde"):
        out.append(
            (
                f"Período facturado: {comp['periodo_facturado_desde']} al {comp['periodo_facturado_hasta']}",
                9,
                False,
            )
        )
    out += [
        ("", 10, False),
        ("Cant.      Descripción                                   P. unit.   Alíc.   Subtotal", 9, True),
    ]
    lines = []
    for item in comp.get("detalle", []):
        prod = item.get("producto", {})
        cantidad = as_decimal(item.get("cantidad")) or Decimal(0)
        precio = as_decimal(prod.get("precio_unitario_sin_iva")) or Decimal(0)
        bonif = as_decimal(item.get("bonificacion_porcentaje")) or Decimal(0)
        alicuota = _code(prod.get("alicuota", "0"))
        lines.append((cantidad, precio, alicuota, bonif))
        subtotal = cantidad * precio * (100 - bonif) / 100
        descripcion = str(prod.get("descripcion", "")).replace("#@#", " ").replace("#&#", "%")[:45]
        out.append(
            (
                f"{cantidad.normalize():>8f}   {descripcion:<45} {_money(precio):>12} {alicuota:>6}% "
                f"{_money(subtotal):>12}",
                9,
                False,
            )
        )
    totales = aritmetica.compute(lines, letra)
    pesos = aritmetica.as_pesos
    out.append(("", 10, False))
    for code in totales.gravados:
        out.append(
            (
                f"Neto gravado {code}%: {_money(pesos(totales.neto[code]))}    "
                f"IVA {code}%: {_money(pesos(totales.iva[code]))}",
                9,
                False,
            )
        )
    if totales.exento:
        out.append((f"Exento: {_money(pesos(totales.exento))}", 9, False))
    if totales.no_gravado:
        out.append((f"No gravado: {_money(pesos(totales.no_gravado))}", 9, False))
    for t in comp.get("tributos") or []:
        out.append(
            (
                f"Tributo tipo {t.get('tipo')} régimen {t.get('regimen')}: "
                f"{_money(as_decimal(t.get('total')) or Decimal(0))}",
                9,
                False,
            )
        )
    out += [
        (f"TOTAL {record['moneda']}: {_money(Decimal(record['total']))}", 12, True),
        ("", 10, False),
        (f"CAE: {record['cae']}    Vencimiento del CAE: {record['vencimiento_cae']}", 10, True),
    ]
    if record.get("observaciones"):
        out.append((f"Observaciones AFIP: {record['observaciones'][:110]}", 8, False))
    if comp.get("leyenda_gral"):
        out.append((str(comp["leyenda_gral"]).replace("#@#", " ").replace("#&#", "%")[:110], 9, False))
    out.append((LEYENDA, 10, True))
    return out


def _condicion(cliente: dict[str, Any]) -> str:
    code = str(cliente.get("condicion_iva", ""))
    return CONDICIONES_IVA.get(code, code)


def _code(alicuota: object) -> str:
    value = as_decimal(alicuota)
    return ALICUOTA_BY_VALUE.get(value, "0") if value is not None else "0"


def render_pdf(record: dict[str, Any], profile: IssuerProfile) -> bytes:
    return build_pdf(comprobante_lines(record, profile), title=f"{record['tipo']} {record['numero']}")


def build_pdf(lines: Iterable[tuple[str, int, bool]], *, title: str = "") -> bytes:
    pages: list[list[bytes]] = [[]]
    y = TOP
    for text, size, bold in lines:
        if y < BOTTOM:
            pages.append([])
            y = TOP
        font = b"/F2" if bold else b"/F1"
        pages[-1].append(b"BT %s %d Tf %d %d Td (%s) Tj ET" % (font, size, LEFT, y, _escape(text)))
        y -= LINE if size <= 10 else LINE + 5
    n = len(pages)
    # Objects: 1 catalog, 2 pages, 3 F1, 4 F2, 5 info, then (page, content) pairs.
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>"
        % (b" ".join(b"%d 0 R" % (6 + 2 * i) for i in range(n)), n),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
        b"<< /Title (%s) /Producer (tf-import sandbox) >>" % _escape(title),
    ]
    for i, ops in enumerate(pages):
        stream = b"\n".join(ops)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Resources << /Font << /F1 3 0 R "
            b"/F2 4 0 R >> >> /Contents %d 0 R >>" % (PAGE_W, PAGE_H, 7 + 2 * i)
        )
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 5 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)
