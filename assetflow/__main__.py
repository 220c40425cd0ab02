"""``python -m assetflow`` is the ``asset`` command."""

from assetflow.cli import main

main()
