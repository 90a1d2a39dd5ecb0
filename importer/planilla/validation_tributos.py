"""Validation of the `Tributos` sheet: one perception per row, joined to Comprobantes by referencia
(interface.md §8; tusfacturas-api.md §3.6, §4.10).

Cells are parsed with the same parsers as Comprobantes (Argentine numbers, percent cells as shown,
codes by code or name). Rules, each with a stable code and the row and column to fix:

- required cells; tributo and régimen from their tables, the régimen of that tributo;
- base imponible ≥ 0 and alícuota in (0, 100], both with at most 2 decimals; the importe, when
  written, equal to round_half_even(base × alícuota / 100, 2) within 0.01 (that value when empty);
- per comprobante: at most 7, none on C, E or FCE C, and no repeated (tributo, régimen, alícuota).
  The key includes the alícuota because RG 5329 perceives 3 % on the 21 % items and 1.5 % on the
  10.5 % items of one factura: two IVA RG 5329 lines (tusfacturas-api.md §9.3, §9.9).

A row whose referencia is no comprobante of the sheet is wrong on its own and blocks nothing else.
Any other wrong row makes its comprobante invalid: the comprobante gets a problem of its own that
names the row (`tributo.con_errores`), so its rows in Comprobantes say why.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from importer.dominio.amounts import round_cents
from importer.dominio.comprobantes import Tributo
from importer.dominio.formato import pesos
from importer.dominio.problems import Problem
from importer.dominio.tributos import MAX_TRIBUTOS, REGIMEN_BY_CODE, Regimen, nombre_tributo
from importer.planilla import parsing
from importer.planilla.cell_kinds import display
from importer.planilla.columnas_tributos import TRIBUTOS_BY_NAME, TRIBUTOS_NAMES
from importer.planilla.mensajes import cell_message
from importer.planilla.reglas import MAX_EMAILS

if TYPE_CHECKING:
    from importer.planilla.reading import HojaTributos

TOLERANCIA = Decimal("0.01")
_CIEN = Decimal(100)
CON_ERRORES = "tributo.con_errores"
_IMPORTES = ("base_imponible", "alicuota", "importe")


@dataclass(frozen=True)
class ProblemaTributos(Problem):
    """A problem of a Tributos row: its place names the sheet (row numbers are that sheet's)."""

    def ubicacion(self) -> str:
        where = super().ubicacion()
        return f"Hoja {self.hoja}, {where[0].lower()}{where[1:]}" if where and self.hoja else where


@dataclass
class ResultadoTributos:
    problems: list[Problem] = field(default_factory=list)  # of Tributos rows (ProblemaTributos)
    avisos: list[Problem] = field(default_factory=list)  # on comprobantes with a wrong Tributos row
    por_referencia: dict[str, tuple[Tributo, ...]] = field(default_factory=dict)  # valid rows, in order
    referencia_por_fila: dict[int, str] = field(default_factory=dict)  # rows of a known comprobante
    filas_invalidas: set[int] = field(default_factory=set)


def _max_decimals(values: np.ndarray, places: int, texts: list[object]) -> np.ndarray:
    """True where the exact text has at most `places` decimals (NA counts as fine)."""
    out = np.ones(len(values), dtype=bool)
    for position, text in enumerate(texts):
        if isinstance(text, str) and "." in text:
            out[position] = len(text.split(".")[1].rstrip("0")) <= places
    return out


def _cell_codes(parsed: Mapping[str, parsing.Parsed]) -> dict[str, np.ndarray]:
    """The first problem code of every cell (None where the cell is fine), column by column."""
    codes: dict[str, np.ndarray] = {}
    for name in TRIBUTOS_NAMES:
        p = parsed[name]
        column = np.full(len(p.values), None, dtype=object)
        errors = p.errors.to_numpy(dtype=object)
        written = ~pd.isna(errors)
        column[written] = errors[written]
        if TRIBUTOS_BY_NAME[name].required:
            column[p.blank.to_numpy() & (column == None)] = "requerido"  # noqa: E711 - elementwise
        values = p.values.to_numpy(dtype="float64", na_value=np.nan) if p.text is not None else None
        if values is not None and p.text is not None:
            texts = p.text.tolist()
            free = column == None  # noqa: E711
            with np.errstate(invalid="ignore"):
                if name == "base_imponible":
                    rules = [(values < 0, "tributo.base_negativa")]
                elif name == "alicuota":
                    rules = [((values <= 0) | (values > 100), "tributo.alicuota_rango")]
                else:
                    rules = [(values < 0, "tributo.importe_negativo")]
            rules.append((~_max_decimals(values, 2, texts), f"tributo.{name.split('_')[0]}_decimales"))
            for mask, code in rules:
                hit = free & mask & ~np.isnan(values)
                column[hit] = code
                free &= ~hit
        if name == "descripcion":
            text = p.values.astype("string")
            too_long = text.str.len().gt(TRIBUTOS_BY_NAME[name].max_length or 255).fillna(False)
            column[too_long.to_numpy(dtype=bool) & (column == None)] = "texto.largo"  # noqa: E711
        codes[name] = column
    return codes


_MENSAJES = {
    "tributo.base_negativa": "base_imponible: no puede ser negativa ({valor}).",
    "tributo.base_decimales": "base_imponible: admite hasta 2 decimales y es {valor}.",
    "tributo.alicuota_rango": "alicuota: debe ser mayor que 0 y hasta 100 (es un porcentaje: 3 es 3 %) y es "
    "{valor}.",
    "tributo.alicuota_decimales": "alicuota: admite hasta 2 decimales y es {valor}.",
    "tributo.importe_negativo": "importe: no puede ser negativo ({valor}).",
    "tributo.importe_decimales": "importe: admite hasta 2 decimales y es {valor}.",
}


_DESCONOCIDO = {
    "tributo": "tributo: {valor} no es un tributo de percepción: use IVA, IIBB o NACIONAL.",
    "regimen": "regimen: {valor} no es un régimen de percepción: para IIBB escriba la jurisdicción (Buenos "
    "Aires, CABA, Córdoba…), para IVA RG 2408, RG 5329 o No especificado, para NACIONAL Ganancias, Bienes "
    "Personales o Impuesto PAIS (o el código de 1 a 34).",
}


def validar_tributos(
    hoja: HojaTributos, letras: Mapping[str, str | None], hoja_comprobantes: str
) -> ResultadoTributos:
    """Check every row of the Tributos sheet. `letras`: every referencia of Comprobantes and the
    letter of its comprobante (None when the comprobante could not be built)."""
    revisor = _Revisor(hoja, letras, hoja_comprobantes)
    for pos in range(len(revisor.filas)):
        revisor.revisar(pos)
    out = revisor.out
    out.filas_invalidas = {p.fila for p in out.problems if p.fila is not None}
    out.por_referencia = {ref: tuple(ts) for ref, ts in revisor.construidos.items()}
    out.avisos = _avisos(out, hoja, hoja_comprobantes)
    order = {name: i for i, name in enumerate(TRIBUTOS_NAMES)}
    out.problems.sort(key=lambda p: (p.fila or 0, order.get(p.columna or "", len(order))))
    return out


class _Revisor:
    """The rules of one row at a time (cells, régimen, importe), then of its comprobante's rows so
    far (letter, maximum, repetition). Cell parsing and the per-cell codes are vectorised."""

    def __init__(self, hoja: HojaTributos, letras: Mapping[str, str | None], hoja_comprobantes: str) -> None:
        self.hoja, self.letras, self.hoja_comprobantes = hoja, letras, hoja_comprobantes
        raw = hoja.datos.reindex(columns=list(TRIBUTOS_NAMES))
        parsed = {n: parsing.parse_column(TRIBUTOS_BY_NAME[n], raw[n]) for n in TRIBUTOS_NAMES}
        self.codes = _cell_codes(parsed)
        self.filas = [int(f) for f in raw.index]
        self.crudas = {n: raw[n].to_numpy(dtype=object) for n in TRIBUTOS_NAMES}
        self.valores = {
            n: parsed[n].values.tolist() for n in ("referencia", "tributo", "regimen", "descripcion")
        }
        self.textos = {n: parsed[n].text.tolist() for n in _IMPORTES}  # type: ignore[union-attr]
        self.out = ResultadoTributos()
        self.vistos: dict[str, list[int]] = defaultdict(list)  # referencia -> positions of its rows
        self.claves: dict[tuple[str, str, int, Decimal], int] = {}  # (ref, tributo, régimen, alícuota)
        self.construidos: dict[str, list[Tributo]] = defaultdict(list)
        self.calculados: dict[tuple[str, str], Decimal] = {}  # sheets repeat base and rate a lot

    def problem(self, codigo: str, mensaje: str, pos: int, columna: str, ref: str | None) -> None:
        valor = self.crudas[columna][pos]
        self.out.problems.append(
            ProblemaTributos(
                codigo,
                mensaje,
                fila=self.filas[pos],
                columna=columna,
                letra=self.hoja.letras.get(columna),
                valor=None if pd.isna(valor) else valor,
                hoja=self.hoja.hoja,
                referencia=ref,
            )
        )

    def revisar(self, pos: int) -> None:
        escrita = self.valores["referencia"][pos]
        ref = escrita if isinstance(escrita, str) and escrita in self.letras else None
        if isinstance(escrita, str) and ref is None:
            self.problem(
                "tributo.referencia_desconocida",
                f"referencia: «{escrita}» no es la referencia de ningún comprobante de la hoja "
                f"{self.hoja_comprobantes} (esta percepción no se suma a nada): corríjala o borre la fila.",
                pos,
                "referencia",
                None,
            )
        elif ref is not None:
            self.out.referencia_por_fila[self.filas[pos]] = ref
        antes = len(self.out.problems)
        self._celdas(pos, ref)
        regimen = self._regimen(pos, ref)
        importe = self._importe(pos, ref)
        if ref is None:
            return
        self._del_comprobante(pos, ref, regimen if importe is not None else None)
        if len(self.out.problems) == antes and regimen is not None and importe is not None:
            base, alicuota = (Decimal(self.textos[n][pos]) for n in ("base_imponible", "alicuota"))
            descripcion = self.valores["descripcion"][pos]
            self.construidos[ref].append(
                Tributo(
                    self.filas[pos],
                    regimen.tributo,
                    regimen.codigo,
                    base,
                    alicuota,
                    importe,
                    descripcion if isinstance(descripcion, str) else "",
                )
            )

    def _celdas(self, pos: int, ref: str | None) -> None:
        for name in TRIBUTOS_NAMES:
            code = self.codes[name][pos]
            if code is None:
                continue
            cruda = self.crudas[name][pos]
            if code == parsing.VALOR_DESCONOCIDO and name in _DESCONOCIDO:
                mensaje = _DESCONOCIDO[name].format(valor=f"«{display(cruda)}»")
            elif code in _MENSAJES:
                mensaje = _MENSAJES[code].format(valor=f"«{display(cruda)}»")
            else:
                mensaje = cell_message(code, name, cruda, max_emails=MAX_EMAILS, spec=TRIBUTOS_BY_NAME[name])
            self.problem(code, mensaje, pos, name, ref)

    def _regimen(self, pos: int, ref: str | None) -> Regimen | None:
        tributo, codigo = self.valores["tributo"][pos], self.valores["regimen"][pos]
        regimen = REGIMEN_BY_CODE.get(int(codigo)) if isinstance(codigo, str) else None
        if regimen is None or not isinstance(tributo, str):
            return None
        if regimen.tributo != tributo:
            self.problem(
                "tributo.regimen_de_otro_tributo",
                f"regimen: {regimen.nombre} es un régimen de {nombre_tributo(regimen.tributo)}, no de "
                f"{nombre_tributo(tributo)}: corrija el tributo o el régimen.",
                pos,
                "regimen",
                ref,
            )
            return None
        return regimen

    def _importe(self, pos: int, ref: str | None) -> Decimal | None:
        """The perception amount: as written (within a cent of base × alícuota / 100) or computed."""
        base_text, alicuota_text, importe_text = (self.textos[n][pos] for n in _IMPORTES)
        if any(self.codes[n][pos] for n in _IMPORTES) or not isinstance(base_text, str):
            return None
        if not isinstance(alicuota_text, str):
            return None
        calculado = self.calculados.get((base_text, alicuota_text))
        if calculado is None:
            calculado = round_cents(Decimal(base_text) * Decimal(alicuota_text) / _CIEN)
            self.calculados[base_text, alicuota_text] = calculado
        if not isinstance(importe_text, str):
            return calculado
        importe = Decimal(importe_text)
        if abs(importe - calculado) > TOLERANCIA:
            self.problem(
                "tributo.importe_no_coincide",
                f"importe: {pesos(importe)} no coincide con base × alícuota / 100 = {pesos(calculado)} "
                f"({pesos(Decimal(base_text))} × {display(alicuota_text)} %); corríjalo o déjelo vacío.",
                pos,
                "importe",
                ref,
            )
        return importe

    def _del_comprobante(self, pos: int, ref: str, regimen: Regimen | None) -> None:
        """Rules on the comprobante's rows so far: its letter, the maximum, no repetition."""
        vistos = self.vistos[ref]
        vistos.append(pos)
        letra = self.letras[ref]
        if letra in ("C", "E"):
            self.problem(
                "tributo.letra_no_admite",
                f"referencia: el comprobante {ref} es de letra {letra} y no lleva percepciones (solo A, B "
                "y M): borre esta fila.",
                pos,
                "referencia",
                ref,
            )
        if len(vistos) > MAX_TRIBUTOS:
            self.problem(
                "tributo.maximo",
                f"referencia: el comprobante {ref} tiene más de {MAX_TRIBUTOS} percepciones (filas "
                f"{', '.join(str(self.filas[p]) for p in vistos[:MAX_TRIBUTOS])} y esta); TusFacturas "
                f"admite hasta {MAX_TRIBUTOS}.",
                pos,
                "referencia",
                ref,
            )
        if regimen is None:
            return
        alicuota = self.textos["alicuota"][pos]
        clave = (ref, regimen.tributo, regimen.codigo, Decimal(str(alicuota)))
        primera = self.claves.setdefault(clave, pos)
        if primera != pos:
            self.problem(
                "tributo.repetido",
                f"regimen: el comprobante {ref} ya tiene una percepción de {nombre_tributo(regimen.tributo)} "
                f"{regimen.nombre} al {display(alicuota)} % (fila {self.filas[primera]}): súmelas en una sola "
                "fila.",
                pos,
                "regimen",
                ref,
            )


def _avisos(out: ResultadoTributos, hoja: HojaTributos, hoja_comprobantes: str) -> list[Problem]:
    """One problem per comprobante with a wrong Tributos row, naming the rows (Comprobantes side)."""
    malas: dict[str, list[int]] = defaultdict(list)
    for p in out.problems:
        if p.referencia and p.fila is not None and p.fila not in malas[p.referencia]:
            malas[p.referencia].append(p.fila)
    avisos = []
    for ref, filas in malas.items():
        if len(filas) == 1:
            texto = f"La percepción de la hoja {hoja.hoja}, fila {filas[0]}, tiene errores: corríjala"
        else:
            texto = (
                f"Las percepciones de la hoja {hoja.hoja}, filas {', '.join(map(str, filas))}, tienen "
                "errores: corríjalas"
            )
        avisos.append(
            Problem(
                CON_ERRORES,
                f"{texto} para emitir este comprobante con sus percepciones.",
                hoja=hoja_comprobantes,
                referencia=ref,
            )
        )
    return avisos
