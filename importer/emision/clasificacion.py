"""What TusFacturas' answers mean: one table-driven classification of every emission answer.

`classify_emission` turns an HTTP answer (or the exception instead of one) into the outcome that
decides what the ledger records (see api.py's docstring for the five outcomes). Lookups that give
no usable answer raise `LookupFailed`.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import requests
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError, NewConnectionError

from importer.emision.secrets import mask_secrets


class Outcome(StrEnum):
    EMITTED = "emitted"
    REJECTED = "rejected"
    RETRY = "retry"
    IN_DOUBT = "in_doubt"
    STOP = "stop"


@dataclass(frozen=True)
class EmissionResult:
    outcome: Outcome
    reason: str  # short slug: "ok", "http_429", "afip_caido", "timeout", "datos", …
    errores: tuple[str, ...] = ()
    body: dict[str, Any] = field(default_factory=dict)
    http_status: int | None = None
    retry_after: float | None = None  # seconds suggested before trying again

    def text(self, key: str) -> str:
        value = self.body.get(key)
        return "" if value is None else str(value).strip()

    @property
    def cae(self) -> str:
        return self.text("cae")

    @property
    def comprobante_nro(self) -> str:
        return self.text("comprobante_nro")


# How TusFacturas says "no such comprobante" (undocumented for consulta; the sandbox's wording and
# the queue pages' "No se han encontrado comprobantes."). Any other error is a failed lookup.
NOT_FOUND = r"no existe|no se (han )?encontr|no hay comprobantes"


class LookupFailed(Exception):
    """A lookup endpoint did not give a usable answer (Spanish message)."""


# --- classification table ----------------------------------------------------------------------
# (pattern in the joined error texts, outcome, reason). First match wins; texts are compared
# lower-cased and without accents so small wording changes still match.
MESSAGE_RULES: tuple[tuple[str, Outcome, str], ...] = (
    (r"servicios de facturacion de (afip|arca) estan presentando errores", Outcome.RETRY, "afip_caido"),
    (r"no devolvio el cae", Outcome.IN_DOUBT, "sin_cae"),
    (r"existe en (arca|afip) pero no en tusfacturas", Outcome.IN_DOUBT, "existe_en_afip"),
    (r"ejbtransactionrolledback", Outcome.IN_DOUBT, "afip_interno"),
    (r"cbtefch debe estar comprendido", Outcome.REJECTED, "fecha_fuera_de_rango"),
    (r"\b10016\b", Outcome.IN_DOUBT, "numeracion"),
    (r"certificado|no se puede establecer la comunicacion con (arca|afip)", Outcome.STOP, "certificado"),
    (r"computador no autorizado|validaciondetoken|lista de relaciones", Outcome.STOP, "delegacion"),
    (
        r"punto de venta no se encuentra habilitado|dado de alta y ser del tipo rece"
        r"|no existe en (los )?webservices",
        Outcome.STOP,
        "punto_de_venta",
    ),
    (r"no autorizado a emitir comprobantes", Outcome.STOP, "no_autorizado"),
    (
        r"suscripcion|abono vencido|sin cuota|limite de comprobantes|plan vencido|cuenta suspendida",
        Outcome.STOP,
        "suscripcion",
    ),
    (r"credenciales|usertoken|apitoken|apikey|acceso denegado|no autorizado", Outcome.STOP, "credenciales"),
    (r"en cola|encolad", Outcome.STOP, "cola"),
)


def as_list(value: object) -> list[object]:
    """A list field of an answer, whatever the server put there."""
    if isinstance(value, list):
        return value
    return [] if value in (None, "") else [value]


def plain_text(text: str) -> str:

    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch)).lower()


def _exception_outcome(exc: BaseException) -> tuple[Outcome, str]:
    """Was the request possibly received? Only a failure to connect proves it was not."""
    if isinstance(exc, requests.ConnectTimeout):
        return Outcome.RETRY, "sin_conexion"
    if isinstance(exc, requests.ConnectionError):
        reason = exc.args[0] if exc.args else None
        if isinstance(reason, MaxRetryError):
            reason = reason.reason
        if isinstance(reason, (NewConnectionError, ConnectTimeoutError)):
            return Outcome.RETRY, "sin_conexion"
        return Outcome.IN_DOUBT, "conexion_cortada"
    if isinstance(exc, requests.Timeout):
        return Outcome.IN_DOUBT, "timeout"
    return Outcome.IN_DOUBT, "error_de_red"


def classify_emission(
    status: int | None, text: str | None, exc: BaseException | None = None
) -> EmissionResult:
    """The outcome of one `facturacion/nuevo` request (see the module docstring)."""
    if exc is not None:
        outcome, reason = _exception_outcome(exc)
        return EmissionResult(outcome, reason, (mask_secrets(type(exc).__name__),))
    if status is None:  # a caller's mistake, never an answer from the server
        raise ValueError("classify_emission needs the HTTP status or the exception")
    if status == 429:
        return EmissionResult(
            Outcome.RETRY, "http_429", ("Demasiados pedidos por segundo (HTTP 429)",), http_status=status
        )
    if status in (401, 403):
        return EmissionResult(
            Outcome.STOP, "credenciales", (f"Acceso denegado (HTTP {status})",), http_status=status
        )
    if status in (404, 405):
        return EmissionResult(
            Outcome.STOP, "url", (f"La URL de la API no es válida (HTTP {status})",), http_status=status
        )
    if status == 400:
        return EmissionResult(
            Outcome.REJECTED, "http_400", ("TusFacturas rechazó el pedido (HTTP 400)",), http_status=status
        )
    if status != 200:
        return EmissionResult(
            Outcome.IN_DOUBT, f"http_{status}", (f"Respuesta HTTP {status}",), http_status=status
        )
    try:
        body = json.loads(text or "")
    except ValueError:
        return EmissionResult(
            Outcome.IN_DOUBT, "respuesta_ilegible", ("Respuesta ilegible de TusFacturas",), http_status=status
        )
    if not isinstance(body, dict):
        return EmissionResult(
            Outcome.IN_DOUBT, "respuesta_ilegible", ("Respuesta ilegible de TusFacturas",), http_status=status
        )
    errores = tuple(str(e).strip() for e in as_list(body.get("errores")) if str(e).strip())
    if str(body.get("mantenimiento", "")).strip() == "1":
        return EmissionResult(Outcome.RETRY, "mantenimiento", errores, body, status)
    flag = str(body.get("error", "")).strip().upper()
    if flag == "N":
        return EmissionResult(Outcome.EMITTED, "ok", errores, body, status)
    if flag != "S":  # not TusFacturas' answer shape (a proxy or gateway): it proves nothing
        return EmissionResult(
            Outcome.IN_DOUBT, "respuesta_ilegible", ("Respuesta inesperada de TusFacturas",), body, status
        )
    if str(body.get("requiere_fec", "")).strip().upper() == "SI":
        return EmissionResult(Outcome.REJECTED, "requiere_fce", errores, body, status)
    details = " ".join(
        str(d.get("code", "")) + " " + str(d.get("text", ""))
        for d in as_list(body.get("error_details"))
        if isinstance(d, dict)
    )
    joined = plain_text(" ".join(errores) + " " + details)
    for pattern, outcome, reason in MESSAGE_RULES:
        if re.search(pattern, joined):
            return EmissionResult(outcome, reason, errores, body, status)
    return EmissionResult(
        Outcome.REJECTED, "datos", errores or ("TusFacturas rechazó el comprobante",), body, status
    )
