"""A real SMTP server for tests: aiosmtpd in a thread on 127.0.0.1, with a switchable behaviour.

Modes:
- ``accept``: every message is accepted and kept in ``messages``;
- ``tempfail``: every recipient gets ``451 4.3.0`` (try again later);
- ``shutdown``: every recipient gets ``421 4.3.2`` and the server closes the connection;
- ``tempfail_data`` / ``reject_data``: the message is refused after DATA with 451 / 554;
- ``reject``: every recipient gets ``550 5.1.1`` (unknown user, permanent);
- ``hang``: the server sits on MAIL FROM for ``hang_seconds`` (longer than the client timeout).

``stop()`` takes the server off the port (connections are refused) and ``start()`` puts it back.
"""

import asyncio
import email
import socket
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: email.message.Message


@dataclass
class Handler:
    mode: str = "accept"
    hang_seconds: float = 3.0
    messages: list[Received] = field(default_factory=list)

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.mode == "hang":
            await asyncio.sleep(self.hang_seconds)
            return "451 4.3.0 Too slow, try again later"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.mode == "tempfail":
            return "451 4.3.0 Mailbox temporarily unavailable, try again later"
        if self.mode == "shutdown":
            return "421 4.3.2 Service shutting down"
        if self.mode == "reject":
            return f"550 5.1.1 <{address}>: Recipient address rejected: user unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.mode == "tempfail_data":
            return "451 4.7.1 Greylisted, try again later"
        if self.mode == "reject_data":
            return "554 5.7.1 Message refused"
        self.messages.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), email.message_from_bytes(envelope.content))
        )
        return "250 2.0.0 Message accepted for delivery"


class SmtpTestServer:
    def __init__(self):
        self.handler = Handler()
        self.host = "127.0.0.1"
        self.port = free_port()
        self.controller = None

    @property
    def running(self) -> bool:
        return self.controller is not None

    @property
    def messages(self) -> list[Received]:
        return self.handler.messages

    def received_by(self, address: str) -> list[Received]:
        return [m for m in self.handler.messages if address in m.rcpt_tos]

    def set_mode(self, mode: str) -> None:
        self.handler.mode = mode

    def start(self) -> None:
        # A stopped controller's event loop is closed: every start gets a new one, on the same port.
        self.controller = Controller(self.handler, hostname=self.host, port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None
