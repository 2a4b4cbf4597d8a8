"""``python -m wxpay_cli …`` runs ``wxpay …`` (when the scripts folder is not on PATH)."""

import os
import sys

from wxpay_cli import binary_path

if __name__ == "__main__":
    exe = binary_path()
    os.execv(exe, [exe, *sys.argv[1:]])
