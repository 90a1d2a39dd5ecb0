"""What to do about a problem: a plain-Spanish hint for every local code and API error.

The results workbook's `Errores` sheet shows one hint per problem so the person fixing the sheet
knows the next step without reading the specs. Local codes are matched by prefix at `.`/`_`
boundaries (`cuit.digito_verificador` falls back to `cuit`), so a code added later still gets the
hint of its family. API errors are matched by the AFIP/TusFacturas code found in the message and
then by fragments of the message itself, because TusFacturas often sends text without a code.
"""

from __future__ import annotations

import re
import unicodedata

from importer.dominio.hints_api import API_HINTS, FECHA_VENTANA, LETRA, RERUN_SAFE  # noqa: F401 - re-exported

GENERIC_HINT = "Revise el dato indicado, corrija la planilla y vuelva a ejecutar el comando."
GENERIC_API_HINT = (
    "Lea el mensaje de TusFacturas/ARCA, corrija en la planilla los datos del comprobante y vuelva a "
    "ejecutar el mismo comando: los comprobantes ya emitidos no se vuelven a enviar."
)

_CUIT = (
    "Verifique el número en la constancia de inscripción del cliente en ARCA (11 dígitos, sin "
    "guiones): un solo dígito mal tipeado cambia el dígito verificador."
)

# Local validation codes (and their families). Keys are code prefixes.
LOCAL_HINTS: dict[str, str] = {
    "requerido": "Complete la celda: la columna es obligatoria (ver la hoja Instrucciones de la plantilla).",
    "columna": "Use la plantilla de tf-import: la fila 1 debe tener los nombres de columna exactos.",
    "columna.faltante": "Agregue la columna que falta con su nombre exacto en la fila 1 (descargue la "
    "plantilla con «tf-import template» para copiarlo).",
    "columna.desconocida": "La columna no es de la plantilla: se copia a los resultados pero no se envía. "
    "Si quiso escribir una columna de la plantilla, corrija el nombre.",
    "columna.repetida": "Deje una sola columna con ese nombre.",
    "encabezado": "Revise los nombres de la fila 1: deben ser los de la plantilla.",
    "encabezado.distinto": "Las filas siguientes de un mismo comprobante heredan los datos de la primera: "
    "deje vacías esas columnas o copie exactamente el valor de la primera fila de la referencia.",
    "planilla": "Abra el archivo en Excel, verifique que sea la planilla de comprobantes (.xlsx) y "
    "guárdelo de nuevo.",
    "hoja": "Verifique que el libro tenga la hoja Comprobantes (o Resultados) con los datos.",
    "fecha": "Escriba una fecha de Excel o un texto dd/mm/aaaa (por ejemplo 14/07/2025).",
    "fecha.ventana": FECHA_VENTANA,
    "fecha.fuera_de_rango": FECHA_VENTANA,
    "fecha.anterior": FECHA_VENTANA,
    "fecha.otro_mes": "AFIP no acepta para productos una fecha futura de otro mes: use una fecha del mes "
    "en curso o espere al mes siguiente para emitir.",
    "numero": "Escriba un número: se acepta 1234.56 o 1.234,56, sin símbolos de moneda.",
    "decimal": "Escriba un número: se acepta 1234.56 o 1.234,56, sin símbolos de moneda.",
    "entero": "Escriba un número entero, sin decimales ni separadores.",
    "numero_no_entero": "Escriba un número entero, sin decimales ni separadores.",
    "numero_ambiguo": "Con un solo punto o una sola coma no se sabe si son miles o decimales: escriba el "
    "número sin separador de miles (1234,5) o con ambos (1.234,50).",
    "numero.fuera_de_rango": "AFIP admite importes y cantidades de hasta 13 dígitos enteros y una "
    "cotización de hasta 4: revise que la celda no tenga dígitos de más (o un número en notación "
    "científica, como 1E+25) y escriba el valor real.",
    "numero.rango": "El número de comprobante va de 1 a 99999999 (sin el punto de venta).",
    "cantidad.decimales": "Redondee la cantidad a 2 decimales (o cambie la unidad de medida, por ejemplo "
    "gramos en vez de kilogramos).",
    "precio.decimales": "Redondee el precio unitario a 3 decimales como máximo.",
    "bonificacion.decimales": "Redondee el porcentaje de bonificación a 2 decimales.",
    "cotizacion.decimales": "TusFacturas guarda la cotización con 3 decimales: redondéela a 3 (por ejemplo "
    "1.012,345) para que el total que se revisa sea el que AFIP recibe.",
    "tipo_invalido": "La celda tiene texto donde se espera un número: escriba solo el número.",
    "catalogo": "Elija un valor de la lista desplegable de la plantilla (los valores aceptados están "
    "en la hoja Instrucciones).",
    "valor": "Elija un valor de la lista desplegable de la plantilla (los valores aceptados están en la "
    "hoja Instrucciones).",
    "texto": "Acorte el texto al largo máximo indicado para la columna.",
    "largo": "Acorte el texto al largo máximo indicado para la columna.",
    "referencia": "Use solo letras, números, _ y - (hasta 40 caracteres). Cada referencia identifica un "
    "único comprobante.",
    "referencia.repetida": "Esa referencia ya identifica a otro comprobante con otros datos: use una "
    "referencia nueva, o iguale los datos si las filas son del mismo comprobante.",
    "referencia.duplicada": "Esa referencia ya identifica a otro comprobante: use una referencia nueva. "
    "Las filas de un mismo comprobante deben estar juntas y con la misma referencia.",
    "referencia.emitida": "Un comprobante emitido no se puede modificar: deje la fila como estaba o, si "
    "hay que corregirlo, emita una nota de crédito con una referencia nueva.",
    "referencia.modificada": "Un comprobante emitido no se puede modificar: deje la fila como estaba o, si "
    "hay que corregirlo, emita una nota de crédito con una referencia nueva.",
    "tipo": "Use un tipo de TusFacturas, por ejemplo FACTURA A, FACTURA B o NOTA DE CREDITO A.",
    "letra": LETRA,
    "letra.requiere_cuit": "Las facturas A exigen que el cliente se identifique con CUIT: cambie "
    "cliente_documento_tipo a CUIT y verifique el número.",
    "tipo.letra": LETRA,
    "tipo.condicion_iva": LETRA,
    "condicion_iva": LETRA,
    "punto_venta": "Use el número de un punto de venta habilitado en ARCA para factura electrónica por "
    "web service (1 a 99999).",
    "cuit": _CUIT,
    "cuil": _CUIT,
    "cdi": _CUIT,
    "dni": "El DNI tiene 7 u 8 dígitos, sin puntos ni letras. Verifíquelo con el cliente.",
    "documento": "Revise el documento del cliente: solo dígitos; con OTRO (consumidor final sin "
    "identificar) el número es 0; para facturas A el cliente debe tener CUIT.",
    "documento.emisor": "El cliente no puede tener la misma CUIT que el emisor: revise el documento.",
    "consumidor_final": "Por encima del tope de ARCA una factura a consumidor final debe identificar al "
    "cliente: complete cliente_documento_tipo (DNI, CUIT o CUIL) y cliente_documento_nro.",
    "consumidor_final.tope": "Por encima del tope de ARCA una factura a consumidor final debe identificar "
    "al cliente: complete cliente_documento_tipo (DNI, CUIT o CUIL) y cliente_documento_nro.",
    "total": "Revise cantidades, precios, bonificaciones y alícuotas de las filas del comprobante.",
    "total.no_coincide": "El total calculado (cantidad × precio − bonificación + IVA) no coincide con "
    "total_control: revise precios, cantidades, alícuotas y bonificaciones, o corrija total_control.",
    "total.fuera_de_rango": "El total supera lo que AFIP admite en un comprobante (13 dígitos enteros): "
    "revise cantidades y precios o divida la venta en varios comprobantes con referencias distintas.",
    "referencia.fila_incierta": "Una fila vecina no se puede asignar con certeza a un comprobante (su "
    "referencia es inválida, falta o abre un comprobante sin datos): corrija esa fila y este "
    "comprobante se emitirá en la próxima ejecución, completo.",
    "total.cero": "El comprobante suma 0: revise cantidades y precios.",
    "alicuota": "Use 27, 21, 10.5, 0, exento o no gravado; las facturas C y E no llevan alícuota (deje "
    "la celda vacía o en 0).",
    "moneda": "Use PES para pesos, DOL para dólares o el código AFIP de la moneda (ver Instrucciones).",
    "cotizacion": "Para PES la cotización es 1; para otra moneda escriba los pesos por unidad (mayor que 0).",
    "vencimiento": "La fecha de vencimiento del pago no puede ser anterior a la fecha del comprobante.",
    "periodo": "Para servicios complete periodo_desde y periodo_hasta; el inicio no puede ser posterior "
    "al fin.",
    "asociado": "Las notas de crédito y débito deben indicar el comprobante original: asociado_tipo, "
    "asociado_punto_venta, asociado_numero y asociado_fecha (no posterior a la de la nota).",
    "asociado.no_permitido": "Las facturas no llevan comprobante asociado: deje vacías las columnas "
    "asociado_tipo, asociado_punto_venta, asociado_numero y asociado_fecha.",
    "total_control.no_positivo": "total_control es opcional: déjelo vacío o escriba el total esperado "
    "(mayor que 0).",
    "descripcion": "La descripción debe tener entre 4 y 255 caracteres (cada % y cada salto de línea "
    "ocupan 3 al enviarla).",
    "texto.caracter_invalido": "La celda tiene caracteres invisibles que no se pueden enviar (suelen "
    "venir de copiar y pegar desde otro sistema): borre el texto y vuelva a escribirlo.",
    "cantidad": "La cantidad debe ser un número mayor que 0.",
    "precio": "El precio unitario debe ser un número mayor o igual a 0 (sin IVA para A, B y M; final "
    "para C).",
    "bonificacion": "La bonificación es un porcentaje entre 0 y 100.",
    "email": "Escriba direcciones de e-mail válidas separadas por comas (hasta 15).",
    "lineas": "Un comprobante admite hasta 130 líneas: divídalo en dos referencias.",
    "detalle": "Un comprobante admite hasta 130 líneas: divídalo en dos referencias.",
    "tipo.no_soportado": "Este tipo de comprobante todavía no se puede emitir desde la planilla: emítalo "
    "desde el panel de TusFacturas y deje fuera de la planilla sus filas (o cámbielo por un tipo común "
    "si corresponde).",
    "fce": "Los comprobantes FCE MiPyME necesitan datos adicionales: consulte a su contador antes de "
    "emitirlos.",
    "fce.cbu": "Copie el CBU del emisor (22 dígitos) desde el home banking, en una celda con formato Texto, "
    "o configúrelo una vez en TF_IMPORT_FCE_CBU.",
    "fce.alias": "El alias del CBU tiene de 6 a 20 letras, números, puntos o guiones; puede dejarlo vacío.",
    "fce.anulacion": "fce_anulacion va solo en las notas de crédito y débito FCE: S si el comprador rechazó "
    "la factura, N si no.",
    "fce.no_permitido": "Las columnas fce_* son solo para los tipos FCE MiPyME: vacíelas o cambie el tipo "
    "(por ejemplo FCE A).",
    "fce.vencimiento": "Las facturas FCE necesitan la fecha de vencimiento del pago, no anterior a hoy ni a "
    "la fecha del comprobante.",
    "fce.cuit_generico": "Una FCE se emite al CUIT real del comprador (una gran empresa), nunca al genérico.",
    "tributo": "Revise la fila de la hoja Tributos indicada: tributo (IVA, IIBB o NACIONAL), régimen de ese "
    "tributo, base imponible y alícuota (ver la hoja Instrucciones).",
    "tributo.referencia_desconocida": "La referencia de la hoja Tributos debe ser la de un comprobante de la "
    "hoja Comprobantes, escrita igual; corríjala o borre la fila.",
    "tributo.importe_no_coincide": "Deje vacío el importe de la percepción (se calcula como base × alícuota "
    "/ 100) o corrija base, alícuota o importe.",
    "tributo.repetido": "Junte en una fila las percepciones del mismo tributo, régimen y alícuota.",
    "tributo.maximo": "TusFacturas admite hasta 7 percepciones por comprobante: junte las del mismo régimen.",
    "tributo.letra_no_admite": "Los comprobantes C y E no llevan percepciones: borre esas filas de la hoja "
    "Tributos.",
    "tributo.con_errores": "Corrija las filas de la hoja Tributos de este comprobante: se emite recién cuando "
    "todas sus percepciones son válidas.",
    "cliente.cuit_generico_sin_percepcion": "A un sujeto no categorizado (CUIT 23000000000) solo se le "
    "factura con una percepción: agréguela en la hoja Tributos o identifique al cliente.",
    "emisor_cuit": "Escriba el CUIT del emisor (11 dígitos, con o sin guiones) tal como figura en su cuenta, "
    "o deje la celda vacía si tiene una sola cuenta para ese punto de venta.",
}

# When a code is unknown, the column it points at still says what kind of value is expected.
_COLUMN_FAMILIES: dict[str, str] = {
    "referencia": "referencia",
    "fecha": "fecha",
    "vencimiento": "vencimiento",
    "periodo_desde": "periodo",
    "periodo_hasta": "periodo",
    "tipo": "tipo",
    "punto_venta": "punto_venta",
    "moneda": "moneda",
    "cotizacion": "cotizacion",
    "cliente_documento_tipo": "documento",
    "cliente_documento_nro": "documento",
    "cliente_condicion_iva": "condicion_iva",
    "cliente_email": "email",
    "asociado_tipo": "asociado",
    "asociado_punto_venta": "asociado",
    "asociado_numero": "asociado",
    "asociado_fecha": "asociado",
    "total_control": "total.no_coincide",
    "emisor_cuit": "emisor_cuit",
    "fce_cbu": "fce.cbu",
    "fce_alias": "fce.alias",
    "fce_anulacion": "fce.anulacion",
    "fce_transferencia": "fce",
    "fce_referencia_comercial": "fce",
    "descripcion": "descripcion",
    "cantidad": "cantidad",
    "precio_unitario": "precio",
    "alicuota_iva": "alicuota",
    "bonificacion_porcentaje": "bonificacion",
}


_CODE_PATTERNS = (
    re.compile(r"\b(TFC-\d+)", re.IGNORECASE),
    re.compile(r"#\d+\.(S?\d+)\b", re.IGNORECASE),  # "Cod. Error: #6661145.10036 - …"
    re.compile(r"\bcodigo:?\s*(\d{3,5})\b", re.IGNORECASE),  # "[ codigo: 10063 ]"
    re.compile(r"(?<![\d.,])(10\d{3})\b(?![.,]\d)"),  # a bare AFIP 10xxx code, not an amount
    re.compile(r"\b(HTTP \d{3})\b", re.IGNORECASE),
)


def plain(text: str) -> str:
    """Lower case without accents, the form fragments are written in."""
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch)).lower()


def api_error_code(mensaje: str) -> str:
    """The AFIP/ARCA or TusFacturas code in an API message (`10016`, `TFC-8004`, `S1254`), or ""."""
    text = plain(str(mensaje))
    for pattern in _CODE_PATTERNS:
        for match in pattern.finditer(text):
            code = match.group(1)
            if code.strip("0"):  # "#6661145.0" is AFIP's generic "rechazado": keep looking
                return code.upper()
    return ""


def _local(code: str) -> str | None:
    code = code.strip().lower()
    while code:
        if code in LOCAL_HINTS:
            return LOCAL_HINTS[code]
        cut = max(code.rfind("."), code.rfind("_"))
        if cut <= 0:
            return None
        code = code[:cut]
    return None


def hint_for_problem(codigo: str | None, columna: str | None = None) -> str:
    """The hint for a local validation problem: by code family, then by column, then generic."""
    found = _local(codigo) if codigo else None
    if found is None and codigo:
        found = _api_by_code(codigo.strip().upper())
    if found is None and columna and columna in _COLUMN_FAMILIES:
        found = _local(_COLUMN_FAMILIES[columna])
    return found or GENERIC_HINT


def _api_by_code(code: str) -> str | None:
    for entry in API_HINTS:
        if code in entry.codes:
            return entry.hint
    return None


def hint_for_api_error(mensaje: str) -> str:
    """The hint for a message from TusFacturas/ARCA (or from the emission engine about one)."""
    code = api_error_code(mensaje)
    found = _api_by_code(code) if code else None
    if found is None:
        text = plain(str(mensaje))
        found = next((e.hint for e in API_HINTS if any(f in text for f in e.fragments)), None)
    return found or GENERIC_API_HINT
