"""The ``servicehall`` command's subcommands by group; ``servicehall/__main__.py`` parses."""
