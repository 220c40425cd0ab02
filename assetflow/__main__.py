"""``python -m assetflow`` is the ``asset`` command."""

from assetflow.cli import script

if __name__ == "__main__":
    script()
