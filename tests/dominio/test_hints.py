"""Hints for the Errores sheet: local codes by family, API errors by code and by wording."""

from __future__ import annotations

import pytest

from importer.dominio.hints import (
    GENERIC_API_HINT,
    GENERIC_HINT,
    LOCAL_HINTS,
    api_error_code,
    hint_for_api_error,
    hint_for_problem,
)

# The codes importer.planilla.validation, grouping, parsing and fiscal produce, plus a few named in the
# design that the validator may add later.
VALIDATOR_CODES = (
    "cotizacion.decimales",
    "texto.caracter_invalido",
    "numero.fuera_de_rango",
    "total.fuera_de_rango",
    "referencia.fila_incierta",
    "alicuota.no_permitida",
    "alicuota.requerida",
    "asociado.fecha",
    "asociado.no_permitido",
    "asociado.requerido",
    "asociado.tipo",
    "bonificacion.rango",
    "bonificacion.decimales",
    "cantidad.decimales",
    "precio.decimales",
    "cantidad.no_positiva",
    "consumidor_final.tope",
    "cotizacion.no_positiva",
    "cotizacion.pes",
    "cotizacion.requerida",
    "cuit.digito_verificador",
    "cuit.largo",
    "cuit.prefijo",
    "descripcion.largo",
    "dni.largo",
    "documento.formato",
    "documento.otro",
    "email.demasiados",
    "email.invalido",
    "encabezado.distinto",
    "fecha.fuera_de_rango",
    "fecha.otro_mes",
    "letra.receptor",
    "letra.requiere_cuit",
    "lineas.demasiadas",
    "numero.rango",
    "periodo.incompleto",
    "periodo.invertido",
    "precio.negativo",
    "punto_venta.rango",
    "referencia.formato",
    "referencia.repetida",
    "texto.largo",
    "total.no_coincide",
    "total.no_positivo",
    "total_control.no_positivo",
    "vencimiento.anterior",
    "requerido",
    "tipo_invalido",
    "numero_invalido",
    "numero_ambiguo",
    "numero_no_entero",
    "fecha_invalida",
    "valor_desconocido",
    "fecha.ventana",
)


@pytest.mark.parametrize("codigo", VALIDATOR_CODES)
def test_every_validator_code_gets_a_specific_hint(codigo: str) -> None:
    assert hint_for_problem(codigo) != GENERIC_HINT


def test_look_alike_codes_get_their_own_hint() -> None:
    assert hint_for_problem("tipo_invalido") != hint_for_problem("tipo")  # a number expected, not a tipo
    assert hint_for_problem("fecha.fuera_de_rango") != hint_for_problem("fecha_invalida")
    assert hint_for_problem("asociado.no_permitido") != hint_for_problem("asociado.requerido")


def test_codes_fall_back_to_their_family() -> None:
    assert "cuit.digito_verificador" not in LOCAL_HINTS
    assert hint_for_problem("cuit.digito_verificador") == LOCAL_HINTS["cuit"]
    assert hint_for_problem("cuit.codigo_que_aun_no_existe") == LOCAL_HINTS["cuit"]
    assert hint_for_problem("fecha.ventana.servicios") == LOCAL_HINTS["fecha.ventana"]
    assert hint_for_problem("fecha.ventana") != hint_for_problem("fecha.formato")
    assert hint_for_problem("requerido_en_nota") == LOCAL_HINTS["requerido"]
    assert hint_for_problem("  Total.No_Coincide ") == LOCAL_HINTS["total.no_coincide"]


def test_unknown_codes_use_the_column_then_the_generic_hint() -> None:
    assert hint_for_problem("misterio", "cantidad") == LOCAL_HINTS["cantidad"]
    assert hint_for_problem("misterio", "cliente_documento_nro") == LOCAL_HINTS["documento"]
    assert hint_for_problem("misterio", "columna_inventada") == GENERIC_HINT
    assert hint_for_problem("misterio") == GENERIC_HINT
    assert hint_for_problem(None) == GENERIC_HINT
    assert hint_for_problem("") == GENERIC_HINT


@pytest.mark.parametrize(
    ("mensaje", "codigo"),
    [
        (
            "AFIP Factura electronica, informa el siguiente error: Cod. Error: #6661145.10036 - El campo "
            "FchVtoPago no puede ser anterior a la fecha del comprobante.",
            "10036",
        ),
        ("AFIP No devolvio el CAE asociado. (Cod. Error #6661141.S1254)", "S1254"),
        ("Cod. Error: #6661145.0 - AFIP rechazo la generacion del comprobante", ""),
        ("Cod. Error: #6661145.0 - AFIP rechazo la generacion (10048)", "10048"),
        ("Receptor observado [ codigo: 10063 ]", "10063"),
        ("tfc-8004 Para la condicion de IVA seleccionada no se permite", "TFC-8004"),
        ("Respuesta HTTP 502", "HTTP 502"),
        ("El total 10500.00 no coincide con 10500,50", ""),
        ("", ""),
    ],
)
def test_api_error_code_is_found_where_afip_and_tusfacturas_put_it(mensaje: str, codigo: str) -> None:
    assert api_error_code(mensaje) == codigo


@pytest.mark.parametrize(
    ("mensaje", "palabra"),
    [
        ("Cod. Error: #6661145.10016 - El numero o fecha del comprobante no se corresponde", "mismo comando"),
        ("Cod. Error: #6661145.10015 - El documento del receptor", "consumidor final"),
        ("Cod. Error: #6661145.10013 - Para comprobantes clase A", "CUIT"),
        ("Cod. Error: #6661145.10048 - El campo ImpTotal", "importes"),
        ("El receptor no está activo [ codigo: 10063 ]", "padrón"),
        ("Cod. Error: #6661145.10036 - FchVtoPago", "vencimiento"),
        ("Cod. Error: #6661145.10032 - FchServDesde no puede ser posterior", "periodo_desde"),
        ("Cod. Error: #6661145.10041 - No existe el comprobante asociado", "asociado_numero"),
        ("Cod. Error: #6661145.10242 - CondicionIVAReceptorId", "condición frente al IVA"),
        ("Cod. Error: #6661145.10243 - CondicionIVAReceptorId", "condición frente al IVA"),
        ("TFC-8002 La external reference enviada, posee caracteres no validos.", "referencia"),
        ("Para la condicion de IVA seleccionada no se permite realizar comprobantes de tipo B.", "letra"),
        ("TFC-6001 Error al crear al cliente . No se podra generar el comprobante.", "cliente"),
        ("requiere_fec: SI", "FCE"),
        ("AFIP requiere emitir FCE MiPyME para este receptor", "FCE"),
        ("AFIP No devolvio el CAE asociado. (Cod. Error #6661141.S1278)", "mismo comando"),
        ("No se puede establecer la comunicación con ARCA", "certificado"),
        ("Computador no autorizado a acceder al servicio", "certificado"),
        ("El punto de venta no se encuentra habilitado para el presente WS", "punto de venta"),
        ('No autorizado a emitir comprobantes clase "A"', "habilitada"),
        ("Los servicios de facturacion de AFIP estan presentando errores", "Espere"),
        ("Estaremos realizando tareas de mantenimiento hasta las 05:25", "Espere"),
        ("Demasiados pedidos por segundo (HTTP 429)", "--rate"),
        ("Acceso denegado (HTTP 401)", "TUSFACTURAS_APIKEY"),
        ("Ya emitido desde la planilla junio.xlsx con otros datos: no se vuelve a enviar", "nota de crédito"),
        (
            "En duda: no se pudo consultar TusFacturas. Vuelva a ejecutar el mismo comando más tarde.",
            "mismo comando",
        ),
        ("ReadTimeout", "mismo comando"),
        ("Respuesta HTTP 524", "mismo comando"),
    ],
)
def test_api_errors_get_a_specific_hint(mensaje: str, palabra: str) -> None:
    hint = hint_for_api_error(mensaje)
    assert hint != GENERIC_API_HINT
    assert palabra.lower() in hint.lower()


def test_unknown_api_errors_get_the_generic_hint() -> None:
    assert hint_for_api_error("Algo raro pasó") == GENERIC_API_HINT
    assert hint_for_api_error("Cod. Error: #6661145.10999 - Código nuevo de ARCA") == GENERIC_API_HINT


def test_api_codes_given_as_problem_codes_get_the_api_hint() -> None:
    assert hint_for_problem("10016") == hint_for_api_error("Cod. Error: #1.10016")
    assert hint_for_problem("TFC-8004") == hint_for_api_error("TFC-8004")


def test_afip_10067_on_the_generic_cuit_says_to_identify_the_customer():
    hint = hint_for_api_error(
        "AFIP Factura electronica, informa el siguiente error: Cod. Error: #6661145.10067 - Si el "
        "receptor es la CUIT 23000000000 debe informar percepciones."
    )
    assert "23000000000" in hint and "identifique al cliente" in hint


@pytest.mark.parametrize("code", ["10162", "10168", "10176", "10214", "10215"])
def test_fce_data_codes_point_at_the_fce_data(code):
    hint = hint_for_api_error(f"Cod. Error: #6661145.{code} - Campo Opcionales con datos invalidos.")
    assert "Factura de Crédito Electrónica MiPyME" in hint and "CBU" in hint
