"""Hints for what TusFacturas or ARCA answered: by the code found in the message, then by wording.

TusFacturas often sends text without a code, so each entry also lists fragments of its usual
wording (lower case, no accents).
"""

from __future__ import annotations

from dataclasses import dataclass

RERUN_SAFE = (
    "Vuelva a ejecutar el mismo comando: tf-import consulta primero si el comprobante quedó emitido "
    "y solo lo reenvía si no existe. No lo emita a mano ni cambie sus datos mientras tanto."
)
LETRA = (
    "La letra debe corresponder a la condición frente al IVA del cliente: A para Responsable "
    "Inscripto o Monotributo, B para Consumidor Final o Exento (si usted es Responsable Inscripto), "
    "C si usted es monotributista. Revise tipo y cliente_condicion_iva."
)
FECHA_VENTANA = (
    "AFIP acepta una fecha de hasta 5 días antes o después del día de emisión (10 para servicios) "
    "y no anterior al último comprobante del punto de venta. Cambie la fecha o emita en otro momento."
)
# AFIP's FCE MiPyME data codes (afip-rules.md §8, §13): CBU, alias, SCA/ADC, anulación, vencimiento.
FCE_CODES = (
    "10162",
    "10163",
    "10164",
    "10165",
    "10166",
    "10167",
    "10168",
    "10169",
    "10170",
    "10171",
    "10172",
    "10173",
    "10174",
    "10175",
    "10176",
    "10178",
    "10189",
    "10196",
    "10214",
    "10215",
    "10216",
)


@dataclass(frozen=True)
class ApiHint:
    codes: tuple[str, ...]  # AFIP/ARCA or TusFacturas codes, as `api_error_code` returns them
    fragments: tuple[str, ...]  # lower case, no accents
    hint: str


FCE = "Factura de Crédito Electrónica MiPyME"
FCE_CBU = "fce_cbu (o su valor por defecto TF_IMPORT_FCE_CBU, en el entorno o en .env; o el de la cuenta)"

API_HINTS: tuple[ApiHint, ...] = (
    ApiHint(
        ("10067",),
        ("23000000000",),
        "Una Factura B a la CUIT genérica 23000000000 solo se admite con la percepción que corresponde: "
        "agréguela en la hoja Tributos, o identifique al cliente con su CUIT, CUIL o DNI real.",
    ),
    # FCE MiPyME data (afip-rules.md §8): one hint per thing to fix, then the rest of the family.
    ApiHint(
        ("10162",),
        (),
        f"A la {FCE} le faltan datos obligatorios: el CBU del emisor en {FCE_CBU} y la transferencia "
        "en fce_transferencia (SCA o ADC; por defecto SCA).",
    ),
    ApiHint(
        ("10165", "10168", "10174"),
        (),
        f"El CBU de la {FCE} no es válido o no está registrado a nombre del emisor: revise {FCE_CBU} "
        "(22 dígitos con sus dígitos verificadores) y que la cuenta figure en el registro de FCE de ARCA.",
    ),
    ApiHint(
        ("10166",),
        (),
        f"El alias del CBU de la {FCE} (fce_alias) debe tener de 6 a 20 letras, números, punto o guion.",
    ),
    ApiHint(
        ("10163", "10164"),
        (),
        f"La {FCE} exige el vencimiento del pago (columna vencimiento), no anterior a la fecha del "
        "comprobante ni a hoy.",
    ),
    ApiHint(
        ("10167", "10173"),
        (),
        f"Las notas de crédito y débito de una {FCE} exigen fce_anulacion: S si el comprador rechazó "
        "la factura, N si no. No llevan CBU.",
    ),
    ApiHint(
        ("10171",),
        (),
        f"fce_anulacion solo va en las notas de crédito y débito de una {FCE}: déjela vacía en la "
        "factura (que lleva el CBU en fce_cbu).",
    ),
    ApiHint(
        ("10172",),
        (),
        f"Las notas de crédito y débito de una {FCE} no llevan CBU, alias ni transferencia: deje "
        "vacías fce_cbu, fce_alias y fce_transferencia en la nota.",
    ),
    ApiHint(
        ("10169",),
        (),
        f"Solo los tipos {FCE} llevan CBU, alias, transferencia o anulación: deje vacías las columnas "
        "fce_* en los comprobantes comunes, o cambie el tipo a FCE.",
    ),
    ApiHint(
        ("10214", "10215", "10216"),
        (),
        f"La {FCE} exige la transferencia en fce_transferencia: SCA (sistema de circulación abierta) "
        "o ADC (agente de depósito colectivo), además del CBU en fce_cbu.",
    ),
    ApiHint(
        ("10192", "10188"),
        ("requiere_fec", "requiere fce", "requiere fec", "mipyme", "27.440", "credito electronica"),
        "ARCA exige emitir esta operación como Factura de Crédito Electrónica MiPyME (FCE) por el "
        "cliente y el monto. Cambie el tipo a su equivalente FCE (por ejemplo «FCE A» en lugar de "
        "FACTURA A), complete fce_cbu (o TF_IMPORT_FCE_CBU) y el vencimiento, y vuelva a ejecutar.",
    ),
    ApiHint(
        FCE_CODES,
        ("rg_especiales", "cbu", "transferencia sca", "agente de deposito colectivo"),
        f"Faltan o no son válidos los datos de la {FCE}: CBU del emisor ({FCE_CBU}), alias "
        "(fce_alias), transferencia SCA o ADC (fce_transferencia), vencimiento de pago, anulación en "
        "las notas (fce_anulacion), y un cliente identificado con CUIT. Revíselos con su contador.",
    ),
    ApiHint(
        ("S1254", "S1278"),
        (
            "no devolvio el cae",
            "en duda",
            "existe en arca pero no",
            "existe en afip pero no",
            "ejbtransactionrolledback",
        ),
        RERUN_SAFE,
    ),
    ApiHint(
        ("10016",),
        (),
        "El número o la fecha no siguen la secuencia de ARCA, lo que suele indicar que un envío "
        "anterior sí se emitió. " + RERUN_SAFE + " Si el error persiste, revise que la fecha no "
        "sea anterior a la del último comprobante del punto de venta.",
    ),
    ApiHint((), ("cbtefch debe estar comprendido", "no se envio: la fecha"), FECHA_VENTANA),
    ApiHint(
        ("10015",),
        (),
        "Factura B a consumidor final: por encima del tope hay que identificar al cliente (DNI, "
        "CUIT o CUIL); con OTRO el número debe ser 0 y un CUIT/CUIL debe existir en el padrón de "
        "ARCA. Revise cliente_documento_tipo y cliente_documento_nro.",
    ),
    ApiHint(
        ("10013",),
        (),
        "Las facturas A exigen que el cliente se identifique con CUIT: cambie cliente_documento_tipo "
        "a CUIT y verifique el número.",
    ),
    ApiHint(
        ("10048", "10051", "10061"),
        (),
        "Los importes no cierran (neto + IVA + tributos ≠ total). Revise cantidades, precios, "
        "bonificaciones y alícuotas del comprobante y vuelva a ejecutar.",
    ),
    ApiHint(
        ("10063", "10017", "10217"),
        (),
        "Observación de ARCA (el comprobante es válido): el cliente no figura activo en IVA o "
        "Monotributo. Confirme su condición frente al IVA en el padrón de ARCA para los próximos "
        "comprobantes.",
    ),
    ApiHint(
        ("10036",),
        ("fchvtopago",),
        "La fecha de vencimiento del pago (columna vencimiento) no puede ser anterior a la fecha del "
        "comprobante.",
    ),
    ApiHint(
        ("10032", "10031", "10033", "10034", "10035"),
        ("fchservdesde", "fchservhasta"),
        "Revise el período facturado: periodo_desde y periodo_hasta son obligatorios para servicios "
        "y el inicio no puede ser posterior al fin.",
    ),
    ApiHint(
        ("10041", "10040", "10197"),
        ("comprobante asociado",),
        "ARCA no encuentra o no acepta el comprobante asociado: revise asociado_tipo, "
        "asociado_punto_venta, asociado_numero y asociado_fecha contra el comprobante original.",
    ),
    ApiHint(
        ("10242", "10243", "10245", "10246", "TFC-8004"),
        ("condicion iva receptor", "condicion de iva seleccionada no se permite"),
        LETRA,
    ),
    ApiHint(
        ("TFC-8002",),
        ("external reference", "external_reference"),
        "La referencia tiene caracteres no aceptados: use solo letras, números, _ y - (hasta 40).",
    ),
    ApiHint(
        ("TFC-6001",),
        ("error al crear al cliente",),
        "TusFacturas no pudo registrar al cliente: revise razón social, domicilio, provincia, "
        "e-mail y documento del cliente.",
    ),
    ApiHint(
        ("10069",),
        (),
        "El documento del cliente no puede ser la CUIT del emisor: revise cliente_documento_nro.",
    ),
    ApiHint(
        ("10238", "10247", "10248", "10195"),
        ("cuit del receptor", "cuit receptor"),
        "ARCA no acepta la CUIT del cliente (inexistente, inactiva o no confiable): verifíquela en el "
        "padrón de ARCA.",
    ),
    ApiHint(
        (),
        ("tipo de documento enviado no es valido",),
        "Use CUIT, CUIL, DNI, PASAPORTE, CDI u OTRO en cliente_documento_tipo.",
    ),
    ApiHint(
        ("600", "601"),
        (
            "certificado",
            "no se puede establecer la comunicacion con",
            "computador no autorizado",
            "validaciondetoken",
            "lista de relaciones",
        ),
        "Hay un problema con el certificado digital de ARCA o con la delegación del servicio de "
        "facturación electrónica en TusFacturas: renuévelo o revíselo en ARCA y en TusFacturas y "
        "vuelva a ejecutar el comando.",
    ),
    ApiHint(
        ("10005",),
        (
            "punto de venta no se encuentra habilitado",
            "no esta habilitado",
            "tipo rece",
            "no existe en webservices",
            "no existe en los webservices",
        ),
        "Dé de alta el punto de venta en ARCA como «Factura electrónica - Web services» y "
        "configúrelo en TusFacturas, o use otro punto de venta habilitado.",
    ),
    ApiHint(
        ("10000",),
        ("no autorizado a emitir comprobantes",),
        "La CUIT emisora no está habilitada en ARCA para esa clase de comprobante: verifique su "
        "situación en ARCA (por ejemplo, la habilitación para facturas A).",
    ),
    ApiHint(
        ("HTTP 401", "HTTP 403"),
        ("acceso denegado", "credenciales", "usertoken", "apikey", "apitoken"),
        "Revise las credenciales TUSFACTURAS_USERTOKEN, TUSFACTURAS_APIKEY y TUSFACTURAS_APITOKEN "
        "(variables de entorno o archivo .env).",
    ),
    ApiHint(
        ("HTTP 429",),
        ("demasiados pedidos",),
        "TusFacturas pidió bajar el ritmo: vuelva a ejecutar con un --rate menor.",
    ),
    ApiHint(
        (),
        ("estan presentando errores", "mantenimiento", "sigue sin funcionar", "no hay conexion"),
        "El servicio no está disponible por ahora. Espere unos minutos y vuelva a ejecutar el mismo "
        "comando: retoma donde quedó, sin duplicar.",
    ),
    ApiHint(
        (),
        ("suscripcion", "abono vencido", "plan vencido", "cuenta suspendida", "limite de comprobantes"),
        "Revise el plan o la suscripción de su cuenta de TusFacturas.",
    ),
    ApiHint(
        (),
        ("en cola", "encolad"),
        "El punto de venta tiene comprobantes en cola en TusFacturas: espere a que se procesen o "
        "revíselos en el panel de TusFacturas.",
    ),
    ApiHint(
        (),
        ("ya emitido",),
        "Un comprobante emitido no se puede modificar: deje la fila como estaba o, si hay que "
        "corregirlo, emita una nota de crédito con una referencia nueva.",
    ),
    ApiHint(
        ("HTTP 500", "HTTP 502", "HTTP 503", "HTTP 504", "HTTP 524"),
        ("timeout", "connectionerror", "respuesta ilegible", "conexion", "no se pudo consultar"),
        RERUN_SAFE,
    ),
)
