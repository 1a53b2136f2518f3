"""The ``cjm-sync`` command line: a thin shell over the library."""
