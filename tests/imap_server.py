"""A real IMAP server on 127.0.0.1 for the e-mail-in tests: Debian's dovecot (`dovecot-imapd`),
started with a throw-away configuration, a passwd-file user and a maildir under a temp folder, on a
free port; stopped by its PID.

Outside CI the tests using it skip with a reason when /usr/sbin/dovecot is missing; with `CI` or
`SUPPORTDESK_REQUIRE_MAIL_SERVER` set they fail instead (.ci/run installs the package).
"""

import imaplib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

DOVECOT = "/usr/sbin/dovecot"
USER, PASSWORD = "support", "Postfach-Test-2026"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def required() -> bool:
    return bool(os.environ.get("CI") or os.environ.get("SUPPORTDESK_REQUIRE_MAIL_SERVER"))


CONFIG = """
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_internal_group = {internal_group}
default_login_user = {login}
first_valid_uid = 0
mail_location = maildir:{root}/mail/%u
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
"""


class Dovecot:
    def __init__(self, root: Path):
        self.own_root = os.geteuid() == 0
        if self.own_root:  # dovecot's own users must reach the folder: pytest's tmp_path is private
            root = Path(tempfile.mkdtemp(prefix="supportdesk-dovecot-"))
        self.root = root
        self.port = free_port()
        self.pid = None

    @property
    def url(self) -> str:
        return f"imap://{USER}:{PASSWORD}@127.0.0.1:{self.port}/INBOX"

    def start(self):
        root = self.root
        for sub in ("run", "state", "mail", "home"):
            (root / sub).mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:  # as root: the packaged users; the mail belongs to "dovecot"
            mail_user = pwd.getpwnam("dovecot")
            internal, internal_group, login = "dovecot", "dovecot", "dovenull"
            for sub in ("mail", "home"):
                shutil.chown(root / sub, mail_user.pw_uid, mail_user.pw_gid)
            os.chmod(root, 0o755)
            uid, gid = mail_user.pw_uid, mail_user.pw_gid
        else:  # as an ordinary user: every process runs as that user
            me = pwd.getpwuid(os.getuid())
            internal = login = me.pw_name
            internal_group = me.pw_name
            uid, gid = me.pw_uid, me.pw_gid
        (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
        config = root / "dovecot.conf"
        config.write_text(
            CONFIG.format(
                root=root,
                port=self.port,
                uid=uid,
                gid=gid,
                internal=internal,
                internal_group=internal_group,
                login=login,
            )
        )
        # dovecot forks into the background; its output goes to a file, so nothing waits on a pipe.
        with open(root / "start.log", "wb") as output:
            subprocess.run(
                [DOVECOT, "-c", str(config)],
                check=True,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                timeout=30,
            )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            pid_file = root / "run" / "master.pid"
            if pid_file.exists() and pid_file.read_text().strip():
                self.pid = int(pid_file.read_text().strip())
                try:
                    with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                        return self
                except OSError:
                    pass
            time.sleep(0.05)
        raise RuntimeError(f"dovecot did not start: {self.log()}")

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text() if path.exists() else ""

    def stop(self):
        if self.pid is None:
            return
        try:
            os.kill(self.pid, signal.SIGTERM)
        except ProcessLookupError:
            self.pid = None
        else:
            self.wait_for_exit()
        if self.own_root:
            shutil.rmtree(self.root, ignore_errors=True)

    def wait_for_exit(self):
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        self.pid = None

    def client(self) -> imaplib.IMAP4:
        imap = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        imap.login(USER, PASSWORD)
        imap.select("INBOX")
        return imap

    def append(self, raw: bytes) -> None:
        imap = self.client()
        try:
            status, answer = imap.append("INBOX", None, None, raw)
            assert status == "OK", answer
        finally:
            imap.logout()

    def flags(self) -> list[str]:
        """The flags of every mail in INBOX, in order."""
        imap = self.client()
        try:
            _status, answer = imap.fetch("1:*", "(FLAGS)")
            if answer == [None]:
                return []
            return [item.decode() for item in answer if isinstance(item, bytes)]
        finally:
            imap.logout()
