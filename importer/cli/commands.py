"""The `validate`, `run` and `status` commands: glue between the CLI and the core modules.

Each command reads the planilla, validates it, and (for `run`) plans and emits through the runner;
this module only chooses files, prints summaries and maps outcomes to exit codes.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import shlex
import signal
import sys
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

from importer import __version__
from importer.dominio.amounts import parse_pesos
from importer.dominio.archivos import fallback_file, folder_problem, same_file
from importer.dominio.errores import ExitCode, UsageError
from importer.dominio.formato import es_loopback
from importer.emision import ledger as L
from importer.emision.secrets import SecretFilter, load_credentials, load_settings, missing_credential_names

logger = logging.getLogger("importer")

ARGENTINA = timezone(timedelta(hours=-3))
DEFAULT_TOPE_CF = Decimal("10000000")
MAX_ERRORS_SHOWN = 20
RESULTS_SUFFIX = "-resultados"


def today_in_argentina() -> date:
    return datetime.now(ARGENTINA).date()


def data_dir() -> Path:
    """Per-user folder for the ledger, the sandbox's data and the logs (TF_IMPORT_DATOS overrides)."""
    override = os.environ.get("TF_IMPORT_DATOS")
    if override:
        return Path(override)
    from platformdirs import user_data_dir

    return Path(user_data_dir("tf-import", appauthor=False))


def parse_amount_arg(text: str | None, option: str) -> Decimal | None:
    if text is None:
        return None
    try:
        return parse_pesos(text)
    except ValueError:
        raise UsageError(f"{option}: «{text}» no es un monto válido mayor que 0") from None


def parse_date_arg(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return datetime.strptime(text.strip(), "%d/%m/%Y").date()
    except ValueError:
        raise UsageError(f"{option}: «{text}» no es una fecha dd/mm/aaaa") from None


# --- shared steps ------------------------------------------------------------------------------


@dataclass
class Checked:
    planilla: Any  # importer.planilla.reading.Planilla
    validacion: Any  # importer.planilla.validation.Validacion
    hoy: date
    simulada: bool


def read_and_validate(args: argparse.Namespace, *, allow_simulated: bool) -> Checked:
    from importer.planilla.reading import read_planilla
    from importer.planilla.validation import validate_planilla

    planilla = read_planilla(args.planilla, engine=getattr(args, "motor", "calamine"))
    hoy_arg = parse_date_arg(getattr(args, "hoy", None), "--hoy")
    if not allow_simulated and (hoy_arg or planilla.fecha_simulada):
        if hoy_arg:
            raise UsageError("--hoy solo se admite con --sandbox: AFIP usa la fecha real.")
        raise UsageError(
            f"{planilla.path.name} es una planilla de ejemplo para el simulador (declara la fecha "
            f"simulada {planilla.fecha_simulada:%d/%m/%Y}): úsela con --sandbox."
        )
    hoy = hoy_arg or planilla.fecha_simulada or today_in_argentina()
    simulada = hoy != today_in_argentina()
    if simulada:
        origen = "--hoy" if hoy_arg else "la planilla de ejemplo"
        print(f"Fecha simulada: {hoy:%d/%m/%Y} (indicada por {origen}).")
    tope = parse_amount_arg(getattr(args, "tope_cf", None), "--tope-cf") or DEFAULT_TOPE_CF
    validacion = validate_planilla(planilla, hoy=hoy, tope_cf=tope)
    return Checked(planilla, validacion, hoy, simulada)


def print_validation_summary(checked: Checked) -> None:
    v = checked.validacion
    p = checked.planilla
    print(f"Planilla: {p.path.name} (hoja {p.hoja})")
    # Every referencia counts, also one whose comprobante could not be built; rows of no
    # comprobante are shown apart, so that Comprobantes = Válidos + Inválidos always.
    referencias, validos, sin_comprobante = v.referencias, len(v.validas), len(v.filas_sin_comprobante)
    print(
        f"Filas: {len(p.datos)} · Comprobantes: {len(referencias)} · Válidos: {validos} · "
        f"Inválidos: {len(referencias) - validos}"
        + (f" · Filas sin comprobante: {sin_comprobante}" if sin_comprobante else "")
    )
    if p.extras:
        print(f"Columnas adicionales (se copian a los resultados, no se envían): {', '.join(p.extras)}")
    if v.problems:
        print(f"Errores ({len(v.problems)}):")
        for problem in v.problems[:MAX_ERRORS_SHOWN]:
            print(f"  {problem}")
        if len(v.problems) > MAX_ERRORS_SHOWN:
            print(f"  … y {len(v.problems) - MAX_ERRORS_SHOWN} más (todos en el reporte: --reporte R.xlsx).")


def default_results_path(planilla: Path, is_results: bool = False) -> Path:
    """`<planilla>-resultados.xlsx`; a results workbook (sheet Resultados) fed back in is updated in
    place, but never a planilla, a CSV or a template, whatever its name."""
    if is_results and planilla.suffix.lower() == ".xlsx":
        return planilla
    return planilla.with_name(f"{planilla.stem}{RESULTS_SUFFIX}.xlsx")


def refuse_over_input(output: Path, planilla: Path, option: str) -> None:
    """Writing a workbook over the planilla being read would destroy it (a CSV, the instructions)."""
    if same_file(output, planilla):
        raise UsageError(
            f"{option} {output} es la misma planilla que se lee: se perdería. "
            "Elija otro nombre para el libro de salida."
        )


def usable_pdf_dir(folder: Path) -> Path:
    """The PDF folder, or a folder under the data folder when it cannot be written (told to the user)."""
    problem = folder_problem(folder)
    if problem is None:
        return folder
    fallback = data_dir() / "pdf" / (folder.name or "pdf")
    if folder_problem(fallback) is None:
        print(f"Atención: no se pueden guardar los PDF en {folder} ({problem}); se guardan en {fallback}.")
        return fallback
    print(
        f"Atención: no se pueden guardar los PDF en {folder} ({problem}) ni en {fallback}: "
        "se descargarán en una próxima ejecución."
    )
    return folder


def default_pdf_dir(planilla: Path, sandbox: bool = False) -> Path:
    """`<planilla>-pdf/`; the simulator's PDFs go to `<planilla>-pdf-sandbox/` so that a rehearsal
    can never leave a "sin validez fiscal" file where the real PDF of the same number belongs."""
    stem = planilla.stem.removesuffix(RESULTS_SUFFIX)
    return planilla.with_name(f"{stem}-pdf-sandbox" if sandbox else f"{stem}-pdf")


def write_results_file(path: Path, validacion: Any, emisiones: Any, info: Any, failure: str) -> Path | None:
    """Write the workbook; when its folder refuses, under `<data_dir>/resultados/` (never lost).
    None when nothing could be written anywhere (`failure` opens the Spanish error)."""
    from importer.resultados.results import write_results
    from importer.resultados.xlsx import OutputError

    try:
        written = Path(write_results(path, validacion, emisiones, info))
    except OutputError as exc:
        fallback = fallback_file(data_dir() / "resultados", Path(path).name)
        try:
            written = Path(write_results(fallback, validacion, emisiones, info))
        except OutputError as again:
            print(
                f"Error: {failure} ni en {path} ({exc.reason}) ni en {fallback} ({again.reason}).",
                file=sys.stderr,
            )
            return None
        print(f"Atención: no se pudo escribir {path} ({exc.reason}). El libro se guardó en {written}")
        return written
    if written != Path(path):
        print(f"Atención: {path} está abierto o bloqueado; los resultados se escribieron en {written}.")
    return written


# --- validate ------------------------------------------------------------------------------------


def validate_command(args: argparse.Namespace) -> int:
    started = datetime.now()
    if args.reporte:
        refuse_over_input(args.reporte, args.planilla, "--reporte")
    checked = read_and_validate(args, allow_simulated=True)
    print_validation_summary(checked)
    if args.reporte:
        from importer.resultados.results import RunInfo

        info = RunInfo(
            modo="VALIDACIÓN",
            inicio=started,
            fin=datetime.now(),
            version=__version__,
            planilla=checked.planilla.path,
            planilla_sha256=checked.planilla.sha256,
        )
        written = write_results_file(
            args.reporte, checked.validacion, None, info, failure="No se pudo escribir el reporte"
        )
        if written is None:
            return ExitCode.CANNOT_START
        print(f"Reporte: {written}")
    return ExitCode.PROBLEMS if checked.validacion.problems else ExitCode.OK


# --- run -----------------------------------------------------------------------------------------


def ledger_path(args: argparse.Namespace, sandbox: bool) -> Path:
    if args.estado:
        return args.estado
    if not sandbox and os.environ.get("TF_IMPORT_ESTADO"):
        return Path(os.environ["TF_IMPORT_ESTADO"])
    return data_dir() / ("registro-sandbox.sqlite" if sandbox else "registro.sqlite")


def open_ledger(path: Path, *, exclusive: bool = True) -> L.Ledger:
    try:
        return L.Ledger(path, exclusive=exclusive)
    except L.LedgerLocked:
        raise UsageError(
            f"El registro {path} está en uso por otra ejecución de tf-import. Espere a que termine "
            "(o use otro registro con --estado)."
        ) from None
    except L.LedgerError as exc:
        raise UsageError(str(exc)) from None


def setup_log_file() -> Path | None:
    """A DEBUG log per run, beside the ledger (secrets masked like everywhere else)."""
    folder = data_dir() / "logs"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"tf-import-{datetime.now():%Y%m%d-%H%M%S}-{os.getpid()}.log"
        handler = logging.FileHandler(path, encoding="utf-8")
    except OSError:
        return None
    handler.setLevel(logging.DEBUG)
    handler.addFilter(SecretFilter())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    return path


@contextmanager
def graceful_interrupt():
    """First Ctrl-C: finish the comprobante in flight, save and stop. Second: stop at once."""
    state = {"stop": False}

    def handler(signum: int, frame: object) -> None:
        if state["stop"]:
            raise KeyboardInterrupt
        state["stop"] = True
        print(
            "\nDeteniendo después del comprobante en curso… (Ctrl-C otra vez para salir ya)", file=sys.stderr
        )

    try:
        previous = signal.signal(signal.SIGINT, handler)
    except ValueError:  # not the main thread (tests): no handler, plain KeyboardInterrupt
        previous = None
    try:
        yield lambda: state["stop"]
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


def resume_command(args: argparse.Namespace) -> str:
    parts = ["tf-import", "run", str(args.planilla)]
    if args.sandbox:
        parts.append("--sandbox")
    for option, value in (
        ("--base-url", args.base_url),
        ("--estado", args.estado),
        ("--pdf-dir", args.pdf_dir),
        ("--resultados", args.resultados),
    ):
        if value:
            parts += [option, str(value)]
    return shlex.join(parts)


def run_command(args: argparse.Namespace) -> int:
    from importer.emision.api import DEFAULT_BASE_URL, TusFacturasClient
    from importer.emision.runner import Runner, RunOptions, emision_from_record
    from importer.resultados.results import RunInfo

    started = datetime.now()  # numeric options were checked (finite, in range) by the parser
    checked = read_and_validate(args, allow_simulated=args.sandbox)
    is_results = checked.planilla.hoja == "Resultados"
    results_path = args.resultados or default_results_path(args.planilla, is_results)
    if not is_results:  # only a results workbook is updated in place
        refuse_over_input(results_path, args.planilla, "--resultados")
    print_validation_summary(checked)
    v = checked.validacion
    settings = load_settings()

    with ExitStack() as stack:
        sandbox = None
        if args.sandbox:
            from importer.sandbox import Sandbox

            if args.base_url:
                base_url = args.base_url
                if not es_loopback(base_url):
                    raise UsageError(
                        "--sandbox con --base-url solo acepta un simulador en esta computadora "
                        "(127.0.0.1 o localhost): para emitir de verdad, quite --sandbox."
                    )
                credentials = load_credentials(settings) or _sandbox_default_credentials()
            elif args.dry_run:
                base_url, credentials = "", _sandbox_default_credentials()
            else:
                # Checking totals makes every rehearsal a cross-check of our arithmetic.
                sandbox = Sandbox(hoy=checked.hoy, datos=data_dir() / "sandbox", check_totals=True)
                stack.enter_context(sandbox)
                base_url = sandbox.base_url
                credentials = load_credentials(_as_settings(sandbox.credentials))
            cuit_emisor = _sandbox_cuit(sandbox)
        else:
            missing = missing_credential_names(settings)
            if missing:
                raise UsageError(
                    "Faltan las credenciales de TusFacturas: defina "
                    + ", ".join(missing)
                    + " (en el entorno o en un archivo .env). Para probar sin credenciales use --sandbox."
                )
            credentials = load_credentials(settings)
            base_url = args.base_url or settings.get("TUSFACTURAS_BASE_URL") or DEFAULT_BASE_URL
            cuit_emisor = settings.get("TUSFACTURAS_CUIT", "").replace("-", "").strip() or None
        assert credentials is not None
        modo = "SANDBOX" if args.sandbox else "PRODUCCIÓN"
        if args.sandbox:
            print("Modo SANDBOX: simulador local, los comprobantes no tienen validez fiscal.")

        path = ledger_path(args, args.sandbox)
        if same_file(results_path, path):
            raise UsageError(f"--resultados {results_path} es el registro de emisiones: elija otro nombre.")
        ledger = stack.enter_context(open_ledger(path))
        account = credentials.account_key()
        pdf_dir = args.pdf_dir or default_pdf_dir(args.planilla, args.sandbox)
        options = RunOptions(
            account=account,
            timeout=args.timeout,
            margin=args.margen,
            rate=args.rate or None,
            limit=args.limit,
            max_pause=args.max_pausa,
            pdf_dir=pdf_dir,
            planilla=args.planilla.name,
            cuit_emisor=cuit_emisor,
            precheck=not args.sin_verificar_referencias,
        )
        if args.dry_run:
            return print_plan(v, ledger, account)
        options = dataclasses.replace(options, pdf_dir=usable_pdf_dir(pdf_dir))

        log_path = setup_log_file()
        client = TusFacturasClient(base_url, credentials, timeout=args.timeout)
        with graceful_interrupt() as stop_flag:
            runner = Runner(v.validas, client, ledger, options, should_stop=stop_flag)
            report = run_with_progress(runner)
        v = as_emitted(v, ledger, account, cuit_emisor, report.notes)
        referencias = dict.fromkeys(
            [*(c.referencia for c in v.comprobantes), *v.referencia_por_fila.values()]
        )
        emisiones = {
            ref: emision_from_record(ledger.get(account, ref), ref, report.notes.get(ref, []))
            for ref in referencias
        }
        info = RunInfo(
            modo=modo,
            inicio=started,
            fin=datetime.now(),
            version=__version__,
            planilla=checked.planilla.path,
            planilla_sha256=checked.planilla.sha256,
            rate=args.rate,
            comando_reanudar=resume_command(args),
            detenido=report.stop_reason or ("Interrumpido por el usuario" if report.interrupted else ""),
        )
        written = write_results_file(
            results_path, v, emisiones, info, failure="Los resultados no se pudieron guardar"
        )
        code = finish(report, emisiones, v, written, log_path, resume_command(args))
        if written is None and code != ExitCode.INTERRUPTED:
            print(
                "Vuelva a ejecutar el mismo comando cuando se pueda escribir: lo ya emitido no se envía "
                f"de nuevo y el libro se rearma desde el registro. Para continuar: {resume_command(args)}",
                file=sys.stderr,
            )
            return ExitCode.STOPPED
        return code


def as_emitted(v: Any, ledger: L.Ledger, account: str, cuit_emisor: str | None, notes: dict) -> Any:
    """The validation as the results must show it: a comprobante already emitted appears as it was
    sent (from the payload recorded in the ledger), even if its rows were edited or broken since."""
    from importer.emision.payload import build_payload, comprobante_from_payload, fingerprint

    by_ref = {c.referencia: c for c in v.comprobantes}
    filas_por_ref: dict[str, list[int]] = {}
    for fila, ref in v.referencia_por_fila.items():
        filas_por_ref.setdefault(ref, []).append(fila)
    sent: dict[str, Any] = {}
    for ref in dict.fromkeys([*by_ref, *filas_por_ref]):
        record = ledger.get(account, ref)
        if record is None or record.state != L.EMITTED:
            continue
        current = by_ref.get(ref)
        emitted_fp = record.emitted_fingerprint or record.fingerprint
        if current is not None and fingerprint(build_payload(current, cuit_emisor=cuit_emisor)) == emitted_fp:
            continue
        filas = tuple(sorted(filas_por_ref.get(ref) or (current.filas if current else ())))
        try:
            sent[ref] = comprobante_from_payload(json.loads(record.payload), filas=filas)
        except (KeyError, ValueError, TypeError, ArithmeticError):
            continue  # an unreadable payload: the sheet's view is the best there is
        text = "El libro muestra lo que se emitió: los datos actuales de la hoja son distintos."
        if text not in notes.setdefault(ref, []):
            notes[ref].append(text)
    if not sent:
        return v
    comprobantes = [sent.pop(c.referencia, c) for c in v.comprobantes] + list(sent.values())
    return dataclasses.replace(v, comprobantes=comprobantes)


def _as_settings(credentials: dict[str, str]) -> dict[str, str]:
    return {
        "TUSFACTURAS_USERTOKEN": credentials["usertoken"],
        "TUSFACTURAS_APIKEY": credentials["apikey"],
        "TUSFACTURAS_APITOKEN": credentials["apitoken"],
    }


def _sandbox_default_credentials():
    from importer.sandbox.server import DEMO_CREDENTIALS

    return load_credentials(_as_settings(DEMO_CREDENTIALS))


def _sandbox_cuit(sandbox: Any) -> str | None:
    from importer.sandbox import IssuerProfile

    profile = getattr(sandbox, "profile", None) or IssuerProfile()
    return str(getattr(profile, "cuit", "")) or None


def run_with_progress(runner: Any) -> Any:
    """Run with a tqdm bar of comprobantes; log lines are routed around the bar."""
    from tqdm import tqdm
    from tqdm.contrib.logging import logging_redirect_tqdm

    total = len(runner.to_send())
    counts = {"emitidos": 0, "rechazados": 0}
    console = [
        h
        for h in logger.handlers
        if isinstance(h, logging.StreamHandler) and not isinstance(h, logging.FileHandler)
    ]
    level = min((h.level for h in console), default=logging.INFO)
    with (
        logging_redirect_tqdm(loggers=[logger]),
        tqdm(total=total, unit="cbte", disable=None, dynamic_ncols=True, desc="Emitiendo") as bar,
    ):
        for handler in logger.handlers:  # the bar's handler: same level and masking as the console
            if handler not in console and not isinstance(handler, logging.FileHandler):
                handler.setLevel(level)
                handler.addFilter(SecretFilter())

        def progress(referencia: str, estado: str) -> None:
            key = "emitidos" if estado == "EMITIDO" else "rechazados"
            counts[key] += 1
            bar.update(1)
            bar.set_postfix(
                emitidos=counts["emitidos"],
                rechazados=counts["rechazados"],
                pendientes=max(0, total - bar.n),
                refresh=False,
            )

        runner.progress = progress
        return runner.run()


def print_plan(v: Any, ledger: L.Ledger, account: str) -> int:
    """--dry-run: what would happen, from the ledger alone; no request at all."""
    groups: dict[str, list[str]] = {"enviar": [], "emitidos": [], "duda": [], "reintentar": []}
    por_pv: dict[int, int] = {}
    for c in v.validas:
        record = ledger.get(account, c.referencia)
        state = record.state if record else None
        if state == L.EMITTED:
            groups["emitidos"].append(c.referencia)
        elif state in (L.IN_DOUBT, L.SENDING):
            groups["duda"].append(c.referencia)
        else:
            groups["reintentar" if state == L.REJECTED else "enviar"].append(c.referencia)
            por_pv[c.punto_venta] = por_pv.get(c.punto_venta, 0) + 1
    print("Plan (--dry-run, no se envía nada):")
    print(f"  A enviar: {len(groups['enviar']) + len(groups['reintentar'])}", end="")
    if por_pv:
        print(" (" + ", ".join(f"punto de venta {pv}: {n}" for pv, n in sorted(por_pv.items())) + ")", end="")
    print()
    if groups["reintentar"]:
        print(f"    de ellos, rechazados antes que se reintentan: {len(groups['reintentar'])}")
    print(f"  Ya emitidos (se omiten): {len(groups['emitidos'])}")
    print(f"  En duda (se verifican antes de enviar): {len(groups['duda'])}")
    print(f"  Inválidos (no se envían): {len(v.referencias) - len(v.validas)}")
    if v.filas_sin_comprobante:
        print(f"  Filas sin comprobante (no se envían): {len(v.filas_sin_comprobante)}")
    return ExitCode.OK


def finish(
    report: Any, emisiones: dict[str, Any], v: Any, written: Path | None, log_path: Path | None, resume: str
) -> int:
    counts: dict[str, int] = {}
    for referencia, emision in emisiones.items():
        estado = "INVALIDO" if referencia in v.invalidas and emision.estado != "EMITIDO" else emision.estado
        counts[estado] = counts.get(estado, 0) + 1
    order = ("EMITIDO", "RECHAZADO", "INVALIDO", "PENDIENTE", "EN_DUDA")
    print("Resultado: " + " · ".join(f"{k}: {counts.get(k, 0)}" for k in order))
    print(f"Enviados en esta ejecución: {report.sent} · Resultados: {written or 'NO SE GUARDARON'}")
    if log_path:
        logger.debug("log file: %s", log_path)
    if report.interrupted:
        print(f"Interrumpido. Para continuar: {resume}")
        return ExitCode.INTERRUPTED
    if report.stop_reason:
        print(f"Detenido: {report.stop_reason}")
        print(f"Para continuar: {resume}")
        return ExitCode.STOPPED
    if report.unresolved:
        print(
            f"Quedan {len(report.unresolved)} comprobantes en duda que no pudieron verificarse "
            f"({', '.join(report.unresolved[:5])}). Para continuar: {resume}"
        )
        return ExitCode.STOPPED
    if report.limit_reached:
        print(f"Se alcanzó --limit. Para enviar los que faltan: {resume}")
    elif counts.get("PENDIENTE"):
        print(f"Quedan {counts['PENDIENTE']} comprobantes pendientes. Para continuar: {resume}")
        return ExitCode.STOPPED
    if counts.get("RECHAZADO") or counts.get("INVALIDO") or v.problems:
        return ExitCode.PROBLEMS
    return ExitCode.OK


# --- status --------------------------------------------------------------------------------------


def status_command(args: argparse.Namespace) -> int:
    from importer.planilla.reading import read_planilla
    from importer.planilla.validation import validate_planilla

    planilla = read_planilla(args.planilla)
    hoy = planilla.fecha_simulada or today_in_argentina()
    v = validate_planilla(planilla, hoy=hoy, tope_cf=DEFAULT_TOPE_CF)
    settings = load_settings()
    if args.sandbox:
        credentials = _sandbox_default_credentials()
    else:
        credentials = load_credentials(settings)
        if credentials is None:
            raise UsageError(
                "Faltan las credenciales de TusFacturas ("
                + ", ".join(missing_credential_names(settings))
                + "): el registro se organiza por cuenta. Use --sandbox para el simulador."
            )
    path = ledger_path(args, args.sandbox)
    account = credentials.account_key()
    counts = {"EMITIDO": 0, "RECHAZADO": 0, "PENDIENTE": 0, "EN_DUDA": 0, "INVALIDO": 0}
    attention: list[str] = []
    ledger = open_ledger(path, exclusive=False) if path.exists() else None
    try:
        built = {c.referencia for c in v.comprobantes}
        # Every referencia of the sheet, also one whose comprobante could not be built (invalid).
        for referencia in dict.fromkeys(
            [*(c.referencia for c in v.comprobantes), *v.referencia_por_fila.values()]
        ):
            record = ledger.get(account, referencia) if ledger else None
            state = record.state if record else None
            if state == L.EMITTED:
                estado = "EMITIDO"
            elif referencia in v.invalidas or referencia not in built:
                estado = "INVALIDO"
            else:
                estado = {L.REJECTED: "RECHAZADO", L.IN_DOUBT: "EN_DUDA", L.SENDING: "EN_DUDA"}.get(
                    state, "PENDIENTE"
                )
            counts[estado] += 1
            if estado in ("RECHAZADO", "EN_DUDA") and record is not None:
                detail = "; ".join(record.error_list)[:160]
                attention.append(f"  {referencia}: {estado}{' — ' + detail if detail else ''}")
    finally:
        if ledger:
            ledger.close()
    print(f"Planilla: {planilla.path.name} · Registro: {path}{' (simulador)' if args.sandbox else ''}")
    print(" · ".join(f"{k}: {n}" for k, n in counts.items()))
    for line in attention[:MAX_ERRORS_SHOWN]:
        print(line)
    return ExitCode.OK
