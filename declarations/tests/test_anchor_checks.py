"""Deploy checks of the evidence anchors (declarations/checks.py)."""

from declarations.checks import evidence_anchor_check


def _ids(settings) -> set[str]:
    return {problem.id for problem in evidence_anchor_check()}


def test_production_needs_a_tsa_its_root_and_a_seal(settings, tmp_path):
    settings.DEBUG, settings.EVIDENCE_TEST_PKI = False, False
    settings.DECLARATION_TSA_URL, settings.DECLARATION_TSA_ROOTS = [], []
    settings.DECLARATION_SEAL_CERT = settings.DECLARATION_SEAL_KEY = ""
    assert _ids(settings) == {"declarations.E102", "declarations.E103", "declarations.E104"}
    root, cert, key = (tmp_path / name for name in ("root.pem", "seal.pem", "seal.key"))
    for path in (root, cert, key):
        path.write_text("test")
    settings.DECLARATION_TSA_URL, settings.DECLARATION_TSA_ROOTS = ["https://tsa.example/"], [str(root)]
    settings.DECLARATION_SEAL_CERT, settings.DECLARATION_SEAL_KEY = str(cert), str(key)
    assert _ids(settings) == set()
    settings.DECLARATION_SEAL_CHAIN = [str(tmp_path / "missing.pem")]
    assert _ids(settings) == {"declarations.E106"}


def test_the_test_pki_is_refused_in_production_and_nothing_is_checked_in_debug(settings):
    settings.DEBUG, settings.EVIDENCE_TEST_PKI = False, True
    assert "declarations.E101" in _ids(settings)
    settings.DEBUG = True
    assert _ids(settings) == set()
