"""Strict TOML to frozen dataclasses: every key known, every value of its type, errors name key and file."""

from __future__ import annotations

import dataclasses
import tomllib
import types
import typing
from pathlib import Path
from typing import Any, TypeVar, Union, get_args, get_origin

from kiosk.errors import ConfigError

T = TypeVar("T")


def load_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError as e:
        raise ConfigError(f"{path}: configuration file not found") from e
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: not valid TOML: {e}") from e


def build(cls: type[T], data: dict[str, Any], *, source: str, prefix: str = "") -> T:
    """Build dataclass `cls` from `data`, refusing unknown keys and wrong types; defaults fill what is absent."""
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: [{prefix.rstrip('.') or 'root'}] must be a table")
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    hints = typing.get_type_hints(cls)
    unknown = sorted(set(data) - set(fields))
    if unknown:
        known = ", ".join(sorted(fields))
        raise ConfigError(f"{source}: unknown key '{prefix}{unknown[0]}' (known here: {known})")
    values: dict[str, Any] = {}
    for name, field in fields.items():
        key = f"{prefix}{name}"
        if name in data:
            values[name] = _coerce(hints[name], data[name], source=source, key=key)
        elif field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
            raise ConfigError(f"{source}: missing required key '{key}'")
    return cls(**values)


def _coerce(tp: Any, value: Any, *, source: str, key: str) -> Any:
    origin = get_origin(tp)
    if dataclasses.is_dataclass(tp):
        return build(tp, value, source=source, prefix=f"{key}.")  # type: ignore[arg-type]
    if origin in (Union, types.UnionType):
        errors = []
        for option in get_args(tp):
            if option is type(None):
                continue
            try:
                return _coerce(option, value, source=source, key=key)
            except ConfigError as e:
                errors.append(str(e))
        raise ConfigError(errors[0] if errors else f"{source}: '{key}' has no valid type")
    if origin is typing.Literal:
        allowed = get_args(tp)
        if value not in allowed:
            raise ConfigError(f"{source}: '{key}' must be one of {', '.join(map(repr, allowed))}, not {value!r}")
        return value
    if origin is tuple:
        args = get_args(tp)
        if not isinstance(value, list):
            raise ConfigError(f"{source}: '{key}' must be a list, not {type(value).__name__}")
        item_tp = args[0] if args else Any
        return tuple(_coerce(item_tp, v, source=source, key=f"{key}[{i}]") for i, v in enumerate(value))
    if tp is Any:
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{source}: '{key}' must be a number, not {type(value).__name__} {value!r}")
        return float(value)
    if tp is Path:
        if not isinstance(value, str):
            raise ConfigError(f"{source}: '{key}' must be a path string, not {type(value).__name__}")
        return Path(value)
    if isinstance(tp, type):
        if tp is int and isinstance(value, bool):
            raise ConfigError(f"{source}: '{key}' must be an integer, not a boolean")
        if not isinstance(value, tp):
            raise ConfigError(f"{source}: '{key}' must be {tp.__name__}, not {type(value).__name__} {value!r}")
        return value
    raise ConfigError(f"{source}: '{key}' has an unsupported declared type {tp!r}")
