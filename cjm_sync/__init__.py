"""cjm-sync: keep customer journey maps alive between journey files, whiteboards and CRMs."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("cjm-sync")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0"

__all__ = ["__version__"]
