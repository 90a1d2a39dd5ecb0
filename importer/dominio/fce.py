"""FCE MiPyME rules checked before sending (afip-rules.md §8; interface.md §9).

AFIP rejects an FCE without the issuer's CBU (2101, with valid check digits) and its transfer
system (27: SCA or ADC) on facturas, with a CBU, alias or 27 on notas, without anulación (22) on
notas or with it on facturas, without a payment due date, or to the generic receiver
23000000000. TusFacturas does not check any of it (tusfacturas-api.md §3.8): each one would spend
a request on a certain rejection, so they are refused here with the column to fix.

`DatosFce` reaches the rules with the defaults already merged (the row wins, field by field).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import fields, replace
from datetime import date

from stdnum.ar import cbu as stdnum_cbu

from importer.dominio.comprobantes import Comprobante, DatosFce
from importer.dominio.formato import fecha_texto
from importer.dominio.problems import Problem, problema_de

CUIT_GENERICO = "23000000000"  # "Sujeto No Categorizado" (afip-rules.md §1.1)
TRANSFERENCIA_POR_DEFECTO = "SCA"  # interface.md §9
MAX_REFERENCIA_COMERCIAL = 50
_ALIAS = re.compile(r"[A-Za-z0-9.\-]{6,20}")
_CBU = re.compile(r"[0-9]{22}")

# (emisor_cuit, punto_venta) -> the account's or environment's FCE defaults.
FceDefaults = Callable[[str, int], DatosFce]


def combinar(fila: DatosFce, defaults: DatosFce | None, *, es_nota: bool) -> DatosFce:
    """The row's values over the defaults, field by field. A nota takes no CBU, alias or
    transferencia from the defaults (AFIP forbids them there; only a row can be wrong)."""
    if es_nota or defaults is None:
        merged = fila
    else:
        merged = replace(
            defaults,
            **{f.name: getattr(fila, f.name) for f in fields(DatosFce) if getattr(fila, f.name)},
        )
        merged = replace(merged, anulacion=fila.anulacion, referencia_comercial=fila.referencia_comercial)
    if not es_nota and not merged.transferencia:
        merged = replace(merged, transferencia=TRANSFERENCIA_POR_DEFECTO)
    return merged


def reglas_fce(c: Comprobante, hoy: date) -> list[Problem]:
    """Every FCE data problem of one comprobante (none for a comprobante that is not an FCE)."""
    if not c.es_fce:
        return []
    datos = c.fce or DatosFce()
    found = _nota(c, datos) if c.tipo_info.es_nota else _factura(c, datos, hoy)
    if c.cliente.documento_nro == CUIT_GENERICO:
        found.append(
            problema_de(
                c,
                "fce.cuit_generico",
                "cliente_documento_nro",
                "cliente_documento_nro: una FCE MiPyME no puede emitirse al CUIT genérico 23000000000 "
                "(AFIP 10178): use el CUIT del comprador.",
            )
        )
    if len(datos.referencia_comercial) > MAX_REFERENCIA_COMERCIAL:
        found.append(
            problema_de(
                c,
                "fce.referencia_comercial_largo",
                "fce_referencia_comercial",
                f"fce_referencia_comercial: admite hasta {MAX_REFERENCIA_COMERCIAL} caracteres y tiene "
                f"{len(datos.referencia_comercial)}.",
            )
        )
    return found


def _factura(c: Comprobante, datos: DatosFce, hoy: date) -> list[Problem]:
    found: list[Problem] = []
    if not datos.cbu:
        found.append(
            problema_de(
                c,
                "fce.cbu_requerido",
                "fce_cbu",
                f"fce_cbu: una {c.tipo} necesita el CBU del emisor (AFIP 10162): complételo en la fila o "
                "configúrelo una vez en TF_IMPORT_FCE_CBU (o en la cuenta).",
            )
        )
    elif not _CBU.fullmatch(datos.cbu):
        found.append(
            problema_de(
                c,
                "fce.cbu_formato",
                "fce_cbu",
                f"fce_cbu: el CBU «{datos.cbu}» debe tener 22 dígitos y tiene {len(datos.cbu)} caracteres "
                "(escríbalo como texto: si Excel lo muestra como 1,70E+21 perdió dígitos).",
            )
        )
    elif not stdnum_cbu.is_valid(datos.cbu):
        found.append(
            problema_de(
                c,
                "fce.cbu_digito_verificador",
                "fce_cbu",
                f"fce_cbu: el CBU {datos.cbu} tiene un dígito verificador incorrecto: revise que esté "
                "bien copiado.",
            )
        )
    if datos.alias and not _ALIAS.fullmatch(datos.alias):
        found.append(
            problema_de(
                c,
                "fce.alias_formato",
                "fce_alias",
                f"fce_alias: «{datos.alias}» no es un alias de CBU válido (de 6 a 20 letras, números, "
                "puntos o guiones, sin espacios ni acentos).",
            )
        )
    if datos.anulacion:
        found.append(
            problema_de(
                c,
                "fce.anulacion_no_permitida",
                "fce_anulacion",
                f"fce_anulacion: solo va en las notas de crédito y débito FCE; una {c.tipo} no la lleva "
                "(AFIP 10171): deje la celda vacía.",
            )
        )
    if c.vencimiento is None:
        found.append(
            problema_de(
                c,
                "fce.vencimiento_requerido",
                "vencimiento",
                f"vencimiento: una {c.tipo} necesita la fecha de vencimiento del pago (AFIP 10163).",
            )
        )
    elif c.vencimiento >= c.fecha and c.vencimiento < hoy:
        found.append(
            problema_de(
                c,
                "fce.vencimiento_pasado",
                "vencimiento",
                f"vencimiento: en una FCE no puede ser anterior a hoy ({fecha_texto(hoy)}) y es "
                f"{fecha_texto(c.vencimiento)} (AFIP 10164).",
            )
        )
    return found


def _nota(c: Comprobante, datos: DatosFce) -> list[Problem]:
    found: list[Problem] = []
    if not datos.anulacion:
        found.append(
            problema_de(
                c,
                "fce.anulacion_requerida",
                "fce_anulacion",
                f"fce_anulacion: una {c.tipo} debe indicar S (el comprador rechazó la factura) o N "
                "(AFIP 10167).",
            )
        )
    for columna, valor in (
        ("fce_cbu", datos.cbu),
        ("fce_alias", datos.alias),
        ("fce_transferencia", datos.transferencia),
    ):
        if valor:
            found.append(
                problema_de(
                    c,
                    "fce.no_permitido_en_nota",
                    columna,
                    f"{columna}: una {c.tipo} no lleva CBU, alias ni transferencia (AFIP 10172): deje la "
                    "celda vacía.",
                )
            )
    return found
