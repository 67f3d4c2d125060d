"""The TEST PKI of the evidence: a root, a time-stamping authority and the receipt seal (certomancer).

``tools/pki/certomancer.yml`` describes it; ``evidence_pki_ensure`` makes the keys (ECDSA P-256, at
run time, never committed) and the certificates into a folder outside the repository
(``EVIDENCE_PKI_DIR``). CI, the tests and the embedded default (``make run``) use it; ``make tsa``
serves its RFC 3161 TSA over HTTP with ``certomancer animate``. Production configures a real TSA
(``DECLARATION_TSA_URL``) and a real seal certificate (``DECLARATION_SEAL_CERT``/``_KEY``) instead.
"""

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

CONFIG_FILE = Path(__file__).resolve().parent.parent / "tools" / "pki" / "certomancer.yml"
ARCH = "imvo"
KEY_LABELS = ("root", "tsa", "seal")


@dataclass(frozen=True)
class EvidencePki:
    directory: Path
    root_cert: Path
    tsa_cert: Path
    seal_cert: Path
    seal_key: Path

    def animate_command(self, *, port: int) -> list[str]:
        """The command that serves the TSA of this PKI at http://127.0.0.1:<port>/imvo/tsa/tsa."""
        return [
            str(Path(sys.executable).parent / "certomancer"),
            "--config",
            str(self.directory / "certomancer.yml"),
            "--key-root",
            str(self.directory),
            "animate",
            "--aiohttp",
            "--port",
            str(port),
            "--no-web-ui",
            "--no-time-override",
        ]


def tsa_url(*, port: int) -> str:
    return f"http://127.0.0.1:{port}/{ARCH}/tsa/tsa"


def _write_private(path: Path, data: bytes) -> None:
    """Write a key once; another process that made it first wins (both then use the same key)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` in one step, so a reader never sees half a file."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def evidence_pki_ensure(directory: Path | None = None) -> EvidencePki:
    """Make the test PKI in ``directory`` (default ``EVIDENCE_PKI_DIR``) unless it is there. Idempotent."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    directory = Path(directory or settings.EVIDENCE_PKI_DIR)
    keys = directory / "keys"
    keys.mkdir(parents=True, exist_ok=True, mode=0o700)
    for label in KEY_LABELS:
        path = keys / f"{label}.key.pem"
        if not path.exists():
            key = ec.generate_private_key(ec.SECP256R1())
            pem = key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            _write_private(path, pem)
    config = directory / "certomancer.yml"
    if not config.exists() or config.read_bytes() != CONFIG_FILE.read_bytes():
        _write_atomic(config, CONFIG_FILE.read_bytes())
    pki = EvidencePki(
        directory=directory,
        root_cert=directory / "root.cert.pem",
        tsa_cert=directory / "tsa.cert.pem",
        seal_cert=directory / "seal.cert.pem",
        seal_key=keys / "seal.key.pem",
    )
    if not all(p.exists() for p in (pki.root_cert, pki.tsa_cert, pki.seal_cert)):
        from asn1crypto import pem
        from certomancer.registry import ArchLabel, CertLabel, CertomancerConfig

        arch = CertomancerConfig.from_file(str(config), key_search_dir=str(directory)).get_pki_arch(ArchLabel(ARCH))
        for label, path in (("root", pki.root_cert), ("tsa", pki.tsa_cert), ("seal", pki.seal_cert)):
            cert = arch.get_cert(CertLabel(label))
            _write_atomic(path, pem.armor("CERTIFICATE", cert.dump()))
    return pki
