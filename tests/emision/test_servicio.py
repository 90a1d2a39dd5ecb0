"""The emission service called directly, as the web page will: no argparse, no print, callbacks."""

from __future__ import annotations

from datetime import UTC, date, datetime

from importer.cli.simulador import SimuladorIntegrado
from importer.dominio.errores import ExitCode
from importer.dominio.reloj import Reloj
from importer.emision.opciones import Dependencias, OpcionesEmision, OpcionesValidacion
from importer.emision.servicio import emitir, validar
from tests.conftest import CUIT_CLIENTE_2, valid_row

# 02:30 UTC on the 1st of August: still 23:30 on the 31st of July in Buenos Aires.
FIRST_OF_AUGUST_UTC = datetime(2026, 8, 1, 2, 30, tzinfo=UTC)


class Collected:
    def __init__(self) -> None:
        self.progress: list[tuple[str, str]] = []
        self.messages: list[str] = []
        self.errors: list[str] = []
        self.totals: list[int] = []

    def deps(self, **more: object) -> Dependencias:
        from contextlib import contextmanager

        @contextmanager
        def emitiendo(total: int):
            self.totals.append(total)
            yield

        values: dict[str, object] = dict(
            on_progress=lambda ref, estado: self.progress.append((ref, estado)),
            on_message=self.messages.append,
            on_error=self.errors.append,
            emitiendo=emitiendo,
            simulador=SimuladorIntegrado(),
        )
        values.update(more)
        return Dependencias(**values)  # type: ignore[arg-type]


def test_emitir_against_the_in_process_sandbox_reports_through_callbacks(write_workbook, tmp_path, capsys):
    planilla = write_workbook(
        [
            valid_row(referencia="A-1"),
            valid_row(referencia="A-2", cliente_documento_nro=CUIT_CLIENTE_2, cliente_razon_social="Otra SA"),
            valid_row(referencia="A-3", cantidad=-1),  # invalid: never sent
        ],
        name="mes.xlsx",
    )
    got = Collected()
    opciones = OpcionesEmision(datos=tmp_path / "datos", sandbox=True, rate=0, comando_reanudar="seguir así")
    result = emitir(planilla, opciones, got.deps())

    assert capsys.readouterr() == ("", "")  # the service never prints
    assert got.totals == [2]  # the two valid comprobantes, announced before sending
    assert got.progress == [("A-1", "EMITIDO"), ("A-2", "EMITIDO")]
    assert result.codigo == ExitCode.PROBLEMS  # A-3 is invalid
    assert result.cuentas == {"EMITIDO": 2, "INVALIDO": 1}
    assert result.informe is not None and result.informe.sent == 2
    assert result.emisiones["A-1"].cae and result.emisiones["A-2"].numero == 2
    assert result.resultados == tmp_path / "mes-resultados.xlsx" and result.resultados.exists()
    assert "Modo SANDBOX: simulador local, los comprobantes no tienen validez fiscal." in got.messages
    assert any(line.startswith("Resultado: EMITIDO: 2 · RECHAZADO: 0 · INVALIDO: 1") for line in got.messages)
    assert got.errors == []

    again = emitir(planilla, opciones, got.deps())  # exactly once: nothing is sent again
    assert again.informe is not None and again.informe.sent == 0 and again.cuentas["EMITIDO"] == 2


def test_should_stop_is_asked_and_a_stop_leaves_the_rest_pending(write_workbook, tmp_path):
    planilla = write_workbook([valid_row(referencia="A-1"), valid_row(referencia="A-2")], name="mes.xlsx")
    got = Collected()
    stop_after_first = lambda: bool(got.progress)  # noqa: E731 - a Ctrl-C after the first one
    opciones = OpcionesEmision(datos=tmp_path / "datos", sandbox=True, rate=0, comando_reanudar="X")
    result = emitir(planilla, opciones, got.deps(should_stop=stop_after_first))
    assert result.codigo == ExitCode.INTERRUPTED
    assert result.cuentas == {"EMITIDO": 1, "PENDIENTE": 1}
    assert "Interrumpido. Para continuar: X" in got.messages


def test_validar_returns_the_problems_without_printing(write_workbook, tmp_path, capsys):
    planilla = write_workbook([valid_row(), valid_row(referencia="FA-0002", cantidad="muchos")])
    result = validar(planilla, OpcionesValidacion(datos=tmp_path), Dependencias())
    assert capsys.readouterr() == ("", "")
    assert result.codigo == ExitCode.PROBLEMS
    assert [(p.fila, p.columna) for p in result.revisada.validacion.problems] == [(3, "cantidad")]
    assert [c.referencia for c in result.revisada.validacion.validas] == ["FA-0001"]


def test_today_is_argentinas_day_whatever_the_utc_date(write_workbook, tmp_path):
    """At 02:30 UTC on the 1st it is still the 31st in Argentina: AFIP takes a comprobante dated
    the 31st, while one dated the machine's UTC day (the 1st) is in the future, in another month."""
    reloj = Reloj(now=FIRST_OF_AUGUST_UTC.timestamp, sleep=lambda _seconds: None)
    utc_day = FIRST_OF_AUGUST_UTC.date()
    planilla = write_workbook(
        [
            valid_row(referencia="ARG-31", fecha=date(2026, 7, 31)),
            valid_row(referencia="UTC-01", fecha=utc_day, cliente_documento_nro=CUIT_CLIENTE_2),
        ],
        name="julio.xlsx",
    )
    got = Collected()
    opciones = OpcionesEmision(datos=tmp_path / "datos", sandbox=True, rate=0)
    result = emitir(planilla, opciones, got.deps(reloj=reloj))

    assert result.revisada.hoy == date(2026, 7, 31) and not result.revisada.simulada
    assert result.emisiones["ARG-31"].estado == "EMITIDO"  # validated and emitted in the sandbox
    assert result.cuentas == {"EMITIDO": 1, "INVALIDO": 1}
    (problem,) = [p for p in result.revisada.validacion.problems if p.columna == "fecha"]
    assert problem.fila == 3  # the row dated with the UTC day
