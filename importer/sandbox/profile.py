"""Who the simulated account invoices as: the issuer's CUIT, IVA condition and puntos de venta."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

RI = "RI"
MONOTRIBUTO = "M"


@dataclass(frozen=True)
class IssuerProfile:
    """The issuer behind every credential triple of a sandbox.

    `letras` are the classes AFIP lets this CUIT issue: a Responsable Inscripto issues A, B and E;
    a monotributista issues C (and E). `puntos_venta` are enabled for products and services.
    """

    cuit: str = "30717778886"
    razon_social: str = "EMPRESA DEMO SANDBOX S.A."
    condicion_iva: str = RI
    domicilio: str = "Av. Siempreviva 742, Ciudad Autónoma de Buenos Aires"
    ingresos_brutos: str = "901-123456-7"
    inicio_actividades: str = "01/03/2015"
    puntos_venta: frozenset[int] = field(default_factory=lambda: frozenset(range(1, 11)))
    letras: frozenset[str] = field(default_factory=lambda: frozenset({"A", "B", "E"}))

    @classmethod
    def responsable_inscripto(cls, **changes: object) -> IssuerProfile:
        return replace(cls(), **changes)  # type: ignore[arg-type]

    @classmethod
    def monotributo(cls, **changes: object) -> IssuerProfile:
        base = cls(
            cuit="20287654325",
            razon_social="PERSONA DEMO SANDBOX",
            condicion_iva=MONOTRIBUTO,
            ingresos_brutos="Exento",
            letras=frozenset({"C", "E"}),
        )
        return replace(base, **changes)  # type: ignore[arg-type]

    @classmethod
    def named(cls, name: str) -> IssuerProfile:
        """`ri` or `monotributo`, as the command line spells them."""
        key = name.strip().lower()
        if key in ("ri", "responsable_inscripto", "responsable-inscripto"):
            return cls.responsable_inscripto()
        if key in ("monotributo", "m", "mt"):
            return cls.monotributo()
        raise ValueError(f"perfil desconocido: {name!r} (use ri o monotributo)")

    @property
    def condicion_iva_nombre(self) -> str:
        return "Responsable Inscripto" if self.condicion_iva == RI else "Responsable Monotributo"

    @property
    def cuit_con_guiones(self) -> str:
        return f"{self.cuit[:2]}-{self.cuit[2:10]}-{self.cuit[10:]}"

    def describe(self) -> str:
        pdvs = sorted(self.puntos_venta)
        rango = f"{pdvs[0]} a {pdvs[-1]}" if pdvs == list(range(pdvs[0], pdvs[-1] + 1)) else str(pdvs)
        return (
            f"{self.razon_social}, CUIT {self.cuit_con_guiones} ({self.condicion_iva_nombre}), "
            f"puntos de venta {rango} (productos y servicios)"
        )
