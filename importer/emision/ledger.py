"""The ledger: every state change of every comprobante, crash-safe, one run at a time.

SQLite in WAL mode: each state change is its own committed transaction, which survives a killed
process. `sending` is committed with `synchronous=FULL` (fsync) BEFORE the POST, so a crash — even
a power cut — at any instant leaves either `pending` (certainly not sent) or `sending` (maybe
sent), and `sending` becomes `in_doubt` at the next start. The other writes use `synchronous=NORMAL`
(WAL: durable against a crash, synced at checkpoints): losing one to a power cut only leaves the
`sending` before it, which is reconciled like any doubt.

`locking_mode=EXCLUSIVE` plus an immediate write at open time makes the file one run's own: a
second run on the same ledger cannot open it and stops with a clear message. Within that run, the
streams of several accounts write concurrently from their threads through one connection: a lock
makes every method (and so every transaction) whole, so one stream's statements never land inside
another's transaction.

Rows are keyed by account (a one-way hash of the credentials) + referencia. Secrets never enter.
"""

from __future__ import annotations

import functools
import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from importer.dominio.errores import TfImportError
from importer.dominio.reloj import RELOJ, Reloj

PENDING = "pending"
SENDING = "sending"
EMITTED = "emitted"
REJECTED = "rejected"
IN_DOUBT = "in_doubt"
STATES = (PENDING, SENDING, EMITTED, REJECTED, IN_DOUBT)

SCHEMA = """
CREATE TABLE IF NOT EXISTS comprobantes (
    account TEXT NOT NULL,
    referencia TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending','sending','emitted','rejected','in_doubt')),
    fingerprint TEXT NOT NULL,
    payload TEXT NOT NULL,
    tipo TEXT NOT NULL,
    punto_venta INTEGER NOT NULL,
    fecha TEXT NOT NULL,
    total TEXT NOT NULL,
    cliente_documento TEXT NOT NULL,
    planilla TEXT NOT NULL DEFAULT '',
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    sent_at REAL,
    inflight_until REAL,
    numero INTEGER,
    comprobante_nro TEXT,
    cae TEXT,
    cae_vencimiento TEXT,
    vencimiento_pago TEXT,
    pdf_path TEXT,
    pdf_url TEXT,
    qr TEXT,
    observaciones TEXT,
    errores TEXT,
    emitted_fingerprint TEXT,
    manual INTEGER NOT NULL DEFAULT 0,
    absent_checks INTEGER NOT NULL DEFAULT 0,
    numero_enviado INTEGER,
    verificacion TEXT,
    tf_total TEXT,
    PRIMARY KEY (account, referencia)
);
CREATE INDEX IF NOT EXISTS comprobantes_pv ON comprobantes (account, punto_venta, state, fecha);
CREATE INDEX IF NOT EXISTS comprobantes_numero ON comprobantes (account, punto_venta, tipo, state, numero);
CREATE TABLE IF NOT EXISTS eventos (
    id INTEGER PRIMARY KEY,
    account TEXT NOT NULL,
    referencia TEXT NOT NULL,
    at REAL NOT NULL,
    from_state TEXT,
    to_state TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class LedgerLocked(TfImportError):
    """Another run holds the ledger."""


class LedgerError(TfImportError):
    """The ledger cannot be opened or is not ours (Spanish message)."""


class TransitionError(Exception):
    """A compare-and-set found a state other than the expected one (a bug, never user input)."""


@dataclass(frozen=True)
class Record:
    account: str
    referencia: str
    state: str
    fingerprint: str
    payload: str
    tipo: str
    punto_venta: int
    fecha: str  # ISO date
    total: str
    cliente_documento: str
    planilla: str
    attempts: int
    sent_at: float | None
    inflight_until: float | None
    numero: int | None
    comprobante_nro: str | None
    cae: str | None
    cae_vencimiento: str | None
    vencimiento_pago: str | None
    pdf_path: str | None
    pdf_url: str | None
    qr: str | None
    observaciones: str | None
    errores: str | None
    emitted_fingerprint: str | None
    manual: int  # 1: AFIP has it but TusFacturas does not; a person must settle it
    absent_checks: int  # times a lookup proved it was not emitted after an attempt
    numero_enviado: int | None  # the explicit number of the last POST
    verificacion: str | None = None  # after the run: "ok", or what TusFacturas shows differently
    tf_total: str | None = None  # TusFacturas' total, when it differs from ours

    @property
    def error_list(self) -> list[str]:
        return json.loads(self.errores) if self.errores else []


_FIELDS = tuple(Record.__dataclass_fields__)
_PLAN_FIELDS = (
    "fingerprint",
    "payload",
    "tipo",
    "punto_venta",
    "fecha",
    "total",
    "cliente_documento",
    "planilla",
)


_F = TypeVar("_F", bound=Callable[..., Any])


def _serialized(method: _F) -> _F:
    """Run the method under the ledger's lock: the account streams share one connection."""

    @functools.wraps(method)
    def locked(self: Ledger, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            return method(self, *args, **kwargs)

    return locked  # type: ignore[return-value]


class Ledger:
    def __init__(self, path: Path, *, exclusive: bool = True, reloj: Reloj = RELOJ) -> None:
        self.path = path
        self.reloj = reloj  # the run's clock: timestamps and in-flight windows on one time line
        self._lock = threading.RLock()
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.con = sqlite3.connect(path, timeout=0.5, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise LedgerError(f"No se puede abrir el registro {path}: {exc}") from None
        self.con.row_factory = sqlite3.Row
        try:
            if exclusive:
                self.con.execute("PRAGMA locking_mode=EXCLUSIVE")
            self.con.execute("PRAGMA journal_mode=WAL")
            self.con.execute("PRAGMA synchronous=FULL")
            self._sync = "FULL"
            # Taking the write lock now makes a second concurrent run fail here, at start.
            with self._tx():
                for statement in SCHEMA.split(";"):
                    if statement.strip():
                        self.con.execute(statement)
                self.con.execute("INSERT OR IGNORE INTO meta VALUES ('version', '1')")
                self._add_missing_columns()
        except sqlite3.OperationalError as exc:
            self.con.close()
            if "locked" in str(exc) or "busy" in str(exc):
                raise LedgerLocked(str(path)) from None
            raise LedgerError(f"No se puede usar el registro {path}: {exc}") from None
        except sqlite3.DatabaseError as exc:
            self.con.close()
            raise LedgerError(f"El archivo {path} no es un registro válido: {exc}") from None

    def _add_missing_columns(self) -> None:
        """Ledgers written by an earlier version get the newer columns (never dropped or renamed)."""
        present = {row[1] for row in self.con.execute("PRAGMA table_info(comprobantes)")}
        for name, ddl in (
            ("manual", "INTEGER NOT NULL DEFAULT 0"),
            ("absent_checks", "INTEGER NOT NULL DEFAULT 0"),
            ("numero_enviado", "INTEGER"),
            ("verificacion", "TEXT"),
            ("tf_total", "TEXT"),
        ):
            if name not in present:
                self.con.execute(f"ALTER TABLE comprobantes ADD COLUMN {name} {ddl}")

    @_serialized
    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _tx(self, *, durable: bool = False) -> Iterator[None]:
        # Only `sending` must reach the disk before the next step (the POST follows it): a lost
        # later write leaves `sending`, which becomes `in_doubt` and is reconciled. Every commit
        # survives a killed process either way (WAL); NORMAL spares the others an fsync, which
        # several account streams would otherwise queue on.
        level = "FULL" if durable else "NORMAL"
        if level != self._sync:
            self.con.execute(f"PRAGMA synchronous={level}")
            self._sync = level
        self.con.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    # --- reads ------------------------------------------------------------------------------------

    @_serialized
    def get(self, account: str, referencia: str) -> Record | None:
        row = self.con.execute(
            "SELECT * FROM comprobantes WHERE account=? AND referencia=?", (account, referencia)
        ).fetchone()
        return _record(row)

    @_serialized
    def all(self, account: str) -> list[Record]:
        rows = self.con.execute(
            "SELECT * FROM comprobantes WHERE account=? ORDER BY created_at, referencia", (account,)
        ).fetchall()
        return [r for r in map(_record, rows) if r is not None]

    @_serialized
    def in_state(self, account: str, state: str) -> list[Record]:
        rows = self.con.execute(
            "SELECT * FROM comprobantes WHERE account=? AND state=? ORDER BY fecha, created_at",
            (account, state),
        ).fetchall()
        return [r for r in map(_record, rows) if r is not None]

    @_serialized
    def en_otras_cuentas(self, account: str, referencia: str) -> list[Record]:
        """The same referencia under other accounts (another punto de venta or CUIT, old credentials)."""
        rows = self.con.execute(
            "SELECT * FROM comprobantes WHERE referencia=? AND account<>?", (referencia, account)
        ).fetchall()
        return [r for r in map(_record, rows) if r is not None]

    @_serialized
    def last_emitted_date(self, account: str, punto_venta: int) -> str | None:
        row = self.con.execute(
            "SELECT MAX(fecha) FROM comprobantes WHERE account=? AND punto_venta=? AND state='emitted'",
            (account, punto_venta),
        ).fetchone()
        return row[0]

    @_serialized
    def max_numero(self, account: str, punto_venta: int, tipo: str) -> int | None:
        row = self.con.execute(
            "SELECT MAX(numero) FROM comprobantes WHERE account=? AND punto_venta=? AND tipo=? "
            "AND state='emitted'",
            (account, punto_venta, tipo),
        ).fetchone()
        return row[0]

    # --- writes (each one committed on its own) ----------------------------------------------------

    @_serialized
    def upsert_pending(self, account: str, referencia: str, **data: Any) -> Record:
        """Record a comprobante to send (new, or a pending/rejected one with the sheet's data).

        `data`: fingerprint, payload, tipo, punto_venta, fecha (ISO), total, cliente_documento,
        planilla.
        """
        self.upsert_pending_many(account, {referencia: data})
        record = self.get(account, referencia)
        if record is None:  # just written in a committed transaction: only a broken database
            raise LedgerError(f"El registro {self.path} no guardó {referencia}.")
        return record

    @_serialized
    def upsert_pending_many(self, account: str, items: dict[str, dict[str, Any]]) -> None:
        """`upsert_pending` for many comprobantes in one transaction (planning a whole sheet).

        Only new, pending or rejected comprobantes may be (re)planned; anything else is a bug.
        """
        now = self.reloj.now()
        with self._tx():
            for referencia, data in items.items():
                values = tuple(data[k] for k in _PLAN_FIELDS)
                current = self.get(account, referencia)
                if current is None:
                    self.con.execute(
                        f"INSERT INTO comprobantes (account, referencia, state, {', '.join(_PLAN_FIELDS)}, "
                        f"created_at, updated_at) VALUES (?,?,?,{','.join('?' * len(_PLAN_FIELDS))},?,?)",
                        (account, referencia, PENDING, *values, now, now),
                    )
                    self._event(account, referencia, None, PENDING, "nuevo")
                elif current.state in (PENDING, REJECTED):
                    self.con.execute(
                        f"UPDATE comprobantes SET state=?, {', '.join(f'{k}=?' for k in _PLAN_FIELDS)}, "
                        "updated_at=? WHERE account=? AND referencia=?",
                        (PENDING, *values, now, account, referencia),
                    )
                    if current.state != PENDING:
                        self._event(
                            account, referencia, current.state, PENDING, "reintento con datos actuales"
                        )
                else:
                    raise TransitionError(f"{referencia}: {current.state} no puede volver a pendiente")

    @_serialized
    def transition(
        self,
        account: str,
        referencia: str,
        old: str | tuple[str, ...],
        new: str,
        detail: str = "",
        **columns: Any,
    ) -> None:
        """Compare-and-set of the state (plus columns), committed durably."""
        olds = (old,) if isinstance(old, str) else old
        columns["updated_at"] = self.reloj.now()
        sets = ", ".join(f"{k}=?" for k in columns)
        placeholders = ",".join("?" for _ in olds)
        with self._tx(durable=new == SENDING):
            current = self.get(account, referencia)
            cur = self.con.execute(
                f"UPDATE comprobantes SET state=?, {sets} WHERE account=? AND referencia=? "
                f"AND state IN ({placeholders})",
                (new, *columns.values(), account, referencia, *olds),
            )
            if cur.rowcount != 1:
                raise TransitionError(
                    f"{referencia}: se esperaba {olds}, está en {current.state if current else 'ninguno'}"
                )
            self._event(account, referencia, current.state if current else None, new, detail)

    @_serialized
    def update(self, account: str, referencia: str, **columns: Any) -> None:
        """Change columns without changing the state (PDF path, notes)."""
        columns["updated_at"] = self.reloj.now()
        sets = ", ".join(f"{k}=?" for k in columns)
        with self._tx():
            self.con.execute(
                f"UPDATE comprobantes SET {sets} WHERE account=? AND referencia=?",
                (*columns.values(), account, referencia),
            )

    @_serialized
    def sending_to_in_doubt(self, account: str) -> list[str]:
        """At start-up: whatever was being sent when the last run died is now in doubt."""
        refs = [r.referencia for r in self.in_state(account, SENDING)]
        for ref in refs:
            self.transition(account, ref, SENDING, IN_DOUBT, "la ejecución anterior se interrumpió")
        return refs

    def _event(self, account: str, referencia: str, old: str | None, new: str, detail: str) -> None:
        self.con.execute(
            "INSERT INTO eventos (account, referencia, at, from_state, to_state, detail) "
            "VALUES (?,?,?,?,?,?)",
            (account, referencia, self.reloj.now(), old, new, detail),
        )


def _record(row: sqlite3.Row | None) -> Record | None:
    if row is None:
        return None
    return Record(**{name: row[name] for name in _FIELDS})
