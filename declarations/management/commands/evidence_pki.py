from django.core.management.base import BaseCommand

from declarations.pki import evidence_pki_ensure, tsa_url

DEMO_TSA_PORT = 9077  # tools/pki/certomancer.yml's external-url-prefix


class Command(BaseCommand):
    help = (
        "Make the TEST PKI of the evidence (root, RFC 3161 TSA, receipt seal; certomancer) in EVIDENCE_PKI_DIR "
        "or --dir, unless it exists; keys are made here and never leave that folder. Prints the settings "
        "that use it. TEST ONLY: production uses a real TSA and seal certificate."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dir", help="folder to make it in (default: EVIDENCE_PKI_DIR), outside the repository")
        parser.add_argument("--port", type=int, default=DEMO_TSA_PORT, help="port of the local TSA (default 9077)")
        parser.add_argument("--animate-command", action="store_true", help="print only the command serving the TSA")

    def handle(self, *args, **options):
        pki = evidence_pki_ensure(options["dir"])
        if options["animate_command"]:
            self.stdout.write(" ".join(pki.animate_command(port=options["port"])))
            return
        self.stderr.write(f"TEST PKI in {pki.directory}; settings that use it:")
        self.stdout.write(f"DECLARATION_TSA_URL={tsa_url(port=options['port'])}")
        self.stdout.write(f"DECLARATION_TSA_ROOTS={pki.root_cert}")
        self.stdout.write(f"DECLARATION_SEAL_CERT={pki.seal_cert}")
        self.stdout.write(f"DECLARATION_SEAL_KEY={pki.seal_key}")
        self.stdout.write(f"DECLARATION_SEAL_CHAIN={pki.root_cert}")
        self.stdout.write(f"DECLARATION_SEAL_ROOTS={pki.root_cert}")
