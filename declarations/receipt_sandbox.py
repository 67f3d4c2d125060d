"""Read the reference and code of an uploaded PDF in a child process with hard limits.

An uploaded file is hostile input: a 37 KB content-stream bomb kept a web worker busy for 24 s
when the page parsed it in the worker. Here the parsing runs in a separate Python process
(``python -I this_file``) that, before it reads a byte, lowers its own limits with
``resource.setrlimit``: CPU seconds, address space, no files written, no core dumps, and a lower
scheduling priority. The parent waits at most a wall-clock limit and kills it after that. The
child reads only the trailer's document information dictionary (``/Info``: the two keys the
receipt carries, as short text strings); it never decodes content streams or the XMP stream.

At most ``VERIFY_SANDBOX_SLOTS`` parses run at once on one node (an ``flock`` on one of N slot
files, released by the kernel even when a worker dies), so hostile uploads sent at once cannot
tie up every gunicorn worker: over the limit the page answers "busy, try again" at once.

This file runs as a script in the child: it imports only the standard library and pypdf there.
"""

import contextlib
import json
import os
import sys
from collections.abc import Iterator

#: Document information keys of the receipt (WeasyPrint keeps only the letters of ``<meta name>``).
META_REFERENCE = "/imvoreference"
META_CODE = "/imvoverificationcode"
#: A reference or code is short; anything longer is not ours and is not copied out of the child.
META_VALUE_MAX_CHARS = 64
#: Exit status of the child when the file is no PDF it can read (limits are signals or status 3).
EXIT_UNREADABLE = 2
EXIT_OUT_OF_MEMORY = 3


class SandboxRefused(Exception):
    """The upload exceeded a limit of the sandbox (CPU, memory or wall time) or crashed it."""


class SandboxBusy(Exception):
    """All parse slots of this node are taken; the caller answers "busy, try again"."""


class SandboxUnreadable(Exception):
    """The child read the file but found no PDF document information in it."""


def metadata_read(content: bytes, *, cpu_seconds: int, memory_bytes: int, wall_seconds: float) -> dict[str, str]:
    """The receipt's ``reference`` and ``code`` as written in the PDF's document information
    (empty strings when absent), read in a limited child process.

    Raises ``SandboxRefused`` when a limit was hit and ``SandboxUnreadable`` when the file is not
    a PDF the child can read.
    """
    import subprocess

    command = [sys.executable, "-I", "-B", os.path.abspath(__file__), str(cpu_seconds), str(memory_bytes)]
    try:
        finished = subprocess.run(  # noqa: S603  fixed command, the upload goes to stdin only
            command, input=content, capture_output=True, timeout=wall_seconds, env={"LC_ALL": "C.UTF-8"}
        )
    except subprocess.TimeoutExpired:  # run() has killed the child
        raise SandboxRefused("wall time") from None
    if finished.returncode == EXIT_UNREADABLE:
        raise SandboxUnreadable()
    if finished.returncode != 0:  # SIGXCPU/SIGKILL (CPU), MemoryError, anything else
        raise SandboxRefused(f"exit {finished.returncode}")
    try:
        found = json.loads(finished.stdout[:1024])
    except ValueError:
        raise SandboxRefused("no answer") from None
    return {key: str(found.get(key, ""))[:META_VALUE_MAX_CHARS] for key in ("reference", "code")}


@contextlib.contextmanager
def parse_slot(*, folder: str, slots: int) -> Iterator[None]:
    """Hold one of ``slots`` parse slots of this node for the duration, or raise ``SandboxBusy``.

    Slot ``i`` is an exclusive, non-blocking ``flock`` on ``folder/slot-i``; the kernel releases it
    when the file is closed or the process ends, so a killed worker never leaks a slot.
    """
    import fcntl

    os.makedirs(folder, mode=0o700, exist_ok=True)
    for index in range(slots):
        handle = open(os.path.join(folder, f"slot-{index}"), "a+b")  # noqa: SIM115  closed below
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            continue
        try:
            yield
        finally:
            handle.close()  # releases the lock
        return
    raise SandboxBusy()


# --- the child ------------------------------------------------------------------------------


def _limit(cpu_seconds: int, memory_bytes: int) -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))  # SIGXCPU, then SIGKILL
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    with contextlib.suppress(OSError):
        os.nice(10)  # web workers first


def _text(value) -> str:
    """A short text string from the document information, else "" (streams, arrays and numbers
    are not decoded)."""
    if hasattr(value, "get_object"):  # an indirect reference: read that object, decode nothing
        value = value.get_object()
    return value if isinstance(value, str) and len(value) <= META_VALUE_MAX_CHARS else ""


def _child(cpu_seconds: int, memory_bytes: int) -> int:
    _limit(cpu_seconds, memory_bytes)
    import io
    import logging

    logging.disable(logging.CRITICAL)  # pypdf warns about broken files on stderr; nobody reads it
    content = sys.stdin.buffer.read()
    try:
        from pypdf import PdfReader
        from pypdf.generic import DictionaryObject

        reader = PdfReader(io.BytesIO(content), strict=False)
        info = reader.trailer.get("/Info")
        info = info.get_object() if info is not None else None
        if not isinstance(info, DictionaryObject):
            found = {"reference": "", "code": ""}
        else:
            found = {"reference": _text(info.get(META_REFERENCE)), "code": _text(info.get(META_CODE))}
    except MemoryError:
        return EXIT_OUT_OF_MEMORY
    except Exception:  # noqa: BLE001  hostile input: every parser failure means "unreadable"
        return EXIT_UNREADABLE
    sys.stdout.write(json.dumps(found))
    return 0


if __name__ == "__main__":
    sys.exit(_child(int(sys.argv[1]), int(sys.argv[2])))
