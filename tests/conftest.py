"""Shared fixtures: real workbooks written with openpyxl into tmp_path."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import Workbook

from importer.dominio.reloj import hoy_en_argentina
from importer.planilla.columns import NAMES

# A valid customer CUIT that is not the sandbox issuer's (check digit computed by the rules).
CUIT_CLIENTE = "30698765433"  # valid check digit (the API docs use 30698765432, whose digit is wrong)
CUIT_CLIENTE_2 = "20123456786"


def valid_row(**overrides: object) -> dict[str, object]:
    """One complete, valid line row of a Factura A (RI customer, 1 × 1000 @ 21 %), dated today."""
    row: dict[str, object] = {
        "referencia": "FA-0001",
        "fecha": hoy_en_argentina(),
        "tipo": "FACTURA A",
        "punto_venta": 1,
        "moneda": "PES",
        "cotizacion": 1,
        "condicion_pago": "201",
        "cliente_documento_tipo": "CUIT",
        "cliente_documento_nro": CUIT_CLIENTE,
        "cliente_razon_social": "Ferretería del Sur SRL",
        "cliente_condicion_iva": "RI",
        "cliente_domicilio": "Av. Mitre 1234, Avellaneda",
        "cliente_provincia": "2",
        "descripcion": "Tornillo hexagonal 1/4",
        "cantidad": 1,
        "precio_unitario": 1000,
        "alicuota_iva": "21",
    }
    row.update(overrides)
    return row


def write_rows(
    path: Path,
    rows: list[dict[str, object]],
    *,
    sheet: str = "Comprobantes",
    columns: list[str] | None = None,
    extra_sheets: dict[str, list[list[object]]] | None = None,
) -> Path:
    """Write a real .xlsx: header = `columns` (default all template columns), one row per dict."""
    columns = list(columns or NAMES)
    for row in rows:  # unknown keys become extra columns, in first-seen order
        for key in row:
            if key not in columns:
                columns.append(key)
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(columns)
    for row in rows:
        ws.append([row.get(c) for c in columns])
    for name, values in (extra_sheets or {}).items():
        other = wb.create_sheet(name)
        for line in values:
            other.append(line)
    wb.save(path)
    return path


@pytest.fixture
def write_workbook(tmp_path: Path) -> Callable[..., Path]:
    """write_workbook(rows, *, name="planilla.xlsx", sheet=..., columns=..., extra_sheets=...) -> Path"""

    def _write(rows: list[dict[str, object]], *, name: str = "planilla.xlsx", **kwargs: object) -> Path:
        return write_rows(tmp_path / name, rows, **kwargs)  # type: ignore[arg-type]

    return _write


@pytest.fixture
def make_row() -> Callable[..., dict[str, object]]:
    return valid_row


@pytest.fixture(autouse=True)
def isolated_user_data(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keep ledgers, sandbox data and logs out of the real per-user folder; no real credentials."""
    folder = tmp_path_factory.mktemp("datos")
    monkeypatch.setenv("TF_IMPORT_DATOS", str(folder))
    for name in (
        "TUSFACTURAS_USERTOKEN",
        "TUSFACTURAS_APIKEY",
        "TUSFACTURAS_APITOKEN",
        "TUSFACTURAS_BASE_URL",
        "TUSFACTURAS_CUIT",
        "TF_IMPORT_ESTADO",
    ):
        monkeypatch.delenv(name, raising=False)
    return folder


@pytest.fixture(autouse=True)
def restore_logging():
    """main() configures the `importer` logger for the process; leave it as the other tests expect."""
    loggers = [logging.getLogger(), logging.getLogger("importer")]
    saved = [(lg.handlers[:], lg.level, lg.propagate) for lg in loggers]
    yield
    for lg, (handlers, level, propagate) in zip(loggers, saved, strict=True):
        lg.handlers[:] = handlers
        lg.setLevel(level)
        lg.propagate = propagate
