"""Write a `.env` for a development machine, with fresh secret keys.

`make run` calls this once, when no `.env` exists: it copies `.env.example`
and replaces the example SECRET_KEY and FIELD_ENCRYPTION_KEY with new ones.
"""

import secrets
import sys
from pathlib import Path

from cryptography.fernet import Fernet


def render(example: str) -> str:
    """Return the example's text with SECRET_KEY and FIELD_ENCRYPTION_KEY set."""
    lines = []
    for line in example.splitlines():
        if line.startswith("SECRET_KEY="):
            line = f"SECRET_KEY={secrets.token_urlsafe(50)}"
        elif line.lstrip("# ").startswith("FIELD_ENCRYPTION_KEY="):
            line = f"FIELD_ENCRYPTION_KEY={Fernet.generate_key().decode()}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def main(target: str = ".env", example: str = ".env.example") -> None:
    path = Path(target)
    if path.exists():
        print(f"{path} exists; leaving it as it is.")
        return
    path.write_text(render(Path(example).read_text(encoding="utf-8")), "utf-8")
    path.chmod(0o600)
    print(f"Wrote {path} with new secret keys.")


if __name__ == "__main__":
    main(*sys.argv[1:])
