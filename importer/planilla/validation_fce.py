"""Cell rules of the issuer and FCE columns of Comprobantes (interface.md §9, §10), on the first
row of each comprobante (its later rows inherit; a different value is `encabezado.distinto`).

- `emisor_cuit`: an 11-digit CUIT with a valid check digit (dashes and an Excel number are fine);
- `fce_*` written on a tipo that is not an FCE: AFIP rejects those data there (10169);
- `fce_cbu` typed as an Excel number: 22 digits do not fit a number, Excel already lost some.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from importer.dominio.catalogs import TIPOS_BY_NAME
from importer.dominio.problems import Problem
from importer.planilla.columnas_fce import FCE_NAMES
from importer.planilla.parsing import Parsed
from importer.planilla.reglas import documento_problemas

_ES_FCE = {nombre: tipo.fce for nombre, tipo in TIPOS_BY_NAME.items()}
_EMISOR = {
    "cuit.largo": "debe tener 11 dígitos",
    "cuit.prefijo": "no empieza con un prefijo válido (20, 23, 24, 27, 30, 33, 34, 50, 51 o 55)",
    "cuit.digito_verificador": "tiene el dígito verificador incorrecto",
    "documento.formato": "solo puede tener dígitos (se ignoran guiones, puntos y espacios)",
}


def fce_problems(
    parsed: dict[str, Parsed],
    values: dict[str, pd.Series],
    heads: np.ndarray,
    problem: Callable[[str, str, int, str], Problem],
) -> list[Problem]:
    """Problems of the first rows (`heads`: positions); `problem(codigo, mensaje, fila, columna)`."""
    found: list[Problem] = []
    filas = values["tipo"].index.to_numpy()[heads]
    emisor = values["emisor_cuit"].iloc[heads]
    if emisor.notna().any():
        codes = documento_problemas(pd.Series("CUIT", index=emisor.index), emisor)
        for fila, code, nro in zip(filas, codes.tolist(), emisor.tolist(), strict=True):
            if isinstance(code, str):
                found.append(
                    problem(
                        "emisor_cuit.invalido",
                        f"emisor_cuit: el CUIT «{nro}» {_EMISOR.get(code, 'no es válido')}.",
                        int(fila),
                        "emisor_cuit",
                    )
                )
    tipos = values["tipo"].iloc[heads].map(_ES_FCE)
    comun = tipos.eq(False).to_numpy()
    for name in FCE_NAMES:
        written = parsed[name].typed.to_numpy()[heads]
        for fila, tipo in zip(
            filas[comun & written], values["tipo"].iloc[heads][comun & written], strict=True
        ):
            found.append(
                problem(
                    "fce.no_permitido",
                    f"{name}: solo se completa en los comprobantes FCE MiPyME; una {tipo} no lleva datos "
                    "FCE (AFIP 10169): deje la celda vacía o cambie el tipo (por ejemplo FCE A).",
                    int(fila),
                    name,
                )
            )
    return found


def cbu_como_numero(
    raw: pd.Series, heads: np.ndarray, problem: Callable[[str, str, int, str], Problem]
) -> list[Problem]:
    """A CBU typed as an Excel number has lost digits (Excel keeps 15): it must be text."""
    cells = raw.iloc[heads]
    numeric = cells.map(lambda v: isinstance(v, int | float | np.integer | np.floating) and not pd.isna(v))
    return [
        problem(
            "fce.cbu_numero",
            "fce_cbu: el CBU está escrito como número y Excel solo guarda 15 dígitos de 22: escríbalo "
            "como texto (formato de celda Texto, o empezando con un apóstrofo ').",
            int(fila),
            "fce_cbu",
        )
        for fila in cells.index[numeric.to_numpy(dtype=bool)]
    ]
