"""The endpoints of the simulated API: one method per path, each taking a parsed request.

HTTP, authentication and transport faults live in `server.py`; here is what TusFacturas does once
a request has reached it: validate, consult AFIP's rules, commit, answer.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from importer.sandbox import fce, rules, views
from importer.sandbox.cuit import is_valid_cuit
from importer.sandbox.faults import Decision
from importer.sandbox.fields import FieldReader, Rejection
from importer.sandbox.pdf import render_pdf
from importer.sandbox.qr import qr_data, qr_url
from importer.sandbox.request import TIPO_NAMES, Pedido, parse_nuevo
from importer.sandbox.state import Account, Store
from importer.sandbox.tablas import DOCUMENTOS, GRANDES_EMPRESAS, TIPOS
from importer.sandbox.values import ahora_argentina, fmt_amount, fmt_date, json_number, plain

if TYPE_CHECKING:
    from importer.sandbox.profile import IssuerProfile

JSON = "application/json; charset=utf-8"
CREDENTIALS = ("usertoken", "apikey", "apitoken")
LOOKUP_ERROR = "Se produjo un error al procesar la consulta. Intente nuevamente en unos minutos."
_PDF_NAME = re.compile(r"(ticket-)?(?P<slug>[A-Za-z0-9_]+)-(?P<pv>\d{5})-(?P<nro>\d{8})\.pdf")
_SLUGS = {
    views.pdf_name({"tipo": t.nombre, "punto_venta": 0, "numero": 0}).split("-")[0]: t.nombre for t in TIPOS
}


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: dict[str, Any] | None = None
    raw: bytes = b""
    content_type: str = JSON
    headers: tuple[tuple[str, str], ...] = ()
    drop: bool = False  # close the socket without answering
    note: str = ""  # for the request log


@dataclass(frozen=True)
class Call:
    """One authenticated request on its way to an endpoint."""

    account: Account
    body: dict[str, Any]
    base_url: str
    decision: Decision = field(default_factory=Decision)
    raw: bytes = b""  # the body as received
    profile: IssuerProfile | None = None  # a registered account's issuer; None: the sandbox's
    registrada: bool = False  # a registered triple: one punto de venta only (emisores.py)


@dataclass
class Settings:
    profile: IssuerProfile
    tope_cf: Decimal
    check_totals: bool
    hoy: Callable[[], date]
    afip_down_seconds: Callable[[], float]
    monto_fce: Decimal | None = None  # None: AFIP's minimum in force on each date (tablas)
    perfil_de: Callable[[str], IssuerProfile | None] = lambda _account_id: None  # registered issuers


class Api:
    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings

    # -- emission ---------------------------------------------------------------------------

    def nuevo(self, call: Call) -> Reply:
        comp = call.body.get("comprobante")
        raw_ref = comp.get("external_reference") if isinstance(comp, dict) else None
        ref = raw_ref if isinstance(raw_ref, str) else ""
        if self.settings.afip_down_seconds() > 0:
            text = views.afip_down_text(ahora_argentina())
            return Reply(body=views.rejection([Rejection(text)], ref), note="AFIP caído")
        if call.decision.pre == "error":
            return Reply(body=views.rejection([Rejection(rules.AFIP_TRANSITORIO)], ref), note="falla: error")
        if call.decision.pre == "solo_arca":
            return Reply(body=views.rejection([Rejection(rules.SOLO_EN_ARCA)], ref), note="falla: solo_arca")
        ajeno = _punto_venta_ajeno(call, comp.get("punto_venta") if isinstance(comp, dict) else None)
        if ajeno:
            return Reply(body=views.rejection([Rejection(ajeno)], ref), note="punto de venta ajeno")
        pedido, errors = parse_nuevo(call.body)
        if pedido is None:
            return Reply(body=views.rejection(errors, ref), note="rechazado")
        s = self.settings
        profile = call.profile or s.profile
        errors = rules.afip_checks(pedido, profile, s.hoy(), s.tope_cf, s.check_totals)
        forced = call.decision.fec is not None and _requires_fce(pedido, call.decision.fec)
        if not errors and (forced or fce.debe_ser_fce(pedido, s.monto_fce)):
            requiere = [rules.afip(10192, rules.REQUIERE_FCE)]
            return Reply(body=views.rejection(requiere, ref, requiere_fec="SI"), note="requiere FCE")
        if errors:
            return Reply(body=views.rejection(errors, ref), note="rechazado por AFIP")
        account = call.account
        with self.store.lock:
            pv, tipo = pedido.punto_venta, pedido.tipo.nombre
            errors = rules.state_checks(
                pedido, profile, account.last_number(pv, tipo), account.ultima_fecha.get(pv), account.find
            )
            if errors:
                return Reply(body=views.rejection(errors, ref), note="rechazado por AFIP")
            record = self._record(account, pedido, call)
            self.store.commit(account, record)
        note = f"{record['tipo']} {record['punto_venta']:05d}-{record['numero']:08d}"
        if call.decision.post == "sin_cae":
            return Reply(body=views.rejection([Rejection(rules.SIN_CAE)], ref), note=f"{note} (sin CAE)")
        urls = views.pdf_urls(call.base_url, account.id, record)
        return Reply(body=views.success(record, profile.razon_social, urls), note=note)

    def _record(self, account: Account, p: Pedido, call: Call) -> dict[str, Any]:
        numero = account.last_number(p.punto_venta, p.tipo.nombre) + 1
        cae = f"7{secrets.randbelow(10**13):013d}"
        notes = rules.observaciones(p) + ([rules.OBSERVACION_10063] if call.decision.observacion else [])
        qr = qr_url(
            qr_data(
                fecha=p.fecha,
                cuit=(call.profile or self.settings.profile).cuit,
                punto_venta=p.punto_venta,
                tipo_afip=p.tipo.afip_code,
                numero=numero,
                total=p.total,
                moneda=p.moneda,
                cotizacion=p.cotizacion,
                doc_tipo_afip=DOCUMENTOS[p.documento_tipo],
                doc_nro=p.documento_nro,
                cae=cae,
            )
        )
        # Parsing the raw body again (floats, as any client would read it) is cheaper than converting.
        parsed = json.loads(call.raw) if call.raw else plain(call.body)
        payload = {k: v for k, v in parsed.items() if k not in CREDENTIALS}
        cliente = payload["cliente"]
        return {
            "seq": len(account.comprobantes) + 1,
            "external_reference": p.external_reference,
            "tipo": p.tipo.nombre,
            "punto_venta": p.punto_venta,
            "numero": numero,
            "fecha": fmt_date(p.fecha),
            "vencimiento_pago": fmt_date(p.vencimiento),
            "cae": cae,
            "vencimiento_cae": fmt_date(rules.vencimiento_cae(p.fecha)),
            "total": fmt_amount(p.total),
            "moneda": p.moneda,
            "cotizacion": str(p.cotizacion),
            "cliente_documento_tipo": p.documento_tipo,
            "cliente_documento_nro": p.documento_nro,
            "cliente_razon_social": cliente.get("razon_social", ""),
            "cliente": cliente,
            "observaciones": " ".join(notes),
            "afip_qr": qr,
            "payload": payload,
            "creado": datetime.now().astimezone().isoformat(timespec="milliseconds"),
        }

    # -- lookups ------------------------------------------------------------------------------

    def _identify(self, call: Call, *, with_number: bool) -> tuple[str, int, int] | list[Rejection]:
        r = FieldReader()
        comp = r.block(call.body, "comprobante", "comprobante")
        if comp is None:
            return r.errors
        tipo = r.choice(comp, "tipo", "comprobante.tipo", TIPO_NAMES, required=True)
        pv = r.integer(comp, "punto_venta", "comprobante.punto_venta", required=True, lo=1, hi=99999)
        numero = r.integer(comp, "numero", "comprobante.numero", required=with_number, lo=1, hi=99999999)
        if r.errors:
            return r.errors
        assert tipo and pv
        return tipo, pv, numero or 0

    def _found(self, call: Call) -> dict[str, Any] | Reply:
        if call.decision.pre == "error":
            return Reply(body=views.simple_error(LOOKUP_ERROR), note="falla: error")
        key = self._identify(call, with_number=True)
        if isinstance(key, list):
            return Reply(body=views.rejection(key) | {"rta": "ERROR"})
        tipo, pv, numero = key
        ajeno = _punto_venta_ajeno(call, pv)
        if ajeno:
            return Reply(body=views.simple_error(ajeno), note="punto de venta ajeno")
        with self.store.lock:
            record = call.account.find(tipo, pv, numero)
        if record is None:
            text = f"No existe el comprobante {tipo} {pv:05d}-{numero:08d} en esta cuenta."
            return Reply(body=views.simple_error(text), note="no existe")
        return record

    def consulta(self, call: Call) -> Reply:
        found = self._found(call)
        if isinstance(found, Reply):
            return found
        entry = views.lookup_entry(found, views.pdf_urls(call.base_url, call.account.id, found))
        return Reply(body={"error": "N", "errores": [""], "rta": "OK", **entry})

    def regenerar_pdf(self, call: Call) -> Reply:
        found = self._found(call)
        if isinstance(found, Reply):
            return found
        pdf, ticket = views.pdf_urls(call.base_url, call.account.id, found)
        return Reply(
            body={"error": "N", "errores": [""], "comprobante_pdf_url": pdf, "comprobante_ticket_url": ticket}
        )

    def numeracion(self, call: Call) -> Reply:
        if call.decision.pre == "error":
            return Reply(body=views.simple_error(LOOKUP_ERROR), note="falla: error")
        key = self._identify(call, with_number=False)
        if isinstance(key, list):
            return Reply(body=views.rejection(key) | {"rta": "ERROR"})
        tipo, pv, _ = key
        ajeno = _punto_venta_ajeno(call, pv)
        if ajeno:
            return Reply(body=views.simple_error(ajeno), note="punto de venta ajeno")
        with self.store.lock:
            ultimo = call.account.last_number(pv, tipo)
        return Reply(
            body={
                "error": "N",
                "errores": [""],
                "rta": "OK",
                "comprobante": {"tipo": tipo, "operacion": "V", "punto_venta": pv, "numero": ultimo},
            }
        )

    def consulta_avanzada(self, call: Call) -> Reply:
        empty = {"rta": "ERROR", "total": 0, "comprobantes": []}
        if call.decision.pre == "error":
            return Reply(body=views.simple_error(LOOKUP_ERROR, total=0, comprobantes=[]), note="falla: error")
        r = FieldReader()
        modo = r.choice(call.body, "busqueda_tipo", "busqueda_tipo", ("F", "TN", "EXT_REF"), required=True)
        pagina = r.integer(call.body, "pagina", "pagina") or 0
        limite = r.integer(call.body, "limite", "limite", hi=1000)
        limite = 100 if limite is None else limite
        comp = r.block(call.body, "comprobante", "comprobante")
        if r.errors or comp is None or modo is None:
            return Reply(body=views.rejection(r.errors) | empty)
        match = _matcher(r, modo, comp)
        if r.errors:
            return Reply(body=views.rejection(r.errors) | empty)
        ajeno = _punto_venta_ajeno(call, comp.get("punto_venta") if modo == "TN" else None)
        if ajeno:
            return Reply(
                body=views.simple_error(ajeno, total=0, comprobantes=[]), note="punto de venta ajeno"
            )
        propios = call.profile.puntos_venta if call.registrada and call.profile else None
        with self.store.lock:
            account = call.account
            # The reconciliation path asks by reference after every doubt: use the index, not a scan.
            pool = (
                account.by_ref.get(comp["external_reference"], [])
                if modo == "EXT_REF"
                else account.comprobantes
            )
            # A registered triple sees only its own punto de venta, as the real API.
            found = [rec for rec in pool if match(rec) and (propios is None or rec["punto_venta"] in propios)]
        # Newest first: by issue date, then by arrival.
        found.sort(key=lambda rec: (_date_key(rec["fecha"]), rec["seq"]), reverse=True)
        page = found[pagina * limite : (pagina + 1) * limite]
        entries = [
            views.lookup_entry(rec, views.pdf_urls(call.base_url, call.account.id, rec)) for rec in page
        ]
        return Reply(
            body={"rta": "OK", "error": "N", "total": len(found), "errores": [], "comprobantes": entries},
            note=f"{len(found)} encontrados",
        )

    # -- status -------------------------------------------------------------------------------

    def alertas(self, call: Call) -> Reply:
        down = self.settings.afip_down_seconds() > 0
        return Reply(body=views.alertas(views.afip_down_text(ahora_argentina()) if down else None))

    def requiere_fec(self, call: Call) -> Reply:
        """Is this CUIT obliged to receive FCE, and from what amount (tusfacturas-api.md §9.7)."""
        if call.decision.pre == "error":
            return Reply(body=views.simple_error(LOOKUP_ERROR), note="falla: error")
        r = FieldReader()
        cuit = r.text(call.body, "cuit", "cuit", required=True)
        if cuit is not None and not is_valid_cuit(cuit):
            r.fail(f"El CUIT enviado {cuit} es invalido.")  # the docs' own wording
        fecha = r.date(call.body, "fecha", "fecha", required=True)
        if r.errors or cuit is None or fecha is None:
            return Reply(body={"error": "S", "errores": [e.text for e in r.errors], "rta": ""})
        obligado = cuit in GRANDES_EMPRESAS
        return Reply(
            body={
                "error": "N",
                "errores": [],
                "rta": "",
                "esta_obligado": "S" if obligado else "N",
                "importe_desde": json_number(fce.minimo_fce(fecha, self.settings.monto_fce)),
            },
            note=f"obligado: {'S' if obligado else 'N'}",
        )

    def topecf(self, call: Call) -> Reply:
        return Reply(body={"error": "N", "errores": [], "monto": json_number(self.settings.tope_cf)})

    # -- downloads ----------------------------------------------------------------------------

    def pdf(self, account_id: str, name: str) -> Reply:
        match = _PDF_NAME.fullmatch(name)
        account = self.store.peek(account_id)
        tipo = _SLUGS.get(match.group("slug")) if match else None
        if match is None or account is None or tipo is None:
            return not_found()
        with self.store.lock:
            record = account.find(tipo, int(match.group("pv")), int(match.group("nro")))
        if record is None:
            return not_found()
        data = render_pdf(record, self.settings.perfil_de(account_id) or self.settings.profile)
        disposition = ("Content-Disposition", f'inline; filename="{name}"')
        return Reply(raw=data, content_type="application/pdf", headers=(disposition,), note=name)


def _matcher(r: FieldReader, modo: str, comp: dict[str, Any]) -> Callable[[dict[str, Any]], bool]:
    """Which stored comprobantes a `consulta_avanzada` search selects (EXT_REF is an exact match)."""
    if modo == "EXT_REF":
        ref = r.text(comp, "external_reference", "comprobante.external_reference", required=True)
        return lambda rec: rec["external_reference"] == ref
    if modo == "F":
        fecha = r.date(comp, "fecha", "comprobante.fecha", required=True)
        return lambda rec: fecha is not None and rec["fecha"] == fmt_date(fecha)
    tipo = r.choice(comp, "tipo", "comprobante.tipo", TIPO_NAMES, required=True)
    pv = r.integer(comp, "punto_venta", "comprobante.punto_venta", required=True, lo=1)
    desde = r.integer(comp, "numero_desde", "comprobante.numero_desde", required=True) or 0
    hasta = r.integer(comp, "numero_hasta", "comprobante.numero_hasta", required=True) or 0
    return lambda rec: rec["tipo"] == tipo and rec["punto_venta"] == pv and desde <= rec["numero"] <= hasta


def _punto_venta_ajeno(call: Call, raw: object) -> str:
    """The refusal when a registered triple is used for another punto de venta ("" when fine).

    The real wording is not published; "El punto de venta enviado no es válido" is what users report
    from TusFacturas, and the explanation after it is the simulator's [simulator choice].
    """
    if not call.registrada or call.profile is None or raw is None:
        return ""
    try:
        pv = int(str(raw).strip())
    except ValueError:
        return ""  # the field's own validation answers
    if pv in call.profile.puntos_venta:
        return ""
    propio = ", ".join(str(n) for n in sorted(call.profile.puntos_venta))
    return (
        f"El punto de venta enviado no es válido ({pv}): las credenciales utilizadas corresponden al "
        f"punto de venta {propio} de la CUIT {call.profile.cuit_con_guiones}."
    )


def _requires_fce(p: Pedido, threshold: Decimal) -> bool:
    return not p.tipo.fce and p.documento_tipo == "CUIT" and p.total_pesos >= threshold


def _date_key(text: str) -> tuple[str, str, str]:
    day, month, year = text.split("/")
    return year, month, day


def not_found() -> Reply:
    return Reply(status=404, body={"error": "S", "errores": ["El recurso solicitado no existe."]})
