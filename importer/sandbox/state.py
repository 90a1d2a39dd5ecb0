"""What each simulated account remembers, and the optional files that keep it across restarts.

An account is one credential triple (identified here only by a one-way hash). It keeps the last
number per (punto de venta, tipo), the last date per punto de venta, every stored comprobante in
emission order (duplicate `external_reference`s allowed, as in the real service) and the customer
master. With a data directory, each account appends one JSON line per change to its own file; a
restarted sandbox replays the lines and continues the numbering.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any

from importer.sandbox.values import as_date

logger = logging.getLogger(__name__)
PROTECTED_CLIENT_FIELDS = ("documento_tipo", "documento_nro", "condicion_iva")


def account_id(usertoken: str, apikey: str, apitoken: str) -> str:
    """A stable, one-way name for an account: file names and URLs never carry the secrets."""
    material = "\0".join(("tf-sandbox-account-v1", usertoken, apikey, apitoken))
    return hashlib.sha256(material.encode("utf-8")).hexdigest()[:24]


@dataclass
class Account:
    id: str
    comprobantes: list[dict[str, Any]] = field(default_factory=list)
    by_number: dict[tuple[str, int, int], dict[str, Any]] = field(default_factory=dict)
    by_ref: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    ultimo: dict[tuple[int, str], int] = field(default_factory=dict)
    ultima_fecha: dict[int, date] = field(default_factory=dict)
    clientes: dict[str, dict[str, Any]] = field(default_factory=dict)

    def last_number(self, punto_venta: int, tipo: str) -> int:
        return self.ultimo.get((punto_venta, tipo), 0)

    def find(self, tipo: str, punto_venta: int, numero: int) -> dict[str, Any] | None:
        return self.by_number.get((tipo, punto_venta, numero))

    def _apply(self, record: dict[str, Any]) -> None:
        self.comprobantes.append(record)
        key = (record["tipo"], record["punto_venta"], record["numero"])
        self.by_number[key] = record
        if record["external_reference"]:
            self.by_ref.setdefault(record["external_reference"], []).append(record)
        pv_tipo = (record["punto_venta"], record["tipo"])
        self.ultimo[pv_tipo] = max(self.ultimo.get(pv_tipo, 0), record["numero"])
        fecha = as_date(record["fecha"])
        previous = self.ultima_fecha.get(record["punto_venta"])
        if fecha and (previous is None or fecha > previous):
            self.ultima_fecha[record["punto_venta"]] = fecha
        self._upsert_cliente(record["cliente"])

    def _upsert_cliente(self, cliente: dict[str, Any]) -> None:
        # TusFacturas matches by code or document and never changes document or IVA condition.
        key = str(cliente.get("codigo") or f"{cliente.get('documento_tipo')}:{cliente.get('documento_nro')}")
        existing = self.clientes.get(key)
        if existing is None:
            self.clientes[key] = dict(cliente)
            return
        for name, value in cliente.items():
            if name not in PROTECTED_CLIENT_FIELDS:
                existing[name] = value


class Store:
    """Accounts by id; callers hold `lock` around read-check-commit sequences."""

    def __init__(self, datos: Path | None = None) -> None:
        self.lock = threading.RLock()
        self.datos = Path(datos) if datos is not None else None
        self._accounts: dict[str, Account] = {}
        self._files: dict[str, IO[str]] = {}
        if self.datos is not None:
            self.datos.mkdir(parents=True, exist_ok=True)
            self._load()

    def account(self, ident: str) -> Account:
        with self.lock:
            found = self._accounts.get(ident)
            if found is None:
                found = self._accounts[ident] = Account(ident)
            return found

    def peek(self, ident: str) -> Account | None:
        with self.lock:
            return self._accounts.get(ident)

    def commit(self, account: Account, record: dict[str, Any]) -> None:
        with self.lock:
            account._apply(record)
            self._write(account.id, {"evento": "comprobante", **record})

    def set_numbering(self, account: Account, punto_venta: int, tipo: str, ultimo: int) -> None:
        with self.lock:
            account.ultimo[(punto_venta, tipo)] = ultimo
            self._write(
                account.id,
                {"evento": "numeracion", "punto_venta": punto_venta, "tipo": tipo, "ultimo": ultimo},
            )

    def close(self) -> None:
        with self.lock:
            for handle in self._files.values():
                handle.close()
            self._files.clear()

    def _path(self, ident: str) -> Path:
        assert self.datos is not None
        return self.datos / f"cuenta-{ident}.jsonl"

    def _write(self, ident: str, line: dict[str, Any]) -> None:
        if self.datos is None:
            return
        handle = self._files.get(ident)
        if handle is None:
            handle = self._files[ident] = open(self._path(ident), "a", encoding="utf-8")  # noqa: SIM115
        # A flush (no fsync) survives the sandbox process being killed, which is what it simulates.
        handle.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")
        handle.flush()

    def _load(self) -> None:
        assert self.datos is not None
        for path in sorted(self.datos.glob("cuenta-*.jsonl")):
            ident = path.stem.removeprefix("cuenta-")
            account = self._accounts.setdefault(ident, Account(ident))
            with open(path, encoding="utf-8") as handle:
                for number, text in enumerate(handle, 1):
                    try:
                        line = json.loads(text)
                    except json.JSONDecodeError:
                        logger.warning("%s, línea %d: ilegible, se ignora", path, number)
                        continue
                    evento = line.pop("evento", None)
                    if evento == "comprobante":
                        account._apply(line)
                    elif evento == "numeracion":
                        account.ultimo[(line["punto_venta"], line["tipo"])] = line["ultimo"]
