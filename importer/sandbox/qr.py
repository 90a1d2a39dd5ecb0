"""The AFIP QR text (RG 4892/2020, afip-rules.md §12): URL + standard Base64 of a compact JSON.

Typed as the specification says (numbers as numbers), not as TusFacturas' own sample, which
zero-pads strings.
"""

from __future__ import annotations

import base64
import json
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

from importer.sandbox.values import json_number

QR_URL = "https://www.afip.gob.ar/fe/qr/?p="


def qr_data(
    *,
    fecha: date,
    cuit: str,
    punto_venta: int,
    tipo_afip: int,
    numero: int,
    total: Decimal,
    moneda: str,
    cotizacion: Decimal,
    doc_tipo_afip: int,
    doc_nro: str,
    cae: str,
) -> dict[str, Any]:
    return {
        "ver": 1,
        "fecha": fecha.isoformat(),
        "cuit": int(cuit),
        "ptoVta": punto_venta,
        "tipoCmp": tipo_afip,
        "nroCmp": numero,
        "importe": json_number(total),
        "moneda": moneda,
        "ctz": json_number(cotizacion),
        "tipoDocRec": doc_tipo_afip,
        "nroDocRec": int(doc_nro or "0"),
        "tipoCodAut": "E",
        "codAut": int(cae),
    }


def qr_url(data: dict[str, Any]) -> str:
    compact = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    return QR_URL + base64.b64encode(compact.encode("utf-8")).decode("ascii")


def decode_qr(url: str) -> dict[str, Any]:
    """The JSON inside an `afip_qr` URL (trailing spaces allowed)."""
    query = parse_qs(urlsplit(url.strip()).query)
    return json.loads(base64.b64decode(query["p"][0], validate=True))
