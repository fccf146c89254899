"""The child process of :mod:`healthstore.interop.apple.reader_process` (a module of its own
so that running it does not execute a module the package has already imported)."""

import sys

from healthstore.interop.apple.reader_process import child_main

if __name__ == "__main__":
    sys.exit(child_main(sys.argv[1:]))
