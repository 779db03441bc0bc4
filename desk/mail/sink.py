"""A local SMTP server that keeps every message as a file: the embedded setup's mailbox.

`python -m desk.mail.sink --dir instance/mail --port 8025`; read the .eml files with any mail
program, or `less`.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import time
import uuid
from pathlib import Path

from aiosmtpd.controller import Controller


class FileSink:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        name = f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:8]}.eml"
        (self.directory / name).write_bytes(envelope.content)
        print(f"mail sink: {message.get('Subject', '')!r} to {', '.join(envelope.rcpt_tos)} "
              f"-> {self.directory / name}", flush=True)
        return "250 Message accepted for delivery"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dir", default="instance/mail")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8025)
    args = parser.parse_args()
    controller = Controller(FileSink(Path(args.dir)), hostname=args.host, port=args.port)
    controller.start()
    print(f"mail sink: listening on {args.host}:{args.port}, writing to {args.dir}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
