"""``donjon [CONFIG]``: start the server, like ``Orthanc [CONFIG]``."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from pathlib import Path

from . import ORTHANC_VERSION, __version__

__all__ = ["main"]

log = logging.getLogger("donjon")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="donjon", description="Donjon, an Orthanc-compatible DICOM server.")
    p.add_argument("config", nargs="?", help="configuration file or folder (default: embedded defaults)")
    p.add_argument("--config", dest="write_config", metavar="FILE", help="write the commented default configuration to FILE ('-' for stdout) and exit")
    p.add_argument("--version", action="store_true", help="print the version and exit")
    p.add_argument("--verbose", action="store_true", help="log informative messages")
    p.add_argument("--trace", action="store_true", help="log everything, for debugging")
    p.add_argument("--logfile", metavar="FILE", help="write the log to FILE instead of stderr")
    p.add_argument("--errors", action="store_true", help="print the error codes and exit")
    p.add_argument("--host", default="0.0.0.0", help="interface to listen on (default: all, as Orthanc)")
    return p


def _setup_logging(args: argparse.Namespace) -> None:
    level = logging.DEBUG if args.trace else logging.INFO if args.verbose else logging.WARNING
    handler: logging.Handler = logging.FileHandler(args.logfile) if args.logfile else logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname).1s%(asctime)s %(threadName)s %(name)s] %(message)s", "%m%d %H:%M:%S"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    if not args.trace:
        logging.getLogger("pynetdicom").setLevel(max(level, logging.WARNING))


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.version:
        print(f"Donjon {__version__} (Orthanc REST API {ORTHANC_VERSION})")
        return 0
    if args.errors:
        from .errors import ErrorCode

        for code in ErrorCode:
            print(f"{int(code):>16}   {code.message}")
        return 0
    _setup_logging(args)
    from .app_factory import create_server
    from .config.loader import ConfigError
    from .errors import DonjonError

    if args.write_config:
        return _write_default_config(args.write_config)
    try:
        server = create_server(args.config)
    except (ConfigError, DonjonError) as exc:
        log.error("%s", exc)
        print(f"donjon: {exc}", file=sys.stderr)
        return 255
    from .runner import Runner

    runner = Runner(server, host=args.host)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: runner.request_stop())
    try:
        runner.start()
    except DonjonError as exc:
        print(f"donjon: {exc}", file=sys.stderr)
        return 255
    log.warning("Donjon %s has started (HTTP %s, DICOM %s)", __version__, server.http_port, server.dicom_port)
    runner.wait()
    if runner.restart_requested:
        log.warning("restarting (POST /tools/reset)")
        os.execv(sys.executable, [sys.executable, "-m", "donjon", *(argv if argv is not None else sys.argv[1:])])
    log.warning("Donjon has stopped")
    return 0


def _write_default_config(target: str) -> int:
    from .app_factory import create_server  # noqa: F401  (plugins declare their sections)
    from .config.defaults import default_configuration
    from .plugins import PluginHost

    host = PluginHost()
    sections: dict = {}
    for declared in host.collect("donjon_config_sections"):
        sections.update(declared)
    text = default_configuration(sections)
    if target == "-":
        sys.stdout.write(text)
    else:
        Path(target).write_text(text, encoding="utf-8")
    return 0
