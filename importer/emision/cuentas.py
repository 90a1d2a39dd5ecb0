"""The accounts file (interface.md §10): one credential triple per CUIT and punto de venta.

TusFacturas gives one triple per (CUIT, punto de venta) and its lookups only see that punto de
venta, so a run that bills several of them needs one account each. This module reads and checks
`cuentas.toml` (pure: no network) and says which account a comprobante belongs to. Every problem
is a `UsageError` naming the file, the account and the key — never a secret.
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from importer.dominio.comprobantes import DatosFce
from importer.dominio.documentos import cuit_problem
from importer.dominio.errores import UsageError
from importer.emision.secrets import Credentials, mask_secrets

ENV_CUENTAS = "TF_IMPORT_CUENTAS"
ARCHIVO_CUENTAS = "cuentas.toml"
CREDENTIAL_KEYS = ("usertoken", "apikey", "apitoken")
FCE_KEYS = ("fce_cbu", "fce_alias", "fce_transferencia")
KNOWN_KEYS = frozenset(
    {"nombre", "cuit", "punto_venta", "condicion_iva", *FCE_KEYS}
    | {*CREDENTIAL_KEYS, *(f"{key}_env" for key in CREDENTIAL_KEYS)}
)
CONDICIONES = {"RI": "Responsable Inscripto", "M": "Monotributo"}
EN_EL_ARCHIVO = "en el archivo"
_ALIAS = re.compile(r"[A-Za-z0-9.\-]{6,20}")
# What a user may type for condicion_iva, lower-cased.
_CONDICION_ALIASES = {
    "ri": "RI",
    "responsable inscripto": "RI",
    "m": "M",
    "mt": "M",
    "monotributo": "M",
    "monotributista": "M",
    "responsable monotributo": "M",
}

# The simulator's credentials for (cuit, punto_venta): used instead of the file's secrets.
CredencialesSimuladas = Callable[[str, int], Credentials]


@dataclass(frozen=True)
class Cuenta:
    """One TusFacturas account: who issues (CUIT), where (punto de venta) and with which triple."""

    nombre: str
    cuit: str  # 11 digits
    punto_venta: int
    credentials: Credentials  # its repr is masked
    fce: DatosFce = field(default_factory=DatosFce)  # defaults: cbu, alias, transferencia
    condicion_iva: str = "RI"  # "RI" or "M": the issuer, as the simulator plays it
    origen: str = ""  # "RUTA, cuenta N", for messages
    credenciales_desde: str = EN_EL_ARCHIVO  # or the variables' names; never the values

    @property
    def cuit_con_guiones(self) -> str:
        return con_guiones(self.cuit)

    @property
    def condicion_nombre(self) -> str:
        return CONDICIONES.get(self.condicion_iva, self.condicion_iva)

    def describir(self) -> str:
        """«Local Centro» (CUIT 30-71234567-8, punto de venta 3): for messages."""
        return f"«{self.nombre}» (CUIT {self.cuit_con_guiones}, punto de venta {self.punto_venta})"


def con_guiones(cuit: str) -> str:
    return f"{cuit[:2]}-{cuit[2:10]}-{cuit[10:]}" if len(cuit) == 11 else cuit


def ruta_cuentas(opcion: Path | None, settings: Mapping[str, str]) -> Path | None:
    """The accounts file to use: --cuentas, else TF_IMPORT_CUENTAS, else `cuentas.toml` in the
    per-user config folder when it exists; None means "no file" (the environment triple)."""
    if opcion is not None:
        return opcion
    env = settings.get(ENV_CUENTAS, "").strip()
    if env:
        return Path(env).expanduser()
    default = ruta_por_defecto()
    return default if default.is_file() else None


def ruta_por_defecto() -> Path:
    from platformdirs import user_config_dir

    return Path(user_config_dir("tf-import", appauthor=False)) / ARCHIVO_CUENTAS


def cargar_cuentas(
    path: Path, settings: Mapping[str, str], *, simuladas: CredencialesSimuladas | None = None
) -> list[Cuenta]:
    """Every `[[cuenta]]` of the file, checked. With `simuladas` (the sandbox) the file's secrets
    are neither read nor required: each account gets the simulator's triple for its CUIT and pv."""
    data = _read_toml(path)
    unknown = sorted(set(data) - {"cuenta"})
    if unknown:
        raise UsageError(
            f"{path}: clave desconocida «{unknown[0]}» fuera de las cuentas: cada cuenta va en una "
            "tabla [[cuenta]]."
        )
    tablas = data.get("cuenta")
    if not tablas:
        raise UsageError(
            f"{path}: no hay ninguna cuenta: agregue al menos una tabla [[cuenta]] (vea tf-import cuentas)."
        )
    if not isinstance(tablas, list) or not all(isinstance(t, dict) for t in tablas):
        raise UsageError(f"{path}: «cuenta» debe escribirse [[cuenta]] (con doble corchete), una por cuenta.")
    cuentas = [_cuenta(path, index, tabla, settings, simuladas) for index, tabla in enumerate(tablas, 1)]
    _check_unique(path, cuentas)
    if any(_has_inline_secret(t) for t in tablas):  # also with the simulator: the file is exposed
        _check_private(path)
    return cuentas


def cuenta_de(cuentas: Sequence[Cuenta], emisor_cuit: str, punto_venta: int) -> Cuenta | str:
    """The account of a comprobante, or a Spanish message saying what to add or fill in."""
    cuit = re.sub(r"[\s.\-]", "", emisor_cuit or "")
    if cuit:
        for cuenta in cuentas:
            if cuenta.cuit == cuit and cuenta.punto_venta == punto_venta:
                return cuenta
        return (
            f"no hay ninguna cuenta para la CUIT {con_guiones(cuit)}, punto de venta {punto_venta}: "
            "agréguela en cuentas.toml (una tabla [[cuenta]] con su cuit, punto_venta y credenciales)."
        )
    mismas = [c for c in cuentas if c.punto_venta == punto_venta]
    if len(mismas) == 1:
        return mismas[0]
    if not mismas:
        return (
            f"no hay ninguna cuenta con el punto de venta {punto_venta}: agréguela en cuentas.toml "
            "(una tabla [[cuenta]] con su cuit, punto_venta y credenciales)."
        )
    cuits = ", ".join(c.cuit_con_guiones for c in mismas)
    return (
        f"hay {len(mismas)} cuentas con el punto de venta {punto_venta} (CUIT {cuits}): "
        "complete la columna emisor_cuit para indicar cuál emite."
    )


# --- reading ------------------------------------------------------------------------------------


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"{path}: no existe el archivo de cuentas.") from None
    except IsADirectoryError:
        raise UsageError(f"{path}: es una carpeta, no un archivo de cuentas.") from None
    except OSError as exc:
        raise UsageError(f"{path}: no se pudo leer el archivo de cuentas ({exc.strerror or exc}).") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UsageError(f"{path}: el archivo de cuentas debe estar guardado en UTF-8.") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: {_syntax_error(exc)}") from None


def _syntax_error(exc: tomllib.TOMLDecodeError) -> str:
    message = str(exc)
    line = getattr(exc, "lineno", None)
    column = getattr(exc, "colno", None)
    found = re.search(r"\(at line (\d+), column (\d+)\)", message)
    if found and line is None:
        line, column = int(found.group(1)), int(found.group(2))
    detail = mask_secrets(re.sub(r"\s*\(at line \d+, column \d+\)|\s*\(at end of document\)", "", message))
    where = f"en la línea {line}, columna {column}" if line else "al final del archivo"
    return (
        f"error de sintaxis TOML {where} ({detail}): revise las comillas de los textos, "
        "el signo = y los corchetes de [[cuenta]]."
    )


def _cuenta(
    path: Path,
    index: int,
    tabla: dict[str, Any],
    settings: Mapping[str, str],
    simuladas: CredencialesSimuladas | None,
) -> Cuenta:
    nombre_raw = tabla.get("nombre")
    nombre = nombre_raw.strip() if isinstance(nombre_raw, str) else ""
    where = f"{path}, cuenta {index}" + (f" («{nombre}»)" if nombre else "")

    def fail(problem: str) -> UsageError:
        return UsageError(f"{where}: {problem}")

    for key in tabla:
        if key not in KNOWN_KEYS:
            raise fail(f"clave desconocida «{key}»{_suggestion(key)}.")
    if nombre_raw is not None and not nombre:
        raise fail("«nombre» debe ser un texto no vacío.")
    cuit = _cuit(tabla, fail)
    punto_venta = _punto_venta(tabla, fail)
    condicion = _condicion(tabla, fail)
    fce = _fce(tabla, fail)
    if simuladas is not None:
        _credential_sources(tabla, fail, settings, resolve=False)
        credentials, desde = simuladas(cuit, punto_venta), "el simulador (credenciales de demostración)"
    else:
        values, desde = _credential_sources(tabla, fail, settings, resolve=True)
        credentials = Credentials(*values)
    return Cuenta(
        nombre=nombre or f"CUIT {con_guiones(cuit)} PV {punto_venta}",
        cuit=cuit,
        punto_venta=punto_venta,
        credentials=credentials,
        fce=fce,
        condicion_iva=condicion,
        origen=f"{path}, cuenta {index}",
        credenciales_desde=desde,
    )


def _suggestion(key: str) -> str:
    import difflib

    close = difflib.get_close_matches(key.lower(), sorted(KNOWN_KEYS), n=1, cutoff=0.6)
    return f" (¿quiso decir «{close[0]}»?)" if close else ""


def _cuit(tabla: dict[str, Any], fail: Callable[[str], UsageError]) -> str:
    raw = tabla.get("cuit")
    if raw is None:
        raise fail("falta «cuit» (la CUIT que emite, con o sin guiones).")
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        raise fail('«cuit» debe ser un texto como "30-71234567-8".')
    digits = re.sub(r"[\s.\-]", "", str(raw))
    problem = cuit_problem(digits)
    if problem:
        raise fail(f"la CUIT «{raw}» no es válida: {problem}.")
    return digits


def _punto_venta(tabla: dict[str, Any], fail: Callable[[str], UsageError]) -> int:
    raw = tabla.get("punto_venta")
    if raw is None:
        raise fail("falta «punto_venta» (un número entero de 1 a 99999).")
    value = raw if isinstance(raw, int) and not isinstance(raw, bool) else None
    if isinstance(raw, str) and raw.strip().isdigit():
        value = int(raw.strip())
    if value is None or not 1 <= value <= 99999:
        raise fail(f"«punto_venta» debe ser un número entero de 1 a 99999 (se leyó {raw!r}).")
    return value


def _condicion(tabla: dict[str, Any], fail: Callable[[str], UsageError]) -> str:
    raw = tabla.get("condicion_iva", "RI")
    found = _CONDICION_ALIASES.get(raw.strip().lower()) if isinstance(raw, str) else None
    if found is None:
        raise fail(
            f'«condicion_iva» debe ser "RI" (Responsable Inscripto) o "M" (Monotributo); se leyó {raw!r}.'
        )
    return found


def _fce(tabla: dict[str, Any], fail: Callable[[str], UsageError]) -> DatosFce:
    texts: dict[str, str] = {}
    for key in FCE_KEYS:
        raw = tabla.get(key, "")
        if isinstance(raw, int) and not isinstance(raw, bool) and key == "fce_cbu":
            raise fail("«fce_cbu» debe ir entre comillas: un número pierde los ceros iniciales.")
        if not isinstance(raw, str):
            raise fail(f"«{key}» debe ser un texto.")
        texts[key] = raw.strip()
    cbu = re.sub(r"[\s\-]", "", texts["fce_cbu"])
    if cbu:
        from stdnum.ar import cbu as stdnum_cbu
        from stdnum.exceptions import ValidationError

        if not re.fullmatch(r"\d{22}", cbu):
            raise fail(f"«fce_cbu» debe tener 22 dígitos (tiene {len(re.sub(r'[^0-9]', '', cbu))}).")
        try:
            stdnum_cbu.validate(cbu)
        except ValidationError:
            raise fail("«fce_cbu» tiene dígitos verificadores incorrectos: revise el CBU.") from None
    alias = texts["fce_alias"]
    if alias and not _ALIAS.fullmatch(alias):
        raise fail("«fce_alias» debe tener de 6 a 20 letras, números, puntos o guiones.")
    transferencia = texts["fce_transferencia"].upper()
    if transferencia and transferencia not in ("SCA", "ADC"):
        raise fail(
            '«fce_transferencia» debe ser "SCA" (sistema de circulación abierta) o "ADC" '
            "(agente de depósito colectivo)."
        )
    return DatosFce(cbu=cbu, alias=alias, transferencia=transferencia)


def _credential_sources(
    tabla: dict[str, Any], fail: Callable[[str], UsageError], settings: Mapping[str, str], *, resolve: bool
) -> tuple[list[str], str]:
    """The three secrets (when `resolve`) and where they come from, for `tf-import cuentas`."""
    values: list[str] = []
    variables: list[str] = []
    for key in CREDENTIAL_KEYS:
        inline, env_key = tabla.get(key), f"{key}_env"
        variable = tabla.get(env_key)
        if inline is not None and variable is not None:
            raise fail(f"tiene «{key}» y «{env_key}»: deje solo una de las dos.")
        if inline is None and variable is None:
            raise fail(f"falta «{key}» (o «{env_key}» con el nombre de la variable que lo tiene).")
        if variable is not None:
            if not isinstance(variable, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", variable.strip()):
                raise fail(
                    f'«{env_key}» debe ser el nombre de una variable de entorno, como "TF_CENTRO_{key.upper()}".'
                )
            name = variable.strip()
            variables.append(name)
            value = settings.get(name, "").strip()
            if resolve and not value:
                raise fail(
                    f"la variable {name} (de «{env_key}») no está definida o está vacía (ni en el entorno ni en .env)."
                )
        else:
            if isinstance(inline, bool) or not isinstance(inline, str | int):
                raise fail(f"«{key}» debe ser un texto entre comillas.")
            value = str(inline).strip()
            if not value:
                raise fail(f"«{key}» está vacío.")
        values.append(value)
    if not variables:
        desde = EN_EL_ARCHIVO
    elif len(variables) == len(CREDENTIAL_KEYS):
        desde = "variables " + ", ".join(variables)
    else:
        desde = "en el archivo y en las variables " + ", ".join(variables)
    return values, desde


def _has_inline_secret(tabla: dict[str, Any]) -> bool:
    return any(tabla.get(key) is not None for key in CREDENTIAL_KEYS)


def _check_unique(path: Path, cuentas: list[Cuenta]) -> None:
    seen_pv: dict[tuple[str, int], int] = {}
    seen_name: dict[str, int] = {}
    seen_key: dict[str, int] = {}
    for index, cuenta in enumerate(cuentas, 1):
        previous = seen_pv.setdefault((cuenta.cuit, cuenta.punto_venta), index)
        if previous != index:
            raise UsageError(
                f"{path}: las cuentas {previous} y {index} son de la misma CUIT {cuenta.cuit_con_guiones} "
                f"y punto de venta {cuenta.punto_venta}: deje una sola."
            )
        previous = seen_name.setdefault(cuenta.nombre.casefold(), index)
        if previous != index:
            raise UsageError(
                f"{path}: las cuentas {previous} y {index} se llaman «{cuenta.nombre}»: use un nombre "
                "distinto para cada una (el nombre las identifica en mensajes y resultados)."
            )
        previous = seen_key.setdefault(cuenta.credentials.account_key(), index)
        if previous != index:
            raise UsageError(
                f"{path}: las cuentas {previous} y {index} usan las mismas credenciales: TusFacturas da "
                "una terna por CUIT y punto de venta; copie la de cada punto de venta."
            )


def _check_private(path: Path) -> None:
    """Like ssh with a private key: inline secrets in a file others can read are refused."""
    if os.name == "nt":  # Windows has ACLs, not mode bits
        return
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return
    if mode & 0o077:
        raise UsageError(
            f"{path}: el archivo guarda credenciales y otros usuarios pueden leerlo (permisos {mode:03o}). "
            f"Ejecute: chmod 600 {path}   (o lleve las credenciales a variables con usertoken_env, "
            "apikey_env y apitoken_env)."
        )


EJEMPLO = (
    "[[cuenta]]\n"
    'nombre = "Local Centro"\n'
    'cuit = "30-71234567-1"\n'
    "punto_venta = 3\n"
    'usertoken_env = "TF_CENTRO_USERTOKEN"\n'
    'apikey_env = "TF_CENTRO_APIKEY"\n'
    'apitoken_env = "TF_CENTRO_APITOKEN"\n'
)
