"""Serving the configured folders: path resolution, answers, caching headers.

Matches Orthanc's ServeFolders plugin (``OrthancServer/Plugins/Samples/ServeFolders``),
checked side by side with Debian's Orthanc 1.10.1:

- ``GET /{uri}/{path}`` answers the file with its MIME type, ``Last-Modified`` (in
  Orthanc's ``YYYYMMDDTHHMMSS`` form), an ``ETag`` (quoted MD5 of the content) when
  ``GenerateETag`` is on, and ``Cache-Control: no-cache, no-store, must-revalidate``,
  ``Pragma: no-cache``, ``Expires: 0`` unless ``AllowCache`` is on;
- ``.../index.html`` in a folder that has no such file is generated: a list of the
  sub-folders (``sub/index.html``) then of the files;
- a missing file, or a folder asked without its index, is error 13 "Inexistent file" (404);
- ``GET /app/plugin-serve-folders.html`` lists the served URIs (the plugin's root URI).

Beyond Orthanc 1.10.1: a matching ``If-None-Match`` is answered 304 (Orthanc resends
the file), and a URI ending in ``/`` serves that folder's ``index.html`` (Orthanc
answers 404 there), so a browser can open ``http://host/app/``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import logging
from pathlib import Path
from typing import Any

from litestar import Request, Response, get

from donjon_sdk import DonjonError, ErrorCode, FromPath

from .config import ServeFoldersConfig, normalize_uri
from .mime import mime_table, mime_type

__all__ = ["ROOT_URI", "ServedFolders", "build_routes", "check_folders"]

log = logging.getLogger(__name__)

#: The page that lists the served folders (``RootUri`` of ``/plugins/serve-folders``).
ROOT_URI = "/app/plugin-serve-folders.html"

_NO_CACHE = {"Cache-Control": "no-cache, no-store, must-revalidate", "Pragma": "no-cache", "Expires": "0"}


def check_folders(section: ServeFoldersConfig) -> dict[str, Path]:
    """The served folders by normalized URI, checked as Orthanc checks them at start-up.

    Raises:
        DonjonError: ``ParameterOutOfRange`` for an empty URI, ``InexistentFile`` for a
            folder that does not exist or is not a directory (both stop the start).
    """
    folders: dict[str, Path] = {}
    for uri, folder in section.folders.items():
        base = normalize_uri(uri)
        if not base:
            raise DonjonError(ErrorCode.ParameterOutOfRange, f"ServeFolders: the URI of a folder to be served cannot be empty ({uri!r})")
        path = Path(folder).expanduser()
        if not path.is_dir():
            raise DonjonError(ErrorCode.InexistentFile, f"ServeFolders: trying to serve an inexistent folder: {folder} (at /{base})")
        folders[base] = path
    return folders


class ServedFolders:
    """The answers of the plugin for one configuration.

    Args:
        section: The validated ``ServeFolders`` section.
    """

    def __init__(self, section: ServeFoldersConfig) -> None:
        self.folders = check_folders(section)
        self.mime = mime_table(section.extensions)
        self.allow_cache = section.allow_cache
        self.generate_etag = section.generate_etag

    # -- resolution -------------------------------------------------------------

    def resolve(self, uri: str, item: str, folder_url: bool = False) -> tuple[Path, bool]:
        """The file asked for, and whether it is an ``index.html`` to generate.

        ``item`` is the decoded rest of the URL path; ``folder_url`` says the URL ended
        with ``/`` (litestar strips it from ``item``). Empty and ``.`` components are
        dropped and ``..`` goes up, as Orthanc normalizes URIs before routing; going
        above the served folder leaves it, which Orthanc answers as an unknown URI.

        Raises:
            DonjonError: ``UnknownResource`` when the path leaves the folder or names
                nothing (``/uri`` alone), ``InexistentFile`` for a NUL byte.
        """
        folder = self.folders[uri]
        parts: list[str] = []
        for part in item.split("/"):
            if part in ("", "."):
                continue
            if part == "..":
                if not parts:
                    raise DonjonError(ErrorCode.UnknownResource, f"ServeFolders: the path {item!r} leaves the folder served at /{uri}")
                parts.pop()
                continue
            if "\x00" in part:
                raise DonjonError(ErrorCode.InexistentFile, f"ServeFolders: bad file name in {item!r} under /{uri}")
            parts.append(part)
        if folder_url or item.endswith(("/", "/.", "/..")):
            parts.append("index.html")  # a folder URL: its index (see the module docstring)
        if not parts:
            raise DonjonError(ErrorCode.UnknownResource, f"ServeFolders: nothing to serve at /{uri} (ask for /{uri}/index.html)")
        # Built from checked components only: never ``folder / "/etc/passwd"``.
        path = folder.joinpath(*parts)
        generated = parts[-1] == "index.html" and path.parent.is_dir() and not path.is_file()
        return path, generated

    # -- answers ----------------------------------------------------------------

    def answer(self, request: Request[Any, Any, Any], uri: str, item: str) -> Response[bytes]:
        """The answer to ``GET /{uri}/{item}``.

        Raises:
            DonjonError: ``InexistentFile`` (404) when there is no such file.
        """
        # litestar drops a trailing slash from the routed path; the raw path keeps it.
        folder_url = bytes(request.scope.get("raw_path") or b"").endswith(b"/")
        path, generated = self.resolve(uri, item, folder_url)
        if generated:
            return self._send(request, listing(path.parent).encode(), "text/html")
        try:
            if not path.is_file():
                raise FileNotFoundError(path)
            content = path.read_bytes()
            mtime = path.stat().st_mtime
        except OSError as exc:
            raise DonjonError(ErrorCode.InexistentFile, f"ServeFolders: no file {item!r} in the folder served at /{uri}") from exc
        # Orthanc's boost::posix_time::to_iso_string of the UTC modification time.
        modified = dt.datetime.fromtimestamp(int(mtime), dt.timezone.utc).strftime("%Y%m%dT%H%M%S")
        return self._send(request, content, mime_type(path.name, self.mime), {"Last-Modified": modified})

    def root_page(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        """``/app/plugin-serve-folders.html``: the served URIs, each linking to its index."""
        items = "".join(f'<li><a href="../{html.escape(uri)}/index.html">{html.escape(uri)}</a></li>\n' for uri in sorted(self.folders))
        body = f"<html><body><h1>Additional folders served by Orthanc</h1>\n<ul>\n{items}</ul>\n</body></html>\n"
        return self._send(request, body.encode(), "text/html")

    def _send(self, request: Request[Any, Any, Any], content: bytes, mime: str, extra: dict[str, str] | None = None) -> Response[bytes]:
        headers = dict(extra or {})
        if not self.allow_cache:
            headers.update(_NO_CACHE)
        if self.generate_etag:
            etag = f'"{hashlib.md5(content).hexdigest()}"'
            headers["ETag"] = etag
            if _matches(request.headers.get("if-none-match"), etag):
                return Response(content=b"", status_code=304, headers=headers)
        # Set explicitly: litestar would append "; charset=utf-8" to text types, Orthanc does not.
        headers["Content-Type"] = mime
        return Response(content=content, status_code=200, headers=headers, media_type=mime)


def _matches(if_none_match: str | None, etag: str) -> bool:
    """Whether ``If-None-Match`` names ``etag`` (weak comparison, RFC 9110 §13.1.2)."""
    if not if_none_match:
        return False
    for candidate in if_none_match.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == etag:
            return True
    return False


def listing(folder: Path) -> str:
    """The ``index.html`` generated for a folder without one, as Orthanc writes it.

    Sub-folders first (linking to their own ``index.html``), then regular files; names
    sorted (Orthanc uses the directory's order) and HTML-escaped (Orthanc does not).
    """
    entries = sorted(folder.iterdir(), key=lambda p: p.name)
    lines = ["<html>\n", "  <body>\n", "    <ul>\n"]
    for entry in entries:
        if entry.is_dir():
            name = html.escape(entry.name)
            lines.append(f'      <li><a href="{name}/index.html">{name}/</a></li>\n')
    for entry in entries:
        if entry.is_file():
            name = html.escape(entry.name)
            lines.append(f'      <li><a href="{name}">{name}</a></li>\n')
    lines += ["    </ul>\n", "  </body>\n", "</html>\n"]
    return "".join(lines)


def build_routes(section: ServeFoldersConfig) -> list[Any]:
    """The route handlers serving ``section``: one per folder, plus the root page.

    Raises:
        DonjonError: as :func:`check_folders`.
    """
    served = ServedFolders(section)
    handlers: list[Any] = []
    for uri in served.folders:
        handlers += _folder_handlers(served, uri)

    @get(ROOT_URI, sync_to_thread=False, name="serve-folders:root", include_in_schema=False)
    def root(request: Request[Any, Any, Any]) -> Response[bytes]:
        return served.root_page(request)

    handlers.append(root)
    log.info("ServeFolders: serving %s", ", ".join(f"/{uri} -> {path}" for uri, path in served.folders.items()))
    return handlers


def _folder_handlers(served: ServedFolders, uri: str) -> list[Any]:
    # File reads block: the handlers run in the worker pool (sync_to_thread=True).
    @get(f"/{uri}/{{item:path}}", sync_to_thread=True, name=f"serve-folders:{uri}", include_in_schema=False)
    def serve(request: Request[Any, Any, Any], item: FromPath[str]) -> Response[bytes]:
        return served.answer(request, uri, item)

    # "/uri/" reaches litestar as "/uri": the folder's index with the slash, nothing without.
    @get(f"/{uri}", sync_to_thread=True, name=f"serve-folders:{uri}:root", include_in_schema=False)
    def serve_root(request: Request[Any, Any, Any]) -> Response[bytes]:
        return served.answer(request, uri, "")

    return [serve, serve_root]
