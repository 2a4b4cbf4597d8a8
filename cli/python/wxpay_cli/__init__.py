"""The ``wxpay`` command line, installed by pip onto ``PATH`` (the wheel's ``scripts``).

WeChat Pay APIv3 from the shell (``wxpay --help``) and ``wxpay sandbox``, a local WeChat Pay for
testing a checkout without a merchant account (TEST ONLY: public test keys, loopback only).
``wxpay.testing`` finds this binary by itself; :func:`binary_path` gives its path to anything
else, also when the environment's ``bin`` folder is not on ``PATH`` (a venv not activated).
"""

import os
import sys
import sysconfig

__all__ = ["binary_path"]
__version__ = "0.1.0"


def binary_path() -> str:
    """The absolute path of the installed ``wxpay`` executable.

    Raises ``FileNotFoundError`` naming the folders searched when it is missing.
    """
    name = "wxpay.exe" if sys.platform == "win32" else "wxpay"
    # The scheme pip installed into: the environment's, or the user's (pip install --user).
    folders = [sysconfig.get_path("scripts")]
    user_scheme = f"{os.name}_user"
    if user_scheme in sysconfig.get_scheme_names():
        folders.append(sysconfig.get_path("scripts", user_scheme))
    for folder in folders:
        candidate = os.path.join(folder, name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    raise FileNotFoundError(
        f"the wxpay executable of the wxpay-cli package is not in {' or '.join(folders)}: "
        "reinstall it with `pip install --force-reinstall wxpay-cli`"
    )
