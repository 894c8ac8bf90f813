"""The udev rules give the Pi configuration's device names, and the polkit rule lets the kiosk's user (only) use
pcscd: parsed here (udev's key/operator grammar; the JavaScript run under Node with a stand-in `polkit`)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "packaging" / "udev" / "70-kiosk.rules"
POLKIT = ROOT / "packaging" / "polkit" / "60-kiosk-pcscd.rules"
PAIR = re.compile(r'\s*([A-Z]+(?:\{[A-Za-z_]+\})?)\s*(==|!=|\+=|:=|=)\s*"([^"]*)"\s*(?:,|$)')
MATCH_KEYS = {"KERNEL", "SUBSYSTEM", "ATTRS{idVendor}", "ATTRS{idProduct}", "ATTRS{serial}"}
ASSIGN_KEYS = {"SYMLINK", "GROUP", "MODE"}


def rules() -> list[dict[str, tuple[str, str]]]:
    parsed = []
    for number, line in enumerate(RULES.read_text().splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        pairs, rest = {}, line
        while rest.strip():
            m = PAIR.match(rest)
            assert m, f"line {number}: cannot parse {rest!r}"
            key, op, value = m.groups()
            assert key in MATCH_KEYS | ASSIGN_KEYS, f"line {number}: unknown key {key}"
            assert (op in ("==", "!=")) == (key in MATCH_KEYS), f"line {number}: {key}{op}"
            pairs[key] = (op, value)
            rest = rest[m.end() :]
        parsed.append(pairs)
    return parsed


def test_every_rule_parses_and_names_a_kiosk_device_for_the_dialout_or_lp_group_only() -> None:
    for rule in rules():
        assert rule["SYMLINK"][0] == "+=" and rule["SYMLINK"][1].startswith("kiosk/")
        assert rule["GROUP"][1] in ("dialout", "lp") and rule["MODE"][1] == "0660"


def test_the_pi_configuration_opens_the_names_the_rules_make() -> None:
    named = {"/dev/" + rule["SYMLINK"][1] for rule in rules()}
    with (ROOT / "config" / "kiosk.pi.toml").open("rb") as f:
        pi = tomllib.load(f)
    for device in (pi["finger"]["port"], pi["printer"]["transport"], pi["coproc"]["port"]):
        assert device in named, device


POLKIT_HARNESS = """
const fs = require("fs");
let rule = null;
const polkit = {Result: {YES: "yes", NO: "no", NOT_HANDLED: "not_handled"}, addRule: (f) => { rule = f; }};
eval(fs.readFileSync(process.argv[2], "utf8"));
const cases = JSON.parse(process.argv[3]);
console.log(JSON.stringify(cases.map(([id, user]) => rule({id: id}, {user: user}))));
"""


def test_the_polkit_rule_lets_only_the_kiosk_user_use_the_reader(tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed here: the polkit rule's JavaScript is not run")
    harness = tmp_path / "harness.js"
    harness.write_text(POLKIT_HARNESS)
    cases = [
        ["org.debian.pcsc-lite.access_pcsc", "kiosk"],
        ["org.debian.pcsc-lite.access_card", "kiosk"],
        ["org.debian.pcsc-lite.access_pcsc", "www-data"],
        ["org.freedesktop.login1.reboot", "kiosk"],
    ]
    done = subprocess.run(
        [node, str(harness), str(POLKIT), json.dumps(cases)], capture_output=True, text=True, timeout=30, check=True
    )
    assert json.loads(done.stdout) == ["yes", "yes", "not_handled", "not_handled"]
