"""Reading ``export.xml`` in a second process while this one converts and saves.

An import does two kinds of work of about equal weight: reading the XML (parsing, and the
fast lane that turns ordinary Records into plain samples) and saving. Python runs one of them
at a time in one process, so a large export is read in a child process
(``python -m healthstore.interop.apple.reader_child``) that streams what
:func:`~healthstore.interop.apple.parser.read_elements` yields back over a pipe, pickled, a
batch at a time. The pipe is the only buffer: when the saving falls behind, the child waits,
so memory stays bounded. Everything else (converting the elements that are not plain
samples, the files beside ``export.xml``, saving) happens here, so the two processes share
the work, and what comes out is exactly what :func:`~healthstore.interop.apple.parser.
read_export` gives in one process (``tests/interop/test_apple_reader_process.py``).

The child is given the path, run size and mode on its command line, and the store's uuid key
(:mod:`~healthstore.interop.apple.uuids`) on its standard input, hex-encoded on one line: a
secret never goes on a command line, where other users of the machine can read it. The
child's end of the protocol: a message is a pickled tuple, ``("entries", [Node | Skip |
PlainRun, …], bytes_read, elements)``, then ``("done", peak_resident_bytes)``, or
``("failed", message, field)`` when the export cannot be read. If the child dies, the parent
sees the pipe end and says so; if the parent stops (an error, an interrupt), it kills the
child; if the parent dies, the child's next write fails and it exits.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pickle
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Final

from healthstore.errors import HealthStoreError, InvalidArgument
from healthstore.interop.apple.conversion import Context
from healthstore.interop.apple.parser import (
    PLAIN_RUN,
    Item,
    PlainRun,
    Progress,
    Skip,
    converted,
    read_elements,
)
from healthstore.interop.apple.source import ExportSource
from healthstore.interop.apple.tree import Node
from healthstore.interop.apple.uuids import ContentUuids

MESSAGE_ENTRIES: Final = 256
"""Entries (plain runs count as one) gathered before a message is sent."""

PIPE_BYTES: Final = 1 << 20
"""The pipe's capacity asked of Linux (its limit for unprivileged processes): a few
messages, so the child can read ahead while the parent saves."""


def read_export_in_background(
    source: ExportSource,
    path: str | Path,
    progress: Progress,
    *,
    plain: bool = True,
    run_size: int = PLAIN_RUN,
    uuids: ContentUuids | None = None,
) -> Iterator[Item | Skip | PlainRun]:
    """The same entries as :func:`~healthstore.interop.apple.parser.read_export` on
    ``source`` (opened from ``path``), with ``export.xml`` read by a child process."""
    uuids = uuids or ContentUuids()
    progress.bytes_total = source.export_xml_size()
    command = [
        sys.executable,
        "-m",
        "healthstore.interop.apple.reader_child",
        str(Path(path).resolve()),
        str(run_size),
        "plain" if plain else "objects",
    ]
    child = subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=_child_environment(),
    )
    assert child.stdout is not None and child.stdin is not None
    try:
        with contextlib.suppress(BrokenPipeError):  # (a child that died is reported below)
            child.stdin.write(uuids.key.hex().encode("ascii") + b"\n")
            child.stdin.close()
        ctx = Context(source.read_bytes, uuids)
        batches = _messages(child, child.stdout, progress)
        yield from converted(itertools.chain.from_iterable(batches), source, ctx, progress)
    finally:
        if child.poll() is None:
            child.kill()
        child.wait()
        child.stdout.close()


def _messages(
    child: subprocess.Popen[bytes], stream: IO[bytes], progress: Progress
) -> Iterator[list[Any]]:
    while True:
        try:
            message = pickle.load(stream)
        except EOFError:
            code = child.wait()
            raise HealthStoreError(
                f"the process reading export.xml stopped before the end (exit code {code}); "
                "background=False reads it in this process"
            ) from None
        kind = message[0]
        if kind == "entries":
            _, entries, progress.bytes_read, progress.elements = message
            yield entries
        elif kind == "done":
            progress.reader_peak_bytes = message[1]
            return
        else:
            _, text, field = message
            raise InvalidArgument(text, field=field)


def peak_resident_bytes() -> int | None:
    """This process's peak resident memory (VmHWM), where the system says (Linux)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _child_environment() -> dict[str, str]:
    """This environment, with healthstore importable in the child however it was found
    here (installed, or from a source tree on ``sys.path``)."""
    env = dict(os.environ)
    package_root = str(Path(__file__).resolve().parents[3])  # …/healthstore/interop/apple/
    rest = env.get("PYTHONPATH")
    env["PYTHONPATH"] = package_root if not rest else os.pathsep.join((package_root, rest))
    return env


# --- the child -----------------------------------------------------------------------------
def _serve(path: str, run_size: int, plain: bool, out: IO[bytes], uuids: ContentUuids) -> None:
    """Read ``path``'s export.xml and write the messages to ``out``."""
    progress = Progress()
    pending: list[Node | Skip | PlainRun] = []

    def send(message: tuple[Any, ...]) -> None:
        out.write(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))
        out.flush()

    try:
        with ExportSource.open(path) as source:
            entries = read_elements(source, progress, plain=plain, run_size=run_size, uuids=uuids)
            for entry in entries:
                pending.append(entry)
                if isinstance(entry, PlainRun) or len(pending) >= MESSAGE_ENTRIES:
                    send(("entries", pending, progress.bytes_read, progress.elements))
                    pending = []
    except HealthStoreError as exc:
        if pending:
            send(("entries", pending, progress.bytes_read, progress.elements))
        send(("failed", exc.message, exc.field))
        return
    send(("entries", pending, progress.bytes_read, progress.elements))
    send(("done", peak_resident_bytes()))


def child_main(argv: list[str]) -> int:
    """The child process: ``PATH RUN_SIZE plain|objects``, the uuid key (hex) a line on
    stdin; messages go to stdout."""
    path, run_size, mode = argv
    uuids = ContentUuids(bytes.fromhex(sys.stdin.readline().strip()))
    out = sys.stdout.buffer
    sys.stdout = sys.stderr  # the pipe carries messages only
    with contextlib.suppress(ImportError, AttributeError, OSError):  # Linux only
        import fcntl

        fcntl.fcntl(out.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    try:
        _serve(path, int(run_size), mode == "plain", out, uuids)
    except (BrokenPipeError, KeyboardInterrupt):
        return 1  # the parent has gone or was interrupted: nobody to tell
    return 0
