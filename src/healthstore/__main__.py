"""``python -m healthstore``: the same command line as the ``healthstore`` script."""

from healthstore.cli import main

if __name__ == "__main__":
    main()
