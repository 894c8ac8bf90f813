"""`kiosk report`: the weekly field-unit enrolment report (Friday cut-off) as CSV and a chart per unit, from the
registry's figures or, on an offline field kit, from the enrolments in its own outbox (queued ones included)."""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from kiosk.config import Config
from kiosk.flows import report


def register(sub: Any) -> None:
    p = sub.add_parser("report", help="weekly enrolment report per unit (Friday cut-off): CSV and chart images")
    p.add_argument("--friday", type=date.fromisoformat, help="the last week's Friday (default: the latest Friday)")
    p.add_argument("--weeks", type=int, default=8, help="how many weeks, ending with --friday (default 8)")
    p.add_argument("--unit", default="", help="only this unit (default: every unit)")
    p.add_argument(
        "--source",
        choices=("registry", "outbox"),
        default="registry",
        help="the registry service, or this kit's own outbox (offline field kits)",
    )
    p.add_argument("--out", type=Path, default=Path("reports"), help="folder for the CSV and PNG files")
    p.set_defaults(func=cmd_report)


def cmd_report(args: argparse.Namespace, cfg: Config) -> int:
    tz = ZoneInfo(cfg.kiosk.timezone)
    last = args.friday or report.last_cutoff(datetime.now(UTC).astimezone(tz).date())
    weeks = report.fridays(last, max(1, args.weeks))
    rows = _from_outbox(cfg, weeks, tz) if args.source == "outbox" else _from_registry(cfg, weeks, args.unit)
    if args.unit:
        rows = [r for r in rows if r.unit == args.unit]
    paths = report.write(rows, args.out, stem=f"enrolments-{last.isoformat()}")
    for r in rows:
        if r.friday == last:
            print(
                f"{r.unit}\t{r.friday}\tthis week {r.registered}\tincrease {r.increase:+d}\tcumulative {r.cumulative}"
            )
    for path in paths:
        print(f"wrote {path}")
    return 0


def _from_registry(cfg: Config, weeks: list[date], unit: str) -> list[report.WeekRow]:
    from kiosk.app import open_registry_client

    with open_registry_client(cfg) as client:
        return report.from_registry(client.enrolment_report(friday, unit) for friday in weeks)


def _from_outbox(cfg: Config, weeks: list[date], tz: ZoneInfo) -> list[report.WeekRow]:
    from kiosk.store import Outbox, load_keys, open_store

    data_key = load_keys(cfg.kiosk.data_dir / "keys").data_key  # the kit's outbox payloads are encrypted
    conn = open_store(cfg.store.path)
    try:
        ops = [op for op in Outbox(conn, data_key).list(limit=1_000_000) if op.kind == "enrol" and op.state != "failed"]
    finally:
        conn.close()
    events = [(str(op.payload.get("unit", cfg.kiosk.unit)), datetime.fromtimestamp(op.created_at, UTC)) for op in ops]
    return report.from_events(events, weeks, tz)
