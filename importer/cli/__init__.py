"""The command line: arguments, printing, progress and exit codes in one place."""

from importer.cli.main import main

__all__ = ["main"]
