"""HTTP handlers, one module per resource; :mod:`..routes` maps URLs onto them."""
