"""Where output files may go: Spanish reasons for OS errors, the guard against writing over the
input, and the fallback folders used when the place the user chose cannot be written.

Results and PDFs are never lost to a folder that refuses them: they go to a folder under the
per-user data folder and the user is told where. Nothing here knows about Excel.
"""

from __future__ import annotations

import errno
import os
import tempfile
from datetime import datetime
from pathlib import Path

# Spanish for the errnos a user meets when saving; the OS's own text is English on most systems.
_REASONS = {
    errno.EACCES: "no hay permiso para escribir ahí",
    errno.EPERM: "el sistema no permite la operación",
    errno.ENOENT: "la carpeta no existe",
    errno.ENOTDIR: "una parte de la ruta es un archivo, no una carpeta",
    errno.EISDIR: "es una carpeta, no un archivo",
    errno.EEXIST: "ya existe un archivo con ese nombre",
    errno.EROFS: "el disco es de solo lectura",
    errno.ENOSPC: "no queda espacio en el disco",
    errno.ENAMETOOLONG: "el nombre es demasiado largo",
    errno.EBUSY: "el archivo está en uso",
    errno.EMFILE: "hay demasiados archivos abiertos",
    errno.ENFILE: "hay demasiados archivos abiertos",
    errno.EIO: "error de lectura o escritura del disco",
    errno.EINVAL: "el nombre no es válido",
    errno.ELOOP: "la ruta tiene demasiados vínculos simbólicos",
}
if hasattr(errno, "EDQUOT"):
    _REASONS[errno.EDQUOT] = "se superó la cuota de disco"
# Windows error codes that say more than their errno (a file open in Excel is EACCES there).
_WINDOWS_REASONS = {
    32: "el archivo está abierto en otro programa (¿Excel?)",
    33: "el archivo está bloqueado por otro programa (¿Excel?)",
    112: "no queda espacio en el disco",
    123: "el nombre no es válido",
}


def os_error_text(exc: OSError) -> str:
    """Why an OS call failed, in Spanish (never the OS's English `strerror`)."""
    winerror = getattr(exc, "winerror", None)
    if winerror in _WINDOWS_REASONS:
        return _WINDOWS_REASONS[winerror]
    if exc.errno in _REASONS:
        return _REASONS[exc.errno]
    return f"error del sistema número {exc.errno}" if exc.errno else "error del sistema"


def same_file(a: Path, b: Path) -> bool:
    """Whether two paths name the same file (hard links, `..` and symbolic links included)."""
    try:
        if os.path.samefile(a, b):
            return True
    except OSError:
        pass  # one of them does not exist (yet): compare the spelled paths
    try:
        return Path(a).resolve() == Path(b).resolve()
    except (OSError, RuntimeError):
        return False


def make_folder(folder: Path) -> None:
    """`mkdir -p`; a file where a folder should be is ENOTDIR, which says so, not EEXIST."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise NotADirectoryError(errno.ENOTDIR, "not a directory", str(folder)) from None


def folder_problem(folder: Path) -> str | None:
    """Why files cannot be written in `folder`, or None when they can. A probe: folders it had to
    create are removed again, so nothing is left behind when no file is ever written."""
    created = []
    current = folder
    while not current.exists() and current != current.parent:
        created.append(current)
        current = current.parent
    try:
        make_folder(folder)
        fd, name = tempfile.mkstemp(prefix=".~tf-import-", suffix=".tmp", dir=folder)
        os.close(fd)
        os.unlink(name)
    except OSError as exc:
        return os_error_text(exc)
    finally:
        for path in created:  # innermost first
            try:
                path.rmdir()
            except OSError:
                break
    return None


def fallback_file(folder: Path, name: str) -> Path:
    """`folder/name`, or a timestamped name when that exists: an earlier fallback is never replaced."""
    candidate = folder / name
    if not candidate.exists():
        return candidate
    stem, suffix = Path(name).stem, Path(name).suffix
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    candidate = folder / f"{stem}-{stamp}{suffix}"
    n = 2
    while candidate.exists():
        candidate = folder / f"{stem}-{stamp}-{n}{suffix}"
        n += 1
    return candidate
