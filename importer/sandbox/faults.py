"""Fault injection for the sandbox: a small language, seeded and reproducible.

A plan is a list of clauses separated by `;`, `,` or spaces::

    CLAUSE   = [ENDPOINT ":"] KIND ["=" VALUE] ["@" WHEN]
    ENDPOINT = nuevo (default) | consulta | consulta_avanzada | numeracion | alertas | topecf
               | regenerar_pdf | requiere_fec | consultas (the three lookups) | todos (every endpoint)
    WHEN     = N | N-M | N+ | "|"-separated list of those   (the N-th request the clause applies to)
             | P%                                           (each request with probability P, seeded)
             | *  or nothing                                (every request)

Counting: each clause counts the requests to its own endpoint(s), from 1, starting when the plan is
installed (`Sandbox(faults=...)`, `set_faults`), all accounts together; `todos:` counts globally.

Kinds (when the comprobante is committed matters for exactly-once testing):

========================  =====================================================================
``demora=S`` / ``=A-B``   wait S seconds (or uniform A..B) *before* committing; the comprobante is
                          still committed after the wait even if the client has gone away
``429``                   HTTP 429, nothing committed
``500``                   an HTML 500 page, nothing committed
``error``                 ``error: "S"`` with a transient AFIP failure (lookups: a lookup error),
                          nothing committed
``524``                   commit, then an HTML 524 page
``corte``                 commit, then close the socket without any response
``sin_cae``               commit, then ``error: "S"`` "AFIP No devolvio el CAE asociado" (nuevo)
``solo_arca``             ``error: "S"`` "El comprobante existe en ARCA pero no en TusFacturasAPP",
                          nothing committed (nuevo): the case a person settles with
                          ``tf-import resolver`` after checking ARCA; the sandbox has no ARCA
                          of its own, so what ARCA "holds" is what the person records
``lenta=S`` / ``=A-B``    commit, wait S seconds, then answer
``observacion``           commit with an AFIP observation ``[ codigo: 10063 ]`` (nuevo)
``afip_caido=S``          AFIP down for S seconds from this request (from the start without ``@``):
                          nuevo answers the 12-minute-block error, ``estado_servicios/alertas``
                          is not OK
``mantenimiento=S``       TusFacturas maintenance for S seconds: every endpoint answers
                          ``mantenimiento: 1`` with ``mantenimiento_hasta``
``fec=MONTO``             ``requiere_fec: "SI"`` (error, nothing committed) for non-FCE
                          comprobantes to a CUIT when total × cotización ≥ MONTO (nuevo)
``rps=N``                 HTTP 429 when more than N requests arrive within one second
``semilla=N``             seed of the probabilities (same seed, same requests ⇒ same faults)
========================  =====================================================================

Examples: ``corte@3`` (the 3rd emission is committed and its answer lost),
``demora=95@2; 429@10%; consultas:500@1-2``, ``afip_caido=60@5``, ``demora=1-3``.
``524`` and ``corte`` replace whatever the request got (a rejection too); ``sin_cae`` and
``observacion`` apply only when the comprobante is accepted. Several clauses may hit one request:
delays add up, and the first matching clause of each phase (before / after committing) wins.
"""

from __future__ import annotations

import random
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

NUEVO = "facturacion/nuevo"
LOOKUPS = ("facturacion/consulta", "facturacion/consulta_avanzada", "facturacion/numeracion")
ENDPOINT_ALIASES: dict[str, tuple[str, ...] | None] = {
    "nuevo": (NUEVO,),
    "consulta": ("facturacion/consulta",),
    "consulta_avanzada": ("facturacion/consulta_avanzada",),
    "numeracion": ("facturacion/numeracion",),
    "alertas": ("estado_servicios/alertas",),
    "topecf": ("facturacion/topecf",),
    "regenerar_pdf": ("facturacion/regenerar_pdf",),
    "requiere_fec": ("facturacion/requiere_fec",),
    "consultas": LOOKUPS,
    "todos": None,
}

PRE = ("429", "500", "error", "solo_arca")  # answer instead of processing: nothing committed
POST = ("524", "corte", "sin_cae")  # answer replaced after committing
SECONDS = ("demora", "lenta", "afip_caido", "mantenimiento")
WINDOWS = ("afip_caido", "mantenimiento")
NUEVO_ONLY = ("sin_cae", "observacion", "fec", "solo_arca")
KINDS = (*PRE, *POST, *SECONDS, "observacion", "fec", "rps")

FALLAS_AYUDA = """\
Fallas (--fallas): cláusulas separadas por ';', ',' o espacios:
  [ENDPOINT:]TIPO[=VALOR][@CUANDO]
  ENDPOINT: nuevo (por defecto), consulta, consulta_avanzada, numeracion, alertas,
            topecf, regenerar_pdf, requiere_fec, consultas (las tres consultas) o todos.
  CUANDO:   N (el N-ésimo pedido a ese endpoint), N-M, N+ (desde el N), varios con '|',
            P% (probabilidad, reproducible con --semilla), * o nada (siempre).
  TIPO:
    demora=S | demora=A-B   espera S segundos ANTES de guardar (guarda igual aunque el
                            cliente ya no esté)
    429                     HTTP 429, no guarda nada
    500                     página HTML de error 500, no guarda nada
    error                   error "S" transitorio de AFIP, no guarda nada
    524                     guarda y responde HTTP 524
    corte                   guarda y cierra la conexión sin responder
    sin_cae                 guarda y responde "AFIP No devolvio el CAE asociado"
    solo_arca               responde "El comprobante existe en ARCA pero no en
                            TusFacturasAPP", no guarda nada (se resuelve con
                            tf-import resolver)
    lenta=S                 guarda, espera S segundos y responde
    observacion             guarda con una observación de AFIP [ codigo: 10063 ]
    afip_caido=S            AFIP caído S segundos (sin @: desde el arranque)
    mantenimiento=S         TusFacturas en mantenimiento S segundos (todos los endpoints)
    fec=MONTO               requiere_fec "SI" (no guarda) si total × cotización >= MONTO
    rps=N                   HTTP 429 si llegan más de N pedidos en un segundo
    semilla=N               semilla de las probabilidades
  Los pedidos se cuentan desde 1 por cláusula, para todas las cuentas juntas.
  Ejemplos: "corte@3"  "demora=95@2; 429@10%"  "consultas:500@1-2"  "afip_caido=60@5"
"""

_CLAUSE = re.compile(
    r"(?:(?P<endpoint>[a-z_]+):)?(?P<kind>[a-z_0-9]+)(?:=(?P<value>[^@]+))?(?:@(?P<when>.+))?"
)
_RANGE = re.compile(r"(\d+)(?:-(\d+)|(\+))?")


@dataclass(frozen=True)
class When:
    """Which of a clause's requests it hits: all, some positions, or a probability."""

    ranges: tuple[tuple[int, int | None], ...] = ()  # inclusive; None = open-ended
    probability: float | None = None

    @property
    def always(self) -> bool:
        return not self.ranges and self.probability is None

    def hits(self, position: int, rng: random.Random) -> bool:
        if self.probability is not None:
            return rng.random() < self.probability
        if not self.ranges:
            return True
        return any(lo <= position and (hi is None or position <= hi) for lo, hi in self.ranges)


@dataclass(frozen=True)
class Fault:
    kind: str
    endpoints: tuple[str, ...] | None = (NUEVO,)  # None: every endpoint
    value: float | tuple[float, float] | Decimal | int | None = None
    when: When = field(default_factory=When)
    text: str = ""

    def applies_to(self, endpoint: str) -> bool:
        return self.endpoints is None or endpoint in self.endpoints


@dataclass(frozen=True)
class FaultPlan:
    """What goes wrong, and when. Immutable; the sandbox keeps the counters."""

    faults: tuple[Fault, ...] = ()
    seed: int = 0

    @classmethod
    def parse(cls, spec: str, *, seed: int | None = None) -> FaultPlan:
        """Parse the `--fallas` language (see the module docstring); ValueError in Spanish."""
        faults: list[Fault] = []
        parsed_seed = 0
        for token in re.split(r"[;,\s]+", spec.strip().lower()):
            if not token:
                continue
            if token.startswith("semilla="):
                parsed_seed = _parse_int(token.split("=", 1)[1], token, minimum=0)
                continue
            faults.append(_parse_clause(token))
        return cls(tuple(faults), parsed_seed if seed is None else seed)

    def with_seed(self, seed: int) -> FaultPlan:
        return FaultPlan(self.faults, seed)

    def describe(self) -> str:
        if not self.faults:
            return "ninguna"
        return "; ".join(f.text for f in self.faults) + f" (semilla {self.seed})"

    def __bool__(self) -> bool:
        return bool(self.faults)


def _parse_clause(token: str) -> Fault:
    match = _CLAUSE.fullmatch(token)
    if not match:
        raise ValueError(f"falla mal escrita: {token!r}")
    alias, kind, raw_value, raw_when = match.group("endpoint", "kind", "value", "when")
    if kind not in KINDS:
        raise ValueError(f"tipo de falla desconocido: {kind!r} en {token!r}")
    if alias is not None and alias not in ENDPOINT_ALIASES:
        raise ValueError(f"endpoint desconocido: {alias!r} en {token!r}")
    endpoints = ENDPOINT_ALIASES[alias or ("todos" if kind == "rps" else "nuevo")]
    if kind in NUEVO_ONLY and endpoints != (NUEVO,):
        raise ValueError(f"la falla {kind!r} solo se aplica a nuevo: {token!r}")
    value: float | tuple[float, float] | Decimal | int | None = None
    if kind in SECONDS:
        if raw_value is None:
            raise ValueError(f"falta la cantidad de segundos en {token!r} (por ejemplo {kind}=5)")
        value = _parse_seconds(raw_value, token, allow_range=kind in ("demora", "lenta"))
    elif kind == "fec":
        if raw_value is None:
            raise ValueError(f"falta el monto en {token!r} (por ejemplo fec=500000)")
        try:
            value = Decimal(raw_value)
        except InvalidOperation:
            raise ValueError(f"monto inválido en {token!r}") from None
        if not value.is_finite() or value < 0:
            raise ValueError(f"monto inválido en {token!r}")
    elif kind == "rps":
        if raw_value is None or raw_when is not None:
            raise ValueError(f"use rps=N, sin @: {token!r}")
        value = _parse_int(raw_value, token, minimum=1)
    elif raw_value is not None:
        raise ValueError(f"la falla {kind!r} no lleva valor: {token!r}")
    return Fault(kind, endpoints, value, _parse_when(raw_when, token), token)


def _parse_int(text: str, token: str, *, minimum: int) -> int:
    if not text.isdigit() or int(text) < minimum:
        raise ValueError(f"número inválido en {token!r}")
    return int(text)


def _parse_seconds(text: str, token: str, *, allow_range: bool) -> float | tuple[float, float]:
    parts = text.split("-")
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        raise ValueError(f"segundos inválidos en {token!r}") from None
    if any(n < 0 or n != n or n == float("inf") for n in numbers) or len(numbers) > 2:
        raise ValueError(f"segundos inválidos en {token!r}")
    if len(numbers) == 2:
        if not allow_range or numbers[0] > numbers[1]:
            raise ValueError(f"rango de segundos inválido en {token!r}")
        return (numbers[0], numbers[1])
    return numbers[0]


def _parse_when(text: str | None, token: str) -> When:
    if text is None or text == "*":
        return When()
    if text.endswith("%"):
        try:
            percent = float(text[:-1])
        except ValueError:
            raise ValueError(f"probabilidad inválida en {token!r}") from None
        if not 0 <= percent <= 100:
            raise ValueError(f"la probabilidad debe estar entre 0 y 100: {token!r}")
        return When(probability=percent / 100)
    ranges: list[tuple[int, int | None]] = []
    for part in text.split("|"):
        match = _RANGE.fullmatch(part)
        if not match or int(match.group(1)) < 1:
            raise ValueError(f"posición inválida en {token!r} (use N, N-M, N+ o P%)")
        lo = int(match.group(1))
        hi: int | None = lo
        if match.group(2):
            hi = int(match.group(2))
            if hi < lo:
                raise ValueError(f"rango invertido en {token!r}")
        elif match.group(3):
            hi = None
        ranges.append((lo, hi))
    return When(tuple(ranges))


@dataclass
class Decision:
    """What the faults decided for one request."""

    pre: str | None = None  # "429" | "500" | "error" | "solo_arca": answer instead of processing
    delay: float = 0.0  # seconds before committing
    post_delay: float = 0.0  # seconds after committing, before answering
    post: str | None = None  # "524" | "corte" | "sin_cae": answer replaced after committing
    observacion: bool = False
    fec: Decimal | None = None  # requiere_fec threshold in pesos


class FaultRuntime:
    """The live side of a plan: counters, seeded generators and the open outage windows."""

    def __init__(self, plan: FaultPlan, clock: Callable[[], float] = time.monotonic) -> None:
        self.plan = plan
        self._clock = clock
        self._lock = threading.Lock()
        self._counts = [0] * len(plan.faults)
        self._rngs = [random.Random(f"{plan.seed}:{i}:{f.text}") for i, f in enumerate(plan.faults)]
        self._recent: list[deque[float]] = [deque() for _ in plan.faults]
        self._windows: dict[str, float] = {}  # kind → monotonic end
        now = clock()
        for fault in plan.faults:
            if fault.kind in WINDOWS and fault.when.always:
                self._windows[fault.kind] = now + float(fault.value)  # type: ignore[arg-type]

    def decide(self, endpoint: str) -> Decision:
        decision = Decision()
        with self._lock:
            now = self._clock()
            for i, fault in enumerate(self.plan.faults):
                if not fault.applies_to(endpoint):
                    continue
                self._counts[i] += 1
                if fault.kind == "rps":
                    recent = self._recent[i]
                    recent.append(now)
                    while recent and recent[0] <= now - 1.0:
                        recent.popleft()
                    if len(recent) > int(fault.value):  # type: ignore[arg-type]
                        decision.pre = decision.pre or "429"
                    continue
                rng = self._rngs[i]
                if fault.kind in WINDOWS and fault.when.always:
                    continue  # opened at install time
                if not fault.when.hits(self._counts[i], rng):
                    continue
                self._apply(fault, rng, now, decision)
        return decision

    def _apply(self, fault: Fault, rng: random.Random, now: float, decision: Decision) -> None:
        kind = fault.kind
        if kind in PRE:
            decision.pre = decision.pre or kind
        elif kind in POST:
            decision.post = decision.post or kind
        elif kind == "demora":
            decision.delay += _seconds(fault.value, rng)
        elif kind == "lenta":
            decision.post_delay += _seconds(fault.value, rng)
        elif kind == "observacion":
            decision.observacion = True
        elif kind == "fec":
            threshold = fault.value
            decision.fec = threshold if decision.fec is None else min(decision.fec, threshold)  # type: ignore[type-var,assignment]
        elif kind in WINDOWS:
            self._windows[kind] = max(self._windows.get(kind, 0.0), now + float(fault.value))  # type: ignore[arg-type]

    def open_window(self, kind: str, seconds: float) -> None:
        with self._lock:
            self._windows[kind] = self._clock() + seconds

    def close_window(self, kind: str) -> None:
        with self._lock:
            self._windows.pop(kind, None)

    def remaining(self, kind: str) -> float:
        """Seconds left in an outage window (`afip_caido`, `mantenimiento`); 0 when none is open."""
        with self._lock:
            return max(0.0, self._windows.get(kind, 0.0) - self._clock())


def _seconds(value: object, rng: random.Random) -> float:
    if isinstance(value, tuple):
        return rng.uniform(value[0], value[1])
    return float(value)  # type: ignore[arg-type]
