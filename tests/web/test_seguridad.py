"""The page's defences (interface.md §11): token, Host, cross-site POSTs, upload size, file names."""

from __future__ import annotations

from pathlib import Path

import pytest

from importer.web.configuracion import ConfigWeb
from tests.web.conftest import CSRF, EJEMPLO, ORIGEN, TOKEN, conectar, post, subir

RUTAS_GET = ["/", "/estado", "/eventos", "/descargas/plantilla", "/static/pagina.js", "/static/estilo.css"]
ESCAPADO = "escapado-w7q.xlsx"  # a name no other test writes
RUTAS_POST = ["/planilla", "/ensayar", "/emitir", "/reintentar", "/detener"]


@pytest.mark.parametrize("ruta", RUTAS_GET)
def test_without_the_token_every_page_and_file_is_forbidden(config: ConfigWeb, ruta: str) -> None:
    with conectar(config) as c:
        r = c.get(ruta)
    assert r.status_code == 403
    assert "token" in r.text and "Acceso denegado" in r.text


@pytest.mark.parametrize("ruta", RUTAS_POST)
def test_without_the_token_no_action_runs(config: ConfigWeb, ruta: str) -> None:
    with conectar(config) as c:
        r = c.post(ruta, data={"csrf": CSRF}, headers={"origin": ORIGEN})
        assert r.status_code == 403
        # and nothing happened: still no job, no planilla
        c.get(f"/?token={TOKEN}")
        assert c.get("/estado").json() == {"planilla": None, "trabajo": None}


def test_a_wrong_token_is_refused_and_sets_no_cookie(config: ConfigWeb) -> None:
    with conectar(config) as c:
        for malo in ("otro-token", TOKEN[:-1], TOKEN + "x", "", "tokén-ñ"):
            r = c.get("/", params={"token": malo}, follow_redirects=False)
            assert r.status_code == 403, malo
            assert "set-cookie" not in r.headers
        c.cookies.set(config.cookie, "otro-token")
        assert c.get("/").status_code == 403


def test_the_token_becomes_a_strict_httponly_cookie_and_leaves_the_url(config: ConfigWeb) -> None:
    with conectar(config) as c:
        r = c.get(f"/?token={TOKEN}", follow_redirects=False)
        assert r.status_code == 303
        assert r.headers["location"] == "/"
        cookie = r.headers["set-cookie"]
        assert cookie.startswith(f"tf_import_{config.puerto}={TOKEN};")
        assert "HttpOnly" in cookie and "samesite=strict" in cookie.lower() and "Path=/" in cookie
        assert c.get("/").status_code == 200  # the cookie alone opens the page from now on
        assert c.get("/static/pagina.js").status_code == 200


def test_a_redirect_never_leaves_the_server(config: ConfigWeb) -> None:
    with conectar(config) as c:
        r = c.get(f"//evil.example/?token={TOKEN}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"


@pytest.mark.parametrize(
    "host", ["evil.example", "evil.example:8470", "127.0.0.1:9999", "192.168.0.10:8470", ""]
)
def test_a_foreign_host_header_is_refused_even_with_the_token(cliente, host: str) -> None:
    r = cliente.get("/", headers={"host": host})
    assert r.status_code == 403
    assert "127.0.0.1 o localhost" in r.text


def test_localhost_by_name_is_accepted(cliente) -> None:
    assert cliente.get("/", headers={"host": "localhost:8470"}).status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {"origin": "http://evil.example"},
        {"origin": "null"},
        {"origin": "http://127.0.0.1:9999"},
        {"origin": "https://127.0.0.1:8470"},
        {"referer": "http://evil.example/page"},
        {"referer": "http://127.0.0.1:8470.evil.example/"},
        {},  # neither Origin nor Referer
    ],
)
def test_a_cross_site_post_is_refused(cliente, headers: dict[str, str]) -> None:
    r = cliente.post("/ensayar", data={"csrf": CSRF}, headers=headers, follow_redirects=False)
    assert r.status_code == 403
    assert "solo se aceptan acciones desde la página" in r.text
    assert cliente.get("/estado").json()["trabajo"] is None


@pytest.mark.parametrize("csrf", [None, "", "otro", CSRF + "x"])
def test_a_post_without_the_session_csrf_token_is_refused(cliente, csrf: str | None) -> None:
    data = {} if csrf is None else {"csrf": csrf}
    r = cliente.post("/planilla", data=data, headers={"origin": ORIGEN}, follow_redirects=False)
    assert r.status_code == 403
    assert cliente.get("/estado").json()["planilla"] is None


def test_a_post_from_the_page_itself_passes(cliente) -> None:
    r = post(cliente, "/ensayar", follow_redirects=False)
    assert r.status_code == 303  # refused for lack of a planilla, but as a notice on the page
    assert "Primero elija la planilla" in cliente.get("/").text
    r = cliente.post(
        "/detener", data={"csrf": CSRF}, headers={"referer": ORIGEN + "/"}, follow_redirects=False
    )
    assert r.status_code == 303


def limitada(config: ConfigWeb, kb: int) -> ConfigWeb:
    from dataclasses import replace

    return replace(config, limite_subida=kb * 1024)


def test_an_upload_over_the_limit_is_refused_and_not_kept(config: ConfigWeb, tmp_path: Path) -> None:
    config = limitada(config, 1024)  # 1 MB
    with conectar(config) as c:
        c.get(f"/?token={TOKEN}")
        grande = tmp_path / "grande.xlsx"
        grande.write_bytes(b"PK\x03\x04" + b"\0" * (3 * 1024 * 1024))
        r = subir(c, grande)  # declared size over the limit: refused before it is read
        assert r.status_code == 413
        assert "supera el máximo de 1 MB" in r.text
        apenas = tmp_path / "apenas.xlsx"
        apenas.write_bytes(
            b"\0" * (1024 * 1024 + 10)
        )  # over by a few bytes: passes the envelope, not the file check
        r = subir(c, apenas)
        assert r.status_code == 200 and "supera el máximo de 1 MB" in r.text
        assert c.get("/estado").json()["planilla"] is None
    assert not list((config.carpeta / "subidas").glob("*"))


def test_a_chunked_upload_that_grows_past_the_limit_is_cut(config: ConfigWeb) -> None:
    config = limitada(config, 64)
    with conectar(config) as c:
        c.get(f"/?token={TOKEN}")

        def trozos():
            for _ in range(64):
                yield b"x" * 32 * 1024  # 2 MB in all, no Content-Length

        r = c.post(
            "/planilla",
            content=trozos(),
            headers={"origin": ORIGEN, "content-type": "multipart/form-data; boundary=b"},
        )
        assert r.status_code == 413
    assert not (config.carpeta / "subidas").exists() or not list((config.carpeta / "subidas").iterdir())


@pytest.mark.parametrize(
    "nombre",
    [
        "../../escapado-w7q.xlsx",
        "..\\..\\escapado-w7q.xlsx",
        "/tmp/escapado-w7q.xlsx",
        "C:\\Windows\\escapado-w7q.xlsx",
        "subidas/../../escapado-w7q.xlsx",
        '<img src=x onerror="alert(1)">escapado-w7q.xlsx',
    ],
)
def test_the_clients_file_name_is_only_shown_never_used_as_a_path(
    cliente, config: ConfigWeb, tmp_path: Path, nombre: str
) -> None:
    r = subir(cliente, EJEMPLO, nombre)
    assert r.status_code == 200
    guardados = sorted(p.name for p in (config.carpeta / "subidas").iterdir())
    assert guardados == ["planilla-001-reporte.xlsx", "planilla-001.xlsx"]
    lugares = (tmp_path.rglob(ESCAPADO), Path("/tmp").glob(ESCAPADO), Path.cwd().glob(ESCAPADO))
    fuera = [p for lugar in lugares for p in lugar]
    assert fuera == []
    assert "<img src=x" not in r.text  # shown escaped
    assert "&lt;img" in r.text or "<img" not in nombre
    mostrado = cliente.get("/estado").json()["planilla"]["nombre"]
    assert mostrado.endswith("escapado-w7q.xlsx")  # as sent (the multipart encoding may trim or quote it)


def test_only_xlsx_files_are_taken(cliente, config: ConfigWeb, tmp_path: Path) -> None:
    texto = tmp_path / "planilla.csv"
    texto.write_text("referencia,fecha\n")
    r = subir(cliente, texto)
    assert "no es un libro de Excel .xlsx" in r.text
    assert not (config.carpeta / "subidas").exists() or not list((config.carpeta / "subidas").iterdir())


def test_answers_forbid_framing_and_foreign_scripts(cliente) -> None:
    r = cliente.get("/")
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert r.headers["x-frame-options"] == "DENY"
    assert "http://" not in r.text.replace(ORIGEN, "") and "https://" not in r.text  # no CDN, no fonts


def test_a_download_that_does_not_exist_yet_is_a_spanish_404(cliente) -> None:
    for cual in ("reporte", "resultados", "pdfs", "../etc/passwd", "otro"):
        r = cliente.get(f"/descargas/{cual}")
        assert r.status_code == 404, cual
    assert "no está disponible" in cliente.get("/descargas/resultados").text
