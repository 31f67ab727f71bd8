"""Fill cells of a workbook in LibreOffice Calc itself, as a vendor does, and save it
as xlsx: run by Debian's /usr/bin/python3 (its python3-uno bridge), never by the
project's interpreter.

    /usr/bin/python3 testsupport/libreoffice_fill.py IN.xlsx OUT.xlsx EDITS.json

EDITS.json: {"sheet": "...", "cells": {"D7": "text", "E7": "○"}}. A headless soffice
is started on a free local port with its own profile, and stopped after."""

import json
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import uno
from com.sun.star.beans import PropertyValue


def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def connect(port: int):
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            return resolver.resolve(
                f"uno:socket,host=127.0.0.1,port={port};urp;StarOffice.ComponentContext"
            )
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def main(source: str, target: str, edits_path: str) -> None:
    edits = json.loads(Path(edits_path).read_text(encoding="utf-8"))
    port = free_port()
    with tempfile.TemporaryDirectory() as profile:
        office = subprocess.Popen(  # noqa: S603 (Debian's soffice, fixed arguments)
            ["/usr/bin/soffice", f"-env:UserInstallation=file://{profile}", "--headless",
             "--invisible", "--norestore", f"--accept=socket,host=127.0.0.1,port={port};urp;"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            context = connect(port)
            desktop = context.ServiceManager.createInstanceWithContext(
                "com.sun.star.frame.Desktop", context
            )
            url = uno.systemPathToFileUrl(str(Path(source).resolve()))
            document = desktop.loadComponentFromURL(url, "_blank", 0, (prop("Hidden", True),))
            sheet = document.Sheets.getByName(edits["sheet"])
            for address, value in edits["cells"].items():
                sheet.getCellRangeByName(address).setString(value)
            out = uno.systemPathToFileUrl(str(Path(target).resolve()))
            document.storeToURL(out, (prop("FilterName", "Calc MS Excel 2007 XML"),))
            document.close(True)
        finally:
            office.terminate()
            try:
                office.wait(timeout=30)
            except subprocess.TimeoutExpired:
                office.kill()


if __name__ == "__main__":
    main(*sys.argv[1:4])
