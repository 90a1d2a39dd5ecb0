"""The body of `facturacion/nuevo`, read and checked the way TusFacturas checks it.

`parse_nuevo` returns either a `Pedido` (typed, TusFacturas-valid) or the list of rejections that
TusFacturas itself would answer (required fields, enums, lengths, TFC codes). What AFIP decides
(dates, numbering, letters vs receivers, amounts) lives in `rules.py`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from importer.sandbox.fce import RgEspeciales, parse_rg_especiales
from importer.sandbox.fields import SI_NO, FieldReader, Rejection
from importer.sandbox.tablas import (
    ALICUOTA_BY_VALUE,
    CONDICION_PAGO_OTRA,
    CONDICIONES_IVA,
    CONDICIONES_PAGO,
    DOCUMENTOS,
    LETRAS_BY_CONDICION,
    MONEDAS,
    PROVINCIAS,
    TIPOS_BY_NAME,
    UNIDADES_MEDIDA,
    Tipo,
)
from importer.sandbox.tributos import Tributo, importe, parse_tributos
from importer.sandbox.values import as_decimal, as_text

MAX_ITEMS = 130
MAX_ASOCIADOS = 10
CONDICIONES = frozenset(CONDICIONES_IVA)
MONEDA_CODES = frozenset(MONEDAS)
UNIDADES = frozenset(UNIDADES_MEDIDA)
TIPO_NAMES = frozenset(TIPOS_BY_NAME)
TIPOS_NO_SIMULADOS = frozenset(
    {
        "RECIBO C",
        "LIQUIDACIONES A",
        "LIQUIDACIONES B",
        "FACTURA NO VALIDA EN AFIP",
        "NOTA DE CREDITO NO VALIDA EN AFIP",
        "PRESUPUESTO",
        "REMITO",
    }
)
_EXTERNAL_REFERENCE = re.compile(r"[A-Za-z0-9_-]*")

TFC_8002 = "La external reference enviada, posee caracteres no validos."
TFC_8004 = "Para la condicion de IVA seleccionada no se permite realizar comprobantes de tipo B."
TFC_6001 = "Error al crear al cliente . No se podra generar el comprobante. Revise los datos enviados."
DOCUMENTO_INVALIDO = "El tipo de documento enviado no es valido"


@dataclass(frozen=True)
class Item:
    cantidad: Decimal
    precio: Decimal
    alicuota: str  # code of tablas.ALICUOTAS
    bonificacion: Decimal
    descripcion: str


@dataclass(frozen=True)
class AsociadoRef:
    tipo: str
    punto_venta: int
    numero: int
    fecha: date
    cuit: str | None


@dataclass(frozen=True)
class Pedido:
    """A `nuevo` request that TusFacturas accepts as well-formed."""

    tipo: Tipo
    punto_venta: int
    numero: int | None  # None: TusFacturas assigns the next one
    fecha: date
    vencimiento: date
    periodo: tuple[date, date] | None
    moneda: str
    cotizacion: Decimal
    total: Decimal
    documento_tipo: str
    documento_nro: str
    condicion_iva: str  # the one for this operation (condicion_iva_operacion or condicion_iva)
    items: tuple[Item, ...]
    bonificacion: Decimal
    tributos: tuple[Tributo, ...]
    impuestos_internos: Decimal
    asociados: tuple[AsociadoRef, ...]
    periodo_asociado: tuple[date, date] | None
    external_reference: str
    rg_especiales: RgEspeciales | None = None

    @property
    def importe_tributos(self) -> Decimal:
        return importe(self.tributos)

    @property
    def es_servicio(self) -> bool:
        return self.periodo is not None

    @property
    def anonimo(self) -> bool:
        return self.documento_tipo == "OTRO"

    @property
    def total_pesos(self) -> Decimal:
        return self.total * self.cotizacion


def parse_nuevo(body: dict[str, Any]) -> tuple[Pedido | None, list[Rejection]]:
    r = FieldReader()
    cliente = r.block(body, "cliente", "cliente")
    comprobante = r.block(body, "comprobante", "comprobante")
    if cliente is None or comprobante is None:
        return None, r.errors
    doc = _cliente(r, cliente)
    c = comprobante
    tipo_name = r.text(c, "tipo", "comprobante.tipo", required=True)
    tipo = TIPOS_BY_NAME.get(tipo_name or "")
    if tipo_name is not None and tipo is None:
        if tipo_name in TIPOS_NO_SIMULADOS:
            r.fail(f"El tipo de comprobante {tipo_name} no está disponible en el simulador.")
        else:
            r.fail(f"El tipo de comprobante enviado no es valido: {tipo_name}.")
    operacion = r.text(c, "operacion", "comprobante.operacion", required=True)
    if operacion == "C":
        r.fail("El simulador solo emite comprobantes de venta (operacion V).")
    elif operacion is not None and operacion != "V":
        r.invalid("comprobante.operacion", operacion)
    r.choice(c, "idioma", "comprobante.idioma", frozenset({"1", "2"}))
    fecha = r.date(c, "fecha", "comprobante.fecha", required=True)
    punto_venta = r.integer(c, "punto_venta", "comprobante.punto_venta", required=True, lo=1, hi=99999)
    numero = r.integer(c, "numero", "comprobante.numero", hi=99999999)
    moneda = r.choice(c, "moneda", "comprobante.moneda", MONEDA_CODES, required=True)
    cotizacion = r.decimal(c, "cotizacion", "comprobante.cotizacion", required=True, positive=True)
    vencimiento = r.date(c, "vencimiento", "comprobante.vencimiento", required=True)
    desde = r.date(c, "periodo_facturado_desde", "comprobante.periodo_facturado_desde")
    hasta = r.date(c, "periodo_facturado_hasta", "comprobante.periodo_facturado_hasta")
    if (c.get("periodo_facturado_desde") in (None, "")) != (c.get("periodo_facturado_hasta") in (None, "")):
        r.fail("Debe informar periodo_facturado_desde y periodo_facturado_hasta juntos.")
    r.text(c, "rubro", "comprobante.rubro", required=True)
    r.text(c, "rubro_grupo_contable", "comprobante.rubro_grupo_contable", required=True)
    r.text(c, "leyenda_gral", "comprobante.leyenda_gral", max_len=500)
    r.text(c, "comentario", "comprobante.comentario")
    bonificacion = r.decimal(c, "bonificacion", "comprobante.bonificacion") or Decimal(0)
    for key in ("impuestos_internos_base", "impuestos_internos_alicuota", "exentos"):
        r.decimal(c, key, f"comprobante.{key}")
    internos = r.decimal(c, "impuestos_internos", "comprobante.impuestos_internos") or Decimal(0)
    nogravados = r.decimal(c, "nogravados", "comprobante.nogravados")
    if nogravados:
        r.fail("El campo nogravados ya no se admite: informe los ítems no gravados con alícuota -2.")
    total = r.decimal(c, "total", "comprobante.total", required=True)
    referencia = _external_reference(r, c)
    letra = tipo.letra if tipo else None
    items = _detalle(r, c, letra)
    tributos = parse_tributos(r, c, letra)
    rg_especiales = parse_rg_especiales(r, c)
    asociados, periodo_asociado = _asociados(r, c, tipo)
    _pagos(r, c, total, cotizacion)
    _tags(r, c)
    if tipo is not None and doc is not None and letra == "B" and letra not in LETRAS_BY_CONDICION[doc[2]]:
        r.fail(TFC_8004, "TFC-8004")
    if r.errors:
        return None, r.errors
    assert tipo and fecha and punto_venta and moneda and cotizacion and vencimiento and doc
    assert total is not None and items is not None
    return Pedido(
        tipo=tipo,
        punto_venta=punto_venta,
        numero=numero or None,
        fecha=fecha,
        vencimiento=vencimiento,
        periodo=(desde, hasta) if desde and hasta else None,
        moneda=moneda,
        cotizacion=cotizacion,
        total=total,
        documento_tipo=doc[0],
        documento_nro=doc[1],
        condicion_iva=doc[2],
        items=items,
        bonificacion=bonificacion,
        tributos=tributos,
        impuestos_internos=internos,
        asociados=asociados,
        periodo_asociado=periodo_asociado,
        external_reference=referencia,
        rg_especiales=rg_especiales,
    ), []


def _cliente(r: FieldReader, cl: dict[str, Any]) -> tuple[str, str, str] | None:
    before = len(r.errors)
    documento_tipo = as_text(cl.get("documento_tipo"))
    if documento_tipo not in DOCUMENTOS:
        r.fail(DOCUMENTO_INVALIDO)
        documento_tipo = None
    raw_nro = r.get(cl, "documento_nro", "cliente.documento_nro", True)
    documento_nro = as_text(raw_nro) if raw_nro is not None else None
    if raw_nro is not None and (documento_nro is None or not re.fullmatch(r"[0-9]{1,11}", documento_nro)):
        r.fail("El campo cliente.documento_nro debe tener solo dígitos, sin puntos ni guiones (hasta 11).")
        documento_nro = None
    r.text(cl, "razon_social", "cliente.razon_social", required=True)
    r.text(cl, "nombre_fantasia", "cliente.nombre_fantasia")
    r.text(cl, "domicilio", "cliente.domicilio", required=True)
    r.integer(cl, "provincia", "cliente.provincia", required=True, lo=min(PROVINCIAS), hi=max(PROVINCIAS))
    r.choice(cl, "envia_por_mail", "cliente.envia_por_mail", SI_NO, required=True)
    condicion_pago = r.choice(cl, "condicion_pago", "cliente.condicion_pago", CONDICIONES_PAGO, required=True)
    if condicion_pago == CONDICION_PAGO_OTRA:
        r.text(cl, "condicion_pago_otra", "cliente.condicion_pago_otra", required=True, max_len=100)
    condicion = r.choice(cl, "condicion_iva", "cliente.condicion_iva", CONDICIONES, required=True)
    operacion = r.choice(cl, "condicion_iva_operacion", "cliente.condicion_iva_operacion", CONDICIONES)
    email = r.text(cl, "email", "cliente.email")
    if email and len(email.split(",")) > 15:
        r.fail("El campo cliente.email admite hasta 15 direcciones.")
    r.text(cl, "codigo", "cliente.codigo", max_len=50)
    for key in ("rg5329", "reclama_deuda"):
        r.choice(cl, key, f"cliente.{key}", SI_NO)
    if len(r.errors) > before:
        r.fail(TFC_6001, "TFC-6001")
        return None
    assert documento_tipo and documento_nro and condicion
    return documento_tipo, documento_nro, operacion or condicion


def _external_reference(r: FieldReader, c: dict[str, Any]) -> str:
    raw = c.get("external_reference")
    if raw is None or raw == "":
        return ""
    value = as_text(raw)
    if value is None or not _EXTERNAL_REFERENCE.fullmatch(value):
        r.fail(TFC_8002, "TFC-8002")
        return ""
    if len(value) > 255:
        r.fail("El campo comprobante.external_reference admite hasta 255 caracteres.")
    return value


def _detalle(r: FieldReader, c: dict[str, Any], letra: str | None) -> tuple[Item, ...] | None:
    detalle = c.get("detalle")
    if not isinstance(detalle, list) or not detalle:
        r.fail("El campo comprobante.detalle es obligatorio (al menos un ítem).")
        return None
    if len(detalle) > MAX_ITEMS:
        r.fail(f"El comprobante no puede tener más de {MAX_ITEMS} ítems (tiene {len(detalle)}).")
        return None
    items: list[Item] = []
    for i, entry in enumerate(detalle):
        path = f"comprobante.detalle[{i}]"
        if not isinstance(entry, dict):
            r.invalid(path, entry)
            continue
        cantidad = r.decimal(entry, "cantidad", f"{path}.cantidad", required=True, positive=True)
        bonif = r.decimal(entry, "bonificacion_porcentaje", f"{path}.bonificacion_porcentaje")
        if bonif is not None and bonif > 100:
            r.invalid(f"{path}.bonificacion_porcentaje", bonif)
        r.choice(entry, "afecta_stock", f"{path}.afecta_stock", SI_NO)
        r.text(entry, "leyenda", f"{path}.leyenda", max_len=1000)
        producto = r.block(entry, "producto", f"{path}.producto")
        if producto is None:
            continue
        p = f"{path}.producto"
        descripcion = r.text(producto, "descripcion", f"{p}.descripcion", required=True, min_len=4)
        precio = r.decimal(producto, "precio_unitario_sin_iva", f"{p}.precio_unitario_sin_iva", required=True)
        alicuota = _alicuota(r, producto, f"{p}.alicuota", letra)
        r.integer(producto, "unidad_bulto", f"{p}.unidad_bulto", required=True, lo=1)
        r.text(producto, "lista_precios", f"{p}.lista_precios", required=True, min_len=4)
        if producto.get("actualiza_precio") in (None, "") and entry.get("actualiza_precio") not in (None, ""):
            r.choice(entry, "actualiza_precio", f"{path}.actualiza_precio", SI_NO)
        else:
            r.choice(producto, "actualiza_precio", f"{p}.actualiza_precio", SI_NO, required=True)
        r.text(producto, "codigo", f"{p}.codigo", max_len=50)
        r.choice(producto, "unidad_medida", f"{p}.unidad_medida", UNIDADES)
        r.choice(producto, "rg5329", f"{p}.rg5329", SI_NO)
        r.decimal(producto, "impuestos_internos_alicuota", f"{p}.impuestos_internos_alicuota")
        if cantidad is not None and precio is not None and alicuota is not None and descripcion:
            items.append(Item(cantidad, precio, alicuota, bonif or Decimal(0), descripcion))
    return tuple(items)


def _alicuota(r: FieldReader, producto: dict[str, Any], path: str, letra: str | None) -> str | None:
    raw = r.get(producto, "alicuota", path, True)
    if raw is None:
        return None
    value = as_decimal(raw)
    code = ALICUOTA_BY_VALUE.get(value) if value is not None else None
    if code is None:
        r.fail(f"El campo {path} no es válido (valor recibido: {raw}); use 27, 21, 10.5, 0, -1 o -2.")
        return None
    if letra in ("C", "E") and code != "0":
        r.fail(f"Para comprobantes clase {letra} la alícuota de los ítems debe ser 0 ({path}).")
        return None
    return code


def _asociados(
    r: FieldReader, c: dict[str, Any], tipo: Tipo | None
) -> tuple[tuple[AsociadoRef, ...], tuple[date, date] | None]:
    lista = c.get("comprobantes_asociados")
    if lista in (None, "", []) and isinstance(c.get("fex"), dict):
        lista = c["fex"].get("comprobantes_asociados")  # tipo E carries them inside `fex`
    periodo = c.get("comprobantes_asociados_periodo")
    tiene_lista = lista not in (None, "", [])
    tiene_periodo = periodo not in (None, "", {}, [])
    if tipo is None:
        return (), None
    if tipo.es_nota and tiene_lista == tiene_periodo:
        r.fail(
            "Las notas de crédito y débito deben informar comprobantes_asociados o "
            "comprobantes_asociados_periodo (uno de los dos)."
        )
        return (), None
    refs: list[AsociadoRef] = []
    if tiene_lista:
        if not isinstance(lista, list) or len(lista) > MAX_ASOCIADOS:
            r.fail(f"El campo comprobantes_asociados admite una lista de hasta {MAX_ASOCIADOS} comprobantes.")
            return (), None
        for i, a in enumerate(lista):
            path = f"comprobante.comprobantes_asociados[{i}]"
            if not isinstance(a, dict):
                r.invalid(path, a)
                continue
            tipo_a = r.choice(a, "tipo_comprobante", f"{path}.tipo_comprobante", TIPO_NAMES, required=True)
            pdv = r.integer(a, "punto_venta", f"{path}.punto_venta", required=True, lo=1, hi=99999)
            nro = r.integer(a, "numero", f"{path}.numero", required=True, lo=1, hi=99999999)
            fecha = r.date(a, "comprobante_fecha", f"{path}.comprobante_fecha", required=True)
            # Required for every nota (tusfacturas-api.md §3.7); an FCE nota without it gets AFIP's
            # own 10158 instead (fce.py), so the field check leaves those to it.
            cuit = r.text(a, "cuit", f"{path}.cuit", max_len=11, required=tipo.es_nota and not tipo.fce)
            if tipo_a and pdv and nro and fecha:
                refs.append(AsociadoRef(tipo_a, pdv, nro, fecha, cuit))
    periodo_asociado = None
    if tiene_periodo:
        if not isinstance(periodo, dict):
            r.invalid("comprobante.comprobantes_asociados_periodo", periodo)
            return tuple(refs), None
        path = "comprobante.comprobantes_asociados_periodo"
        desde = r.date(periodo, "fecha_desde", f"{path}.fecha_desde", required=True)
        hasta = r.date(periodo, "fecha_hasta", f"{path}.fecha_hasta", required=True)
        if desde and hasta:
            periodo_asociado = (desde, hasta)
    return tuple(refs), periodo_asociado


def _pagos(r: FieldReader, c: dict[str, Any], total: Decimal | None, cotizacion: Decimal | None) -> None:
    pagos = c.get("pagos")
    if pagos in (None, "", {}):
        return
    if not isinstance(pagos, dict) or not isinstance(pagos.get("formas_pago"), list):
        r.invalid("comprobante.pagos", pagos)
        return
    suma = Decimal(0)
    for i, forma in enumerate(pagos["formas_pago"]):
        path = f"comprobante.pagos.formas_pago[{i}]"
        if not isinstance(forma, dict):
            r.invalid(path, forma)
            continue
        r.text(forma, "descripcion", f"{path}.descripcion", required=True)
        suma += r.decimal(forma, "importe", f"{path}.importe", required=True) or Decimal(0)
    declarado = r.decimal(pagos, "total", "comprobante.pagos.total", required=True)
    if declarado is not None and declarado != suma:
        r.fail("El total de pagos no coincide con la suma de los importes de formas_pago.")
    if declarado is not None and total is not None and cotizacion and declarado > total * cotizacion:
        r.fail("El total de pagos no puede superar el total del comprobante.")


def _tags(r: FieldReader, c: dict[str, Any]) -> None:
    tags = c.get("tags")
    if tags in (None, "", []):
        return
    if (
        not isinstance(tags, list)
        or len(tags) > 50
        or any(not isinstance(t, str) or len(t) > 255 for t in tags)
    ):
        r.fail("El campo comprobante.tags admite hasta 50 etiquetas de hasta 255 caracteres.")
