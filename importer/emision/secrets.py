"""Credentials: where they come from, how they are hashed, and how they never leak.

Every secret that is loaded is registered here; `mask_secrets` replaces any of them in a text and
`SecretFilter` does the same for every log record, so no output path can print one by accident.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

ENV_NAMES = ("TUSFACTURAS_USERTOKEN", "TUSFACTURAS_APIKEY", "TUSFACTURAS_APITOKEN")
MASK = "***"
_registered: set[str] = set()


@dataclass(frozen=True)
class Credentials:
    usertoken: str = field(repr=False)
    apikey: str = field(repr=False)
    apitoken: str = field(repr=False)

    def __post_init__(self) -> None:
        for value in (self.usertoken, self.apikey, self.apitoken):
            register_secret(value)

    def as_body(self) -> dict[str, str]:
        return {"usertoken": self.usertoken, "apikey": self.apikey, "apitoken": self.apitoken}

    def account_key(self) -> str:
        """A one-way identifier of the account: the ledger key, never the secrets themselves."""
        material = "\0".join(("tf-import-account-v1", self.usertoken, self.apikey, self.apitoken))
        return hashlib.sha256(material.encode("utf-8")).hexdigest()[:32]

    def __repr__(self) -> str:
        return "Credentials(***)"


def register_secret(value: str) -> None:
    # Very short values (an apikey like "12") would mask unrelated digits everywhere; they are
    # still never printed by our own code, which only ever shows the account key.
    if value and len(value) >= 4:
        _registered.add(value)


def mask_secrets(text: str) -> str:
    for secret in sorted(_registered, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


class SecretFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_secrets(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def read_dotenv(path: Path) -> dict[str, str]:
    """The KEY=VALUE pairs of a .env file (comments, `export` and quotes allowed)."""
    values: dict[str, str] = {}
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (FileNotFoundError, IsADirectoryError, PermissionError, UnicodeDecodeError):
        return values
    for line in text.splitlines():
        match = re.match(r"\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$", line)
        if not match or line.lstrip().startswith("#"):
            continue
        key, value = match.groups()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        else:
            value = value.split(" #", 1)[0].strip()
        values[key] = value
    return values


def load_settings(environ: dict[str, str] | None = None, dotenv: Path | None = None) -> dict[str, str]:
    """Environment variables, falling back to a `.env` in the working directory."""
    environ = dict(os.environ if environ is None else environ)
    file_values = read_dotenv(dotenv if dotenv is not None else Path.cwd() / ".env")
    merged = {**file_values, **{k: v for k, v in environ.items() if v}}
    return merged


def load_credentials(settings: dict[str, str]) -> Credentials | None:
    """Credentials from settings, or None when any of the three is missing."""
    values = [settings.get(name, "").strip() for name in ENV_NAMES]
    if not all(values):
        return None
    return Credentials(*values)


def missing_credential_names(settings: dict[str, str]) -> list[str]:
    return [name for name in ENV_NAMES if not settings.get(name, "").strip()]
