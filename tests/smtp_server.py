"""A real SMTP server on 127.0.0.1 for the outbox tests (aiosmtpd), on a free port of its own.

It starts stopped ("the mail server is down": nothing listens on the port, a connection is refused)
or running; `start()`/`stop()` switch it on the same port. Every mail it accepts is kept, parsed, in
`received`. `refuse` names recipients it answers with a permanent 550.
"""

import asyncio
import email
import email.policy
import socket
import threading

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Handler:
    def __init__(self, server):
        self.server = server

    async def handle_RCPT(self, smtp, session, envelope, address, rcpt_options):
        if address in self.server.refuse:
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, smtp, session, envelope):
        if self.server.delay:
            await asyncio.sleep(self.server.delay)
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self.server.lock:
            self.server.received.append(message)
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self):
        self.port = free_port()
        self.received: list[email.message.EmailMessage] = []
        self.refuse: set[str] = set()
        self.delay = 0.0  # seconds each mail takes to be accepted
        self.lock = threading.Lock()
        self.controller = None

    def start(self):
        if self.controller is None:
            self.controller = Controller(Handler(self), hostname="127.0.0.1", port=self.port)
            self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def django_settings(self) -> dict:
        """Django's SMTP backend pointed at this server."""
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": self.port,
            "EMAIL_HOST_USER": "",
            "EMAIL_HOST_PASSWORD": "",
            "EMAIL_USE_TLS": False,
            "EMAIL_USE_SSL": False,
            "EMAIL_TIMEOUT": 5,
        }

    def environment(self) -> dict:
        """The same for a `manage.py` subprocess (supportdesk/settings.py reads these)."""
        return {
            "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "DJANGO_EMAIL_HOST": "127.0.0.1",
            "DJANGO_EMAIL_PORT": str(self.port),
            "DJANGO_EMAIL_USE_TLS": "false",
            "DJANGO_EMAIL_TIMEOUT": "5",
        }
