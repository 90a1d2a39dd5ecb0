"""The Spanish sentences that end a run: an account or configuration problem, a pause too long.

They name the cause in the user's words and what to check; nothing was left half-done when they
are said (the comprobante concerned is certainly not emitted).
"""

from __future__ import annotations

from importer.emision.api import EmissionResult


def stop_message(result: EmissionResult) -> str:
    detail = "; ".join(result.errores)
    plain = {
        "credenciales": "TusFacturas rechazó las credenciales: revise TUSFACTURAS_USERTOKEN, "
        "TUSFACTURAS_APIKEY y TUSFACTURAS_APITOKEN.",
        "url": "La dirección de la API no es válida: revise --base-url o TUSFACTURAS_BASE_URL.",
        "certificado": "El certificado de AFIP/ARCA de la cuenta tiene un problema: revíselo en TusFacturas.",
        "delegacion": "AFIP/ARCA no reconoce la delegación del certificado: revísela en TusFacturas.",
        "punto_de_venta": "El punto de venta no está habilitado para factura electrónica por web service.",
        "no_autorizado": "La CUIT no está autorizada para emitir este tipo de comprobante.",
        "suscripcion": "La suscripción de TusFacturas no permite emitir más comprobantes.",
        "cola": "El punto de venta tiene comprobantes en cola: solo admite envíos encolados.",
    }.get(result.reason, "TusFacturas informó un problema de la cuenta o su configuración.")
    return f"{plain} ({detail})" if detail else plain


def pause_message(result: EmissionResult, max_pause: float) -> str:
    minutes = max_pause / 60
    what = {
        "afip_caido": "AFIP/ARCA sigue sin funcionar",
        "mantenimiento": "TusFacturas sigue en mantenimiento",
        "http_429": "TusFacturas sigue rechazando pedidos por exceso (HTTP 429)",
        "sin_conexion": "No hay conexión con TusFacturas",
    }.get(result.reason, "El servicio no responde")
    return f"{what} después de {minutes:.0f} minutos de espera. Nada quedó a medias."
