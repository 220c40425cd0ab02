"""``python -m assetflow`` is the ``asset`` command."""

from assetflow.cli import main

if __name__ == "__main__":
    main()
