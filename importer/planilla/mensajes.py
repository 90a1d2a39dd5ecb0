"""The Spanish message of each cell and row problem validation finds, one template per code.

Validation gives every problem a stable code; this module words it for the person who fixes the
planilla, apart from the checks so the wording can be reviewed in one place. The codes come from
the parsers (`parsing.py`: unreadable cells), the pandera checks on single cells and on rows
(`validation.py`), and "requerido" for an empty required cell. Problems found on comprobantes are
worded where they are found (`grouping.py`, `fiscal.py`). A message opens with the column it is
about ("cantidad: ..."), except where the sentence reads better whole.

Only plain values come in, never validation's frames, so this module needs nothing from
`validation.py` (which imports it).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from importer.dominio.documentos import cuit_check_digit
from importer.dominio.numeros import explicacion_ambiguo
from importer.dominio.texto import sent_length
from importer.planilla import parsing
from importer.planilla.column_spec import ColumnSpec
from importer.planilla.columns import BY_NAME
from importer.planilla.grouping import ASOCIADO_COLUMNS
from importer.planilla.parsing import display

# Said where the limit is AFIP's own field size (amounts 13+2, the rate 4+6).
_POR_AFIP = ", el máximo que admite AFIP"
# Columns with a range rule of their own: a huge number there is worded by that rule.
_RANGO_PROPIO = {
    "punto_venta": "punto_venta.rango",
    "asociado_punto_venta": "punto_venta.rango",
    "asociado_numero": "numero.rango",
    "bonificacion_porcentaje": "bonificacion.rango",
}


def _q(value: object) -> str:
    return f"«{display(value)}»"


def _cuit_text(digits: str) -> str:
    return f"{digits[:2]}-{digits[2:10]}-{digits[10:]}" if re.fullmatch("[0-9]{11}", digits) else digits


def cell_message(
    codigo: str,
    columna: str,
    crudo: object,
    motivo: str | None = None,
    *,
    max_emails: int,
    spec: ColumnSpec | None = None,
) -> str:
    """The message of a problem with one cell; `crudo` is the cell as typed, `motivo` why a
    referencia is missing (from grouping) and `max_emails` the limit the e-mail check enforces.
    `spec`: the column's spec when it is not a Comprobantes column (the Tributos sheet's)."""
    spec = spec or BY_NAME[columna]
    valor = _q(crudo)
    if codigo == "requerido":
        if columna == "referencia":
            detalle = f"; {motivo}" if motivo else ""
            return f"referencia: falta{detalle}. Cada fila necesita la referencia de su comprobante."
        return f"{columna}: es obligatoria y está vacía."
    if codigo == parsing.TIPO_INVALIDO:
        return f"{columna}: se esperaba un número y la celda tiene {valor}."
    if codigo == parsing.NUMERO_INVALIDO:
        return f"{columna}: {valor} no es un número válido (escriba, por ejemplo, 1234.56 o 1.234,56)."
    if codigo == parsing.NUMERO_AMBIGUO:
        return f"{columna}: {explicacion_ambiguo(display(crudo))}"  # the words --tope-cf uses too
    if codigo == parsing.FUERA_DE_RANGO and columna in _RANGO_PROPIO:
        codigo = _RANGO_PROPIO[columna]  # its own range says it better than a count of digits
    elif codigo == parsing.FUERA_DE_RANGO:
        digitos = parsing.DIGITOS_ENTEROS.get(columna, parsing.DIGITOS_ENTEROS_GENERAL)
        tope = f"{10**digitos:,}".replace(",", ".")
        return (
            f"{columna}: {valor} está fuera de rango: admite hasta {digitos} dígitos enteros (menos de "
            f"{tope}){_POR_AFIP if columna in parsing.DIGITOS_ENTEROS else ''}."
        )
    if codigo == parsing.NUMERO_NO_ENTERO:
        return f"{columna}: debe ser un número entero, no {valor}."
    if codigo == parsing.FECHA_INVALIDA:
        return f"{columna}: {valor} no es una fecha válida (use dd/mm/aaaa, por ejemplo 14/07/2025)."
    if codigo == parsing.VALOR_DESCONOCIDO and spec.catalog is not None:
        opciones = spec.catalog.codes
        ejemplos = ", ".join(opciones[:8]) + ("…" if len(opciones) > 8 else "")
        return f"{columna}: {valor} no es un valor válido de {spec.catalog.title} (por ejemplo: {ejemplos})."
    largo = len(display(crudo))
    messages = {
        "referencia.formato": f"referencia: {valor} solo puede tener letras, números, _ y - (sin espacios "
        "ni otros signos).",
        "texto.largo": f"{columna}: admite hasta {spec.max_length} caracteres y tiene {largo}.",
        "descripcion.largo": f"descripcion: debe tener entre 4 y 255 caracteres y tiene {largo}"
        + (
            f" ({enviado} al enviarla: cada % y cada salto de línea ocupan 3 en TusFacturas)."
            if (enviado := sent_length(display(crudo))) != largo
            else "."
        ),
        "texto.caracter_invalido": f"{columna}: tiene caracteres de control o no válidos (invisibles en "
        "Excel, suelen venir de copiar y pegar); vuelva a escribir el texto.",
        "email.invalido": f"cliente_email: {valor} no es una lista válida de e-mails (sepárelos con comas).",
        "email.demasiados": f"cliente_email: admite hasta {max_emails} direcciones.",
        "cantidad.no_positiva": f"cantidad: debe ser mayor que 0 y es {valor}.",
        "precio.negativo": f"precio_unitario: no puede ser negativo ({valor}).",
        "cantidad.decimales": f"cantidad: admite hasta 2 decimales y es {valor}.",
        "precio.decimales": f"precio_unitario: admite hasta 3 decimales y es {valor}.",
        "bonificacion.decimales": f"bonificacion_porcentaje: admite hasta 2 decimales y es {valor}.",
        "bonificacion.rango": f"bonificacion_porcentaje: debe estar entre 0 y 100 y es {valor}.",
        "cotizacion.no_positiva": f"cotizacion: debe ser mayor que 0 y es {valor}.",
        "cotizacion.decimales": f"cotizacion: admite hasta 3 decimales (los que guarda TusFacturas) y es {valor}.",
        "total_control.no_positivo": f"total_control: debe ser mayor que 0 y es {valor}.",
        "punto_venta.rango": f"{columna}: debe estar entre 1 y 99999 y es {valor}.",
        "numero.rango": f"{columna}: debe estar entre 1 y 99999999 y es {valor}.",
    }
    return messages.get(codigo, f"{columna}: valor inválido {valor} ({codigo}).")


def row_message(
    codigo: str, row: Mapping[str, object], crudo_nro: object, escritas: Mapping[str, object]
) -> str:
    """The message of a cross-column problem of a row: `row` has the row's tipo, moneda and
    document, `crudo_nro` the document number as typed, `escritas` which asociado columns are
    written."""
    tipo_doc = row["cliente_documento_tipo"]
    nro = str(row["cliente_documento_nro"])
    if codigo == "documento.formato":
        return (
            f"cliente_documento_nro: el {tipo_doc} {_q(crudo_nro)} solo puede tener dígitos (se "
            "ignoran puntos, guiones y espacios)."
        )
    if codigo == "documento.otro":
        return (
            "cliente_documento_nro: con documento OTRO (consumidor final sin identificar) el número "
            "debe ser 0; si conoce el documento, use DNI, CUIT o CUIL."
        )
    if codigo == "cuit.largo":
        return (
            f"cliente_documento_nro: el {tipo_doc} {_q(crudo_nro)} debe tener 11 dígitos y tiene {len(nro)}."
        )
    if codigo == "cuit.prefijo":
        return (
            f"cliente_documento_nro: el {tipo_doc} {_cuit_text(nro)} empieza con {nro[:2]}, que no es "
            "un prefijo válido (20, 23, 24, 27, 30, 33, 34, 50, 51 o 55)."
        )
    if codigo == "cuit.digito_verificador":
        esperado = cuit_check_digit(nro[:10])
        if esperado is None:
            return (
                f"cliente_documento_nro: el {tipo_doc} {_cuit_text(nro)} no es válido: con esos dígitos "
                "el verificador no puede calcularse (AFIP no emite ese número)."
            )
        return (
            f"El {tipo_doc} {_cuit_text(nro)} tiene el dígito verificador incorrecto (debería ser "
            f"{esperado})."
        )
    if codigo == "dni.largo":
        return f"cliente_documento_nro: el DNI {_q(crudo_nro)} debe tener 7 u 8 dígitos y tiene {len(nro)}."
    if codigo == "cotizacion.requerida":
        return f"cotizacion: es obligatoria para la moneda {row['moneda']} (pesos por unidad de esa moneda)."
    faltan = [n for n in ASOCIADO_COLUMNS if not escritas[n]]
    sobran = [n for n in ASOCIADO_COLUMNS if escritas[n]]
    if codigo == "asociado.requerido":
        return f"Una {row['tipo']} necesita el comprobante asociado: complete {_y(faltan)}."
    return f"Una {row['tipo']} no lleva comprobante asociado: deje vacías {_y(sobran)}."


def _y(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} y {names[-1]}"
