"""tf-import: Excel → TusFacturas.app electronic invoices, exactly once."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("tusfacturas-importer")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0"
