"""The package's ``__all__`` is exactly its public surface."""

from __future__ import annotations

import types

import cjm_sync.http as http_core


def test_all_matches_the_public_names() -> None:
    public = {
        name
        for name, value in vars(http_core).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert set(http_core.__all__) == public
    assert len(http_core.__all__) == len(set(http_core.__all__))


def test_every_public_name_is_documented() -> None:
    undocumented = [
        name
        for name in http_core.__all__
        if isinstance(obj := getattr(http_core, name), type | types.FunctionType) and not obj.__doc__
    ]
    assert undocumented == []
