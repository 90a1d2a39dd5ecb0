"""The issuer and FCE MiPyME columns of `Comprobantes` (interface.md §9, §10).

Header columns, grouped at the end of the sheet: `emisor_cuit` picks the account that issues the
comprobante; the `fce_*` columns carry AFIP's FCE data (rg_especiales) and are an error on any
tipo that is not an FCE. CBU, alias and transferencia may also come from the account's or the
environment's defaults (`TF_IMPORT_FCE_*`); a value in the row wins.
"""

from __future__ import annotations

from importer.dominio import catalogs
from importer.planilla.column_spec import CODE, DOCUMENT, TEXT, ColumnSpec

FCE_NAMES = ("fce_cbu", "fce_alias", "fce_transferencia", "fce_anulacion", "fce_referencia_comercial")

FCE_COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec(
        "emisor_cuit",
        DOCUMENT,
        True,
        False,
        "CUIT que emite el comprobante (con o sin guiones). Solo hace falta si tiene varias cuentas "
        "con el mismo punto de venta; vacía: la única cuenta con ese punto de venta.",
        "30-71234567-1",
        excel_format="@",
        width=15,
    ),
    ColumnSpec(
        "fce_cbu",
        DOCUMENT,
        True,
        False,
        "Solo FCE MiPyME: CBU del emisor (22 dígitos, escrito como texto). Obligatorio en las facturas "
        "FCE si no está configurado en TF_IMPORT_FCE_CBU o en la cuenta.",
        "0170215820000005295250",
        excel_format="@",
        width=24,
    ),
    ColumnSpec(
        "fce_alias",
        TEXT,
        True,
        False,
        "Solo facturas FCE MiPyME: alias del CBU (6 a 20 letras, números, . o -), se envía además del CBU.",
        "ventas.norte",
        excel_format="@",
        width=16,
        max_length=20,
    ),
    ColumnSpec(
        "fce_transferencia",
        CODE,
        True,
        False,
        "Solo facturas FCE MiPyME: SCA (sistema de circulación abierta, por defecto) o ADC (agente de "
        "depósito colectivo).",
        "SCA",
        catalog=catalogs.FCE_TRANSFERENCIA,
        width=10,
    ),
    ColumnSpec(
        "fce_anulacion",
        CODE,
        True,
        False,
        "Solo notas de crédito y débito FCE MiPyME (obligatoria en ellas): S si el comprador rechazó "
        "la factura, N si no.",
        "N",
        catalog=catalogs.SI_NO,
        width=10,
    ),
    ColumnSpec(
        "fce_referencia_comercial",
        TEXT,
        True,
        False,
        "Solo FCE MiPyME: referencia comercial (por ejemplo la orden de compra), hasta 50 caracteres.",
        "OC-7781",
        width=18,
        max_length=50,
    ),
)
