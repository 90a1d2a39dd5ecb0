"""FCE MiPyME (Factura de Crédito Electrónica, Ley 27.440): `rg_especiales` and AFIP's rules.

TusFacturas passes `rg_especiales` through without judging it (tusfacturas-api.md §3.8); here it is
read for shape only (a régimen of §4.11, `datos` of that régimen, empty values skipped). AFIP's
verdict follows afip-rules.md §8 and §10: the data ids only FCE may carry (10169), the CBU (22
digits with both BCRA check digits) or its alias and SCA/ADC on facturas, the anulación on notes,
vencimiento, a CUIT receiver, and notes associated to one FCE factura of their own letter.

afip-rules.md makes the CBU mandatory and the alias an extra; TusFacturas' FCE page and
tusfacturas-api.md §9.7 take either ("CBU … salvo que envíes el ALIAS"): the sandbox follows the
latter, so it never refuses what the real service may take (the client asks for the CBU anyway).

The spec names codes without wording them, and for some rules a range (10151, 10156–10160): the
texts and the pick inside a range are the sandbox's own. Not simulated, for want of AFIP's
registers: a CBU registered to the issuer (10174), the receiver's Domicilio Fiscal Electrónico
(10161) and its FCE characterisation (10180) — any CUIT may receive an FCE here.

Whether a common factura had to be an FCE (10192, `requiere_fec`) comes from the sandbox's own
register of large companies (`tablas.GRANDES_EMPRESAS`) and AFIP's minimum in force on its date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from importer.sandbox.fields import FieldReader, Rejection, afip
from importer.sandbox.tablas import (
    FACTURA,
    FCE_ALIAS,
    FCE_ANULACION,
    FCE_CBU,
    FCE_REFERENCIA,
    FCE_TRANSFERENCIA,
    FCE_TRANSFERENCIAS,
    GRANDES_EMPRESAS,
    NO_CATEGORIZADO,
    RG_ESPECIALES,
    TIPOS_BY_NAME,
    monto_minimo_fce,
)
from importer.sandbox.values import as_text, fmt_date

if TYPE_CHECKING:
    from importer.sandbox.request import Pedido

CBU_WEIGHTS = (3, 1, 7, 9)  # BCRA, applied from the rightmost digit of each block leftwards
_CBU = re.compile(r"[0-9]{22}")
_ALIAS = re.compile(r"[A-Za-z0-9.-]{6,20}")
_SOLO_FCE = (FCE_CBU, FCE_ALIAS, FCE_ANULACION, FCE_TRANSFERENCIA)  # 23 is allowed everywhere
MAX_REFERENCIA = 50


@dataclass(frozen=True)
class RgEspeciales:
    regimen: str
    datos: dict[int, str] = field(default_factory=dict)  # id → valor, empty values left out


def parse_rg_especiales(r: FieldReader, c: dict[str, Any]) -> RgEspeciales | None:
    raw = c.get("rg_especiales")
    if raw in (None, "", {}, []):
        return None
    base = "comprobante.rg_especiales"
    if not isinstance(raw, dict):
        r.invalid(base, raw)
        return None
    regimen = r.choice(raw, "regimen", f"{base}.regimen", frozenset(RG_ESPECIALES), required=True)
    lista = raw.get("datos")
    if not isinstance(lista, list) or not lista:
        r.fail(f"El campo {base}.datos es obligatorio (una lista de {{id, valor}}).")
        return None
    datos: dict[int, str] = {}
    for i, dato in enumerate(lista):
        path = f"{base}.datos[{i}]"
        if not isinstance(dato, dict):
            r.invalid(path, dato)
            continue
        if dato.get("valor") in (None, ""):
            continue  # "items with empty value are skipped" (§3.8)
        ident = r.integer(dato, "id", f"{path}.id", required=True)
        valor = as_text(dato["valor"])
        if valor is None:
            r.invalid(f"{path}.valor", dato["valor"])
        if ident is None or valor is None:
            continue
        if regimen is not None and ident not in RG_ESPECIALES[regimen]:
            r.fail(f"El dato {ident} no corresponde al régimen {regimen} ({path}.id).")
        elif ident in datos:
            r.fail(f"El dato {ident} se informa más de una vez en {base}.datos.")
        datos[ident] = valor
    return RgEspeciales(regimen, datos) if regimen is not None else None


def cbu_valido(cbu: str) -> bool:
    """22 digits whose two BCRA check digits (8th and 22nd) match their blocks."""
    if not _CBU.fullmatch(cbu):
        return False
    return int(cbu[7]) == _cbu_digit(cbu[:7]) and int(cbu[21]) == _cbu_digit(cbu[8:21])


def _cbu_digit(block: str) -> int:
    total = sum(int(d) * CBU_WEIGHTS[i % 4] for i, d in enumerate(reversed(block)))
    return (10 - total % 10) % 10


def ventana(p: Pedido) -> tuple[int, int]:
    """Days back and forward from AFIP's N that CbteFch may take (afip-rules.md §6)."""
    if p.tipo.fce:
        return 5, 0 if p.tipo.es_nota else 1
    return (10, 10) if p.es_servicio else (5, 5)


def afip_checks(p: Pedido, hoy: date) -> list[Rejection]:
    datos = p.rg_especiales.datos if p.rg_especiales else {}
    if not p.tipo.fce:
        enviados = [str(i) for i in _SOLO_FCE if i in datos]
        if enviados:
            lista = ", ".join(enviados)
            return [
                afip(10169, f"Solo los comprobantes MiPyMEs (FCE) pueden informar los opcionales {lista}.")
            ]
        return []
    errors: list[Rejection] = []
    if p.documento_tipo != "CUIT":
        errors.append(
            afip(10176, "Para comprobantes MiPyMEs (FCE) el receptor debe tener DocTipo 80 (CUIT).")
        )
    elif p.documento_nro.zfill(11) == NO_CATEGORIZADO:
        errors.append(
            afip(
                10178,
                f"El receptor de un comprobante MiPyMEs (FCE) no puede ser {NO_CATEGORIZADO} "
                "(Sujeto No Categorizado).",
            )
        )
    if len(datos.get(FCE_REFERENCIA, "")) > MAX_REFERENCIA:
        errors.append(
            afip(10189, f"El opcional Id 23 (referencia comercial) admite hasta {MAX_REFERENCIA} caracteres.")
        )
    errors.extend(_nota(p, datos) if p.tipo.es_nota else _factura(p, datos, hoy))
    return errors


def _factura(p: Pedido, datos: dict[int, str], hoy: date) -> list[Rejection]:
    errors: list[Rejection] = []
    obligatorio = "Si informa comprobante MiPyMEs (FCE) del tipo Factura, es obligatorio informar opcional"
    cbu, alias = datos.get(FCE_CBU), datos.get(FCE_ALIAS)
    if cbu is None and alias is None:  # "CBU … salvo que envíes el ALIAS" (TusFacturas' FCE page)
        errors.append(afip(10162, f"{obligatorio} Id 2101 (CBU del emisor) o Id 2102 (su alias)."))
    if cbu is not None and not _CBU.fullmatch(cbu):
        errors.append(
            afip(10165, f"El CBU (opcional Id 2101) debe tener 22 dígitos numéricos (se recibió {cbu}).")
        )
    elif cbu is not None and not cbu_valido(cbu):
        errors.append(
            afip(
                10168,
                f"El CBU (opcional Id 2101) {cbu} no es válido: sus dígitos verificadores no corresponden.",
            )
        )
    if alias is not None and not _ALIAS.fullmatch(alias):
        errors.append(
            afip(
                10166,
                "El alias del CBU (opcional Id 2102) debe tener de 6 a 20 caracteres: letras, números, "
                f"punto o guion (se recibió {alias}).",
            )
        )
    transferencia = datos.get(FCE_TRANSFERENCIA)
    if transferencia is None:
        errors.append(afip(10214, f"{obligatorio} Id 27 (transferencia: SCA o ADC)."))
    elif transferencia not in FCE_TRANSFERENCIAS:
        errors.append(
            afip(
                10215,
                "El opcional Id 27 debe ser SCA (sistema de circulación abierta) o ADC (agente de "
                f"depósito colectivo) (se recibió {transferencia}).",
            )
        )
    if FCE_ANULACION in datos:
        errors.append(
            afip(10171, "El opcional Id 22 (anulación) solo va en notas de débito o crédito MiPyMEs.")
        )
    minimo = max(p.fecha, hoy)
    if p.vencimiento < minimo:
        errors.append(
            afip(
                10164,
                "El campo FchVtoPago de una Factura MiPyMEs (FCE) no puede ser anterior a la fecha del "
                f"comprobante ni a la de hoy ({fmt_date(minimo)}).",
            )
        )
    if p.fecha > hoy and (p.fecha.year, p.fecha.month) != (hoy.year, hoy.month):
        errors.append(
            afip(
                10152,
                "La fecha de una Factura MiPyMEs (FCE) posterior a hoy debe ser del mes en curso "
                f"({fmt_date(hoy)}).",
            )
        )
    return errors


def _nota(p: Pedido, datos: dict[int, str]) -> list[Rejection]:
    errors: list[Rejection] = []
    anulacion = datos.get(FCE_ANULACION)
    if anulacion is None:
        errors.append(
            afip(
                10167,
                "Si informa comprobante MiPyMEs (FCE) del tipo Nota de Débito o Crédito, es obligatorio "
                "informar opcional Id 22 (anulación: S o N).",
            )
        )
    elif anulacion not in ("S", "N"):
        texto = f"El opcional Id 22 (anulación) debe ser S o N (se recibió {anulacion})."
        errors.append(afip(10173, texto))
    de_factura = [str(i) for i in (FCE_CBU, FCE_ALIAS, FCE_TRANSFERENCIA) if i in datos]
    if de_factura:
        errors.append(
            afip(
                10172,
                "Las notas de débito o crédito MiPyMEs (FCE) no pueden informar los opcionales "
                f"{', '.join(de_factura)} (CBU, alias ni transferencia).",
            )
        )
    if p.periodo_asociado is not None:
        errors.append(afip(10196, "Los comprobantes MiPyMEs (FCE) no pueden informar PeriodoAsoc."))
    elif len(p.asociados) != 1:
        errors.append(
            afip(
                10151,
                "Las notas de débito o crédito MiPyMEs (FCE) deben asociar exactamente una Factura "
                f"MiPyMEs (se informaron {len(p.asociados)}).",
            )
        )
    for ref in p.asociados:
        asociado = TIPOS_BY_NAME[ref.tipo]
        if not (asociado.fce and asociado.clase == FACTURA and asociado.letra == p.tipo.letra):
            errors.append(
                afip(
                    10157,
                    f"Campo CbtesAsoc con tipo inválido: una {p.tipo.nombre} debe asociar una FACTURA DE "
                    f"CREDITO ELECTRONICA MiPyME (FCE) {p.tipo.letra} (se informó {ref.tipo}).",
                )
            )
        if ref.cuit is None:
            errors.append(
                afip(
                    10158, "En notas MiPyMEs (FCE) el comprobante asociado debe informar el CUIT del emisor."
                )
            )
    return errors


def minimo_fce(fecha: date, fijo: Decimal | None) -> Decimal:
    """The amount from which a large company must receive an FCE: the configured one, or AFIP's."""
    return fijo if fijo is not None else monto_minimo_fce(fecha)


def debe_ser_fce(p: Pedido, fijo: Decimal | None) -> bool:
    """A common factura A, B or C to a large company at or above the minimum (AFIP 10192).

    Notes follow their factura, and E has no FCE, so only common facturas of those letters.
    """
    return (
        not p.tipo.fce
        and p.tipo.clase == FACTURA
        and p.tipo.letra in ("A", "B", "C")
        and p.documento_tipo == "CUIT"
        and p.documento_nro.zfill(11) in GRANDES_EMPRESAS
        and p.total_pesos >= minimo_fce(p.fecha, fijo)
    )
