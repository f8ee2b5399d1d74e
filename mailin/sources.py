"""Where `fetch_mail` reads mail from (SUPPORTDESK_MAIL_SOURCE), with the standard library only.

- `imaps://user:password@host[:port]/INBOX` and `imap://…` (imaplib; user and password
  URL-encoded): the mails not yet flagged `$Supportdesk` are read with BODY.PEEK (so reading marks
  nothing); `done(key)` flags one `\\Seen $Supportdesk` — called only after the database committed.
- `maildir:///path` (mailbox.Maildir): the mails in new/ and those in cur/ without the Seen flag;
  `done(key)` moves one to cur/ with the flag S.

A mail marked done is not read again; one read again anyway (a crash between commit and marking)
is skipped by its Message-ID (R17).
"""

import contextlib
import imaplib
import mailbox
import os
import re
import ssl
from urllib.parse import unquote, urlsplit

FLAG = "$Supportdesk"
IMAP_TIMEOUT = 30


class SourceError(Exception):
    """A source that cannot be used: a bad URL, a refused login, a server that does not answer."""


def open_source(url: str):
    if not url:
        raise SourceError(
            "SUPPORTDESK_MAIL_SOURCE is not set (imaps://user:password@host/INBOX, imap://…, maildir:///path)"
        )
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise SourceError(f"SUPPORTDESK_MAIL_SOURCE is no valid URL: {error}") from None
    if parts.scheme == "maildir":
        return MaildirSource(unquote(parts.path))
    if parts.scheme in ("imap", "imaps"):
        if not parts.hostname or parts.username is None or parts.password is None:
            raise SourceError(
                f"SUPPORTDESK_MAIL_SOURCE needs a user, a password and a host: {parts.scheme}://user:password@host/INBOX"
            )
        folder = unquote(parts.path.lstrip("/")) or "INBOX"
        return ImapSource(
            secure=parts.scheme == "imaps",
            host=parts.hostname,
            port=port or (993 if parts.scheme == "imaps" else 143),
            user=unquote(parts.username),
            password=unquote(parts.password),
            folder=folder,
        )
    raise SourceError(f"SUPPORTDESK_MAIL_SOURCE: unknown scheme {parts.scheme!r} (imaps, imap or maildir)")


class MaildirSource:
    def __init__(self, path: str):
        if (
            not path
            or not os.path.isdir(os.path.join(path, "new"))
            or not os.path.isdir(os.path.join(path, "cur"))
        ):
            raise SourceError(f"No maildir at {path!r} (it needs the folders new/ and cur/)")
        self.path = path
        self.box = mailbox.Maildir(path, factory=None, create=False)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        pass

    def keys(self) -> list[str]:
        self.box._refresh()
        waiting = []
        for key in self.box.iterkeys():  # (iterating a Mailbox yields messages)
            subpath = self.box._lookup(key)
            _subdir, _, info = os.path.basename(subpath).partition(self.box.colon)
            if subpath.startswith("new") or "S" not in info.partition(",")[2]:
                waiting.append(key)
        return sorted(waiting)

    def fetch(self, key) -> bytes:
        return self.box.get_bytes(key)

    def done(self, key) -> None:
        subpath = self.box._lookup(key)
        info = os.path.basename(subpath).partition(self.box.colon)[2]
        flags = set(info.partition(",")[2]) | {"S"}
        target = os.path.join("cur", f"{key}{self.box.colon}2,{''.join(sorted(flags))}")
        os.rename(os.path.join(self.path, subpath), os.path.join(self.path, target))
        self.box._toc[key] = target


class ImapSource:
    def __init__(self, *, secure, host, port, user, password, folder):
        self.where = f"{'imaps' if secure else 'imap'}://{host}:{port}/{folder}"
        try:
            if secure:
                self.imap = imaplib.IMAP4_SSL(
                    host, port, ssl_context=ssl.create_default_context(), timeout=IMAP_TIMEOUT
                )
            else:
                self.imap = imaplib.IMAP4(host, port, timeout=IMAP_TIMEOUT)
        except (OSError, imaplib.IMAP4.error) as error:
            raise SourceError(f"Cannot connect to {self.where}: {error}") from None
        try:
            self.imap.login(user, password)
        except imaplib.IMAP4.error as error:
            self.close()
            raise SourceError(f"Login refused by {self.where} for {user!r}: {_text(error)}") from None
        status, answer = self.imap.select(_quoted(folder))
        if status != "OK":
            self.close()
            raise SourceError(f"Cannot open the folder {folder!r} on {self.where}: {_text(answer)}")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        with contextlib.suppress(Exception):
            self.imap.logout()

    def keys(self) -> list[bytes]:
        status, answer = self.imap.uid("SEARCH", None, "UNKEYWORD", FLAG)
        if status != "OK":
            raise SourceError(f"Search failed on {self.where}: {_text(answer)}")
        return answer[0].split() if answer and answer[0] else []

    def fetch(self, key) -> bytes:
        status, answer = self.imap.uid("FETCH", key, "(BODY.PEEK[])")
        if status != "OK":
            raise SourceError(f"Fetching mail {key!r} failed on {self.where}: {_text(answer)}")
        for item in answer:
            if isinstance(item, tuple):
                return item[1]
        raise SourceError(f"Mail {key!r} is gone from {self.where}")

    def done(self, key) -> None:
        status, answer = self.imap.uid("STORE", key, "+FLAGS", f"(\\Seen {FLAG})")
        if status != "OK":
            raise SourceError(f"Flagging mail {key!r} failed on {self.where}: {_text(answer)}")


def _quoted(folder: str) -> str:
    return (
        folder
        if re.fullmatch(r"[A-Za-z0-9_.\-/]+", folder)
        else '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'
    )


def _text(answer) -> str:
    if isinstance(answer, list | tuple):
        answer = b" ".join(a if isinstance(a, bytes) else str(a).encode() for a in answer)
    if isinstance(answer, bytes):
        answer = answer.decode("utf-8", "replace")
    return " ".join(str(answer).split())
