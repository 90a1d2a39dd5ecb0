"""FCE MiPyME on the emission side: the issuer's defaults, and what to tell a user whose common
factura TusFacturas refused because it had to be an FCE (`requiere_fec` "SI").

Defaults (interface.md §9): `TF_IMPORT_FCE_CBU`, `TF_IMPORT_FCE_ALIAS`, `TF_IMPORT_FCE_TRANSFERENCIA`
from the environment or `.env`. Validation takes them as a function of (emisor_cuit, punto_venta)
so that the accounts file can later give each account its own; the environment's ignore both.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from stdnum.ar import cbu as stdnum_cbu

from importer.dominio.catalogs import TIPOS, TipoComprobante
from importer.dominio.comprobantes import Comprobante, DatosFce
from importer.dominio.errores import UsageError
from importer.dominio.formato import fecha_texto, pesos
from importer.emision.api import LookupFailed, RequisitoFce, TusFacturasClient
from importer.emision.pacing import Pacer

FceDefaults = Callable[[str, int], DatosFce]  # (emisor_cuit, punto_venta) -> defaults

ENV_CBU = "TF_IMPORT_FCE_CBU"
ENV_ALIAS = "TF_IMPORT_FCE_ALIAS"
ENV_TRANSFERENCIA = "TF_IMPORT_FCE_TRANSFERENCIA"
TRANSFERENCIAS = ("SCA", "ADC")
_ALIAS = re.compile(r"[A-Za-z0-9.-]{6,20}")
_DONDE = "(en el entorno o en el archivo .env)"


@dataclass(frozen=True)
class _Leidos:
    datos: DatosFce
    problemas: tuple[str, ...]


def _leer(settings: Mapping[str, str]) -> _Leidos:
    cbu = re.sub(r"[\s-]", "", settings.get(ENV_CBU, ""))
    alias = settings.get(ENV_ALIAS, "").strip()
    transferencia = settings.get(ENV_TRANSFERENCIA, "").strip().upper()
    problemas = []
    if cbu and not stdnum_cbu.is_valid(cbu):
        problemas.append(
            f"{ENV_CBU} {_DONDE} no es un CBU válido: debe tener 22 dígitos y sus dígitos verificadores "
            "deben corresponder. Corríjalo, o bórrelo y complete la columna fce_cbu."
        )
    if alias and not _ALIAS.fullmatch(alias):
        problemas.append(
            f"{ENV_ALIAS} {_DONDE} no es un alias de CBU válido: de 6 a 20 letras, números, punto o guion."
        )
    if transferencia and transferencia not in TRANSFERENCIAS:
        problemas.append(f"{ENV_TRANSFERENCIA} {_DONDE} debe ser SCA o ADC.")
    return _Leidos(DatosFce(cbu=cbu, alias=alias, transferencia=transferencia), tuple(problemas))


def fce_defaults(settings: Mapping[str, str]) -> FceDefaults:
    """The FCE defaults of the environment (`deps.ajustes()`), for every issuer and punto de venta.

    A wrong value stops the run with a message naming the variable (exit 2), but only when an FCE
    comprobante asks for the defaults: a sheet without FCE is not held up by a setting it never uses.
    """
    leidos = _leer(settings)

    def defaults(_emisor_cuit: str, _punto_venta: int) -> DatosFce:
        if leidos.problemas:
            raise UsageError(" ".join(leidos.problemas))
        return leidos.datos

    return defaults


# --- requiere_fec ------------------------------------------------------------------------------


def tipo_fce_de(tipo: str) -> TipoComprobante | None:
    """The FCE tipo that replaces a common one of the same class and letter (FACTURA A → FCE A)."""
    comun = next((t for t in TIPOS if t.nombre == tipo), None)
    if comun is None:
        return None
    return next((t for t in TIPOS if t.fce and t.clase == comun.clase and t.letra == comun.letra), None)


def abreviatura_fce(t: TipoComprobante) -> str:
    """The short spelling the planilla accepts: FCE A, NC FCE A, ND FCE B."""
    corto = {"FACTURA": "", "NOTA DE DEBITO": "ND ", "NOTA DE CREDITO": "NC "}[t.clase]
    return f"{corto}FCE {t.letra}"


def _cuit_con_guiones(digits: str) -> str:
    return f"{digits[:2]}-{digits[2:10]}-{digits[10:]}" if len(digits) == 11 else digits


def mensaje_requiere_fce(c: Comprobante, requisito: RequisitoFce | None = None) -> str:
    """Why the comprobante was refused and what to change, in the user's words."""
    fce = tipo_fce_de(c.tipo)
    if fce is None:
        texto = "ARCA exige para esta operación una Factura de Crédito Electrónica MiPyME (FCE)."
    else:
        texto = (
            f"ARCA exige para esta operación una Factura de Crédito Electrónica MiPyME: cambie el tipo "
            f"a «{fce.nombre}» (o «{abreviatura_fce(fce)}»)"
            + (f", complete fce_cbu (o {ENV_CBU}) y el vencimiento," if not fce.es_nota else "")
            + " y vuelva a ejecutar."
        )
    if requisito is not None and requisito.obligado and requisito.importe_desde is not None:
        texto += (
            f" Según ARCA, el cliente {_cuit_con_guiones(c.cliente.documento_nro)} está obligado a "
            f"recibir FCE desde {pesos(requisito.importe_desde)} (al {fecha_texto(c.fecha)})."
        )
    return texto


def consultar_requisito(client: TusFacturasClient, pacer: Pacer, c: Comprobante) -> RequisitoFce | None:
    """One `facturacion/requiere_fec` for the customer, paced like every request and never retried:
    the amount only completes the message, so a failure just leaves it out."""
    if c.cliente.documento_tipo != "CUIT":  # FCE needs a CUIT receiver: nothing to ask
        return None
    pacer.wait()
    try:
        return client.requiere_fec(c.cliente.documento_nro, c.fecha)
    except LookupFailed:
        return None
