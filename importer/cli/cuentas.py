"""`tf-import cuentas`: the configured accounts (never their secrets) and, with --probar, which work.

The probe is ONE `facturacion/numeracion` per account, for a tipo the account can issue in its own
punto de venta: it bills nothing, and it proves the triple works for that punto de venta (a triple
is issued per CUIT and punto de venta). Exit 0 when every account works, 3 when any does not.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from importer.dominio.errores import ExitCode, UsageError
from importer.dominio.formato import es_loopback
from importer.dominio.reloj import hoy_en_argentina
from importer.emision.api import DEFAULT_BASE_URL, make_session
from importer.emision.cuentas import EJEMPLO, Cuenta, cargar_cuentas, ruta_cuentas, ruta_por_defecto
from importer.emision.secrets import ENV_NAMES, load_credentials, load_settings, mask_secrets

PROBE_TIMEOUT = (10.0, 30.0)  # connect, read


@dataclass(frozen=True)
class Prueba:
    cuenta: Cuenta
    funciona: bool
    detalle: str


def add_cuentas_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--cuentas",
        type=Path,
        metavar="RUTA",
        help="archivo de cuentas (por defecto el de TF_IMPORT_CUENTAS o el de la carpeta de configuración)",
    )
    p.add_argument(
        "--probar",
        action="store_true",
        help="prueba cada cuenta con una consulta de numeración (no emite ni factura nada)",
    )
    p.add_argument(
        "--sandbox",
        action="store_true",
        help="usa el simulador local: las cuentas del archivo con sus credenciales de demostración",
    )
    p.add_argument(
        "--base-url", metavar="URL", help="URL de la API (por defecto TUSFACTURAS_BASE_URL o la oficial)"
    )


def cuentas_command(args: argparse.Namespace) -> int:
    from importer.cli.simulador import SimuladorIntegrado

    settings = load_settings()
    simulador = SimuladorIntegrado()
    path = ruta_cuentas(args.cuentas, settings)
    if path is None:
        return _sin_archivo(args, settings, simulador)
    simuladas = simulador.credenciales_de if args.sandbox else None
    cuentas = cargar_cuentas(path, settings, simuladas=simuladas)
    print(f"Cuentas de {path} ({len(cuentas)}):")
    _listar(cuentas)
    if args.sandbox:
        print("Con --sandbox cada cuenta usa la terna de demostración del simulador, no la del archivo.")
    if not args.probar:
        return ExitCode.OK
    return _probar(args, settings, simulador, cuentas)


def _sin_archivo(args: argparse.Namespace, settings: dict[str, str], simulador: Any) -> int:
    print(
        "No hay archivo de cuentas. Se busca en --cuentas RUTA, en la variable TF_IMPORT_CUENTAS o en\n"
        f"  {ruta_por_defecto()}\n"
        "Cree ese archivo con una tabla [[cuenta]] por cada CUIT y punto de venta, por ejemplo:\n\n"
        + _indent(EJEMPLO)
        + "\nLas credenciales pueden ir en el archivo (usertoken, apikey, apitoken; entonces guárdelo con "
        "permisos 600: chmod 600 RUTA) o en variables de entorno nombradas con usertoken_env, apikey_env "
        'y apitoken_env. Opcionales: condicion_iva ("RI" o "M") y fce_cbu, fce_alias, fce_transferencia.'
    )
    if args.sandbox:
        demo = simulador.cuentas_demo()
        print(f"\nCon --sandbox, sin archivo, están las cuentas de demostración del simulador ({len(demo)}):")
        _listar(demo)
        return _probar(args, settings, simulador, demo) if args.probar else ExitCode.OK
    if load_credentials(settings) is not None:
        print(
            "\nAhora se usa la terna de " + ", ".join(ENV_NAMES) + " (entorno o .env) como una sola cuenta "
            "para todos los puntos de venta."
        )
    else:
        print("\nTampoco están definidas " + ", ".join(ENV_NAMES) + ": no hay ninguna cuenta configurada.")
    if args.probar:
        raise UsageError(
            "--probar necesita un archivo de cuentas: cada cuenta se prueba en su punto de venta."
        )
    return ExitCode.OK


def _listar(cuentas: Sequence[Cuenta]) -> None:
    for index, c in enumerate(cuentas, 1):
        print(f"  {index}. {c.nombre}")
        print(f"     CUIT {c.cuit_con_guiones} · punto de venta {c.punto_venta} · {c.condicion_nombre}")
        print(f"     credenciales: {c.credenciales_desde}")
        fce = [
            f"{label} {value}"
            for label, value in (
                ("CBU", c.fce.cbu),
                ("alias", c.fce.alias),
                ("transferencia", c.fce.transferencia),
            )
            if value
        ]
        if fce:
            print(f"     FCE por defecto: {', '.join(fce)}")


def _probar(
    args: argparse.Namespace, settings: dict[str, str], simulador: Any, cuentas: Sequence[Cuenta]
) -> int:
    print("\nPrueba (una consulta de numeración por cuenta; no emite ni factura nada):")
    with _api(args, settings, simulador, cuentas) as base_url:
        session = make_session()
        if es_loopback(base_url):
            session.trust_env = False
        pruebas = [probar_cuenta(session, base_url, c) for c in cuentas]
    for p in pruebas:
        estado = "funciona" if p.funciona else "NO funciona"
        print(f"  {p.cuenta.nombre}: {estado}: {p.detalle}")
    fallan = sum(not p.funciona for p in pruebas)
    if fallan:
        print(
            f"{fallan} de {len(pruebas)} cuentas no funcionan: corrija las credenciales o el punto de venta y pruebe de nuevo.",
            file=sys.stderr,
        )
        return ExitCode.STOPPED
    print(f"Las {len(pruebas)} cuentas funcionan." if len(pruebas) > 1 else "La cuenta funciona.")
    return ExitCode.OK


@contextmanager
def _api(
    args: argparse.Namespace, settings: dict[str, str], simulador: Any, cuentas: Sequence[Cuenta]
) -> Iterator[str]:
    """The API to probe: the given URL, or the in-process simulator with the accounts registered."""
    if args.sandbox and not args.base_url:
        from importer.emision.rutas import data_dir

        with simulador.en_marcha(hoy_en_argentina(), data_dir() / "sandbox", cuentas) as url:
            yield url
        return
    if args.sandbox and not es_loopback(args.base_url):
        raise UsageError(
            "--sandbox con --base-url solo acepta un simulador en esta computadora (127.0.0.1 o localhost)."
        )
    yield (args.base_url or settings.get("TUSFACTURAS_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")


def probar_cuenta(session: requests.Session, base_url: str, cuenta: Cuenta) -> Prueba:
    """One numbering lookup for a tipo the account issues, in its punto de venta."""
    tipo = "FACTURA C" if cuenta.condicion_iva == "M" else "FACTURA B"
    body: dict[str, Any] = {
        **cuenta.credentials.as_body(),
        "comprobante": {"tipo": tipo, "operacion": "V", "punto_venta": str(cuenta.punto_venta)},
    }
    try:
        response = session.post(f"{base_url}/facturacion/numeracion", json=body, timeout=PROBE_TIMEOUT)
    except requests.Timeout:
        return Prueba(cuenta, False, f"TusFacturas no respondió a tiempo ({base_url})")
    except requests.RequestException:
        return Prueba(cuenta, False, f"no se pudo conectar con {base_url}: revise la conexión y la URL")
    status = response.status_code
    if status in (401, 403):
        return Prueba(
            cuenta, False, f"credenciales rechazadas (HTTP {status}): revise usertoken, apikey y apitoken"
        )
    if status == 429:
        return Prueba(cuenta, False, "TusFacturas pidió esperar (HTTP 429): pruebe de nuevo en unos segundos")
    if status != 200:
        return Prueba(cuenta, False, f"TusFacturas respondió HTTP {status}")
    try:
        data = response.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return Prueba(cuenta, False, "respuesta ilegible de TusFacturas")
    if str(data.get("mantenimiento", "")).strip() == "1":
        return Prueba(cuenta, False, "TusFacturas está en mantenimiento: pruebe más tarde")
    if str(data.get("error", "")).strip().upper() != "N":
        errores = data.get("errores")
        texto = " ".join(str(e) for e in errores if e) if isinstance(errores, list) else str(errores or "")
        return Prueba(
            cuenta, False, "TusFacturas respondió: " + (mask_secrets(texto.strip()) or "error sin detalle")
        )
    comp = data.get("comprobante")
    numero = str(comp.get("numero", "")).strip() if isinstance(comp, dict) else ""
    ultimo = (
        f"último {tipo} del punto de venta {cuenta.punto_venta}: {numero}"
        if numero.isdigit()
        else "respondió"
    )
    return Prueba(cuenta, True, ultimo)


def _indent(text: str) -> str:
    return "".join(f"    {line}\n" for line in text.splitlines())
