"""The field units' weekly enrolment report: weeks cut off on Friday (Saturday 00:00 to Friday 24:00, Asia/Bangkok);
per unit and week the number registered that week, the increase over the week before, and the cumulative total.
Computed from the registry's weekly figures or from enrolment times (a field kit's own outbox), written as CSV and
drawn as a chart per unit with Pillow (Thai labels shaped by raqm)."""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

FRIDAY = 4
FONT_PATHS = (
    Path("/usr/share/fonts/truetype/tlwg/Garuda.ttf"),
    Path("/usr/share/fonts/truetype/tlwg/Loma.ttf"),
)


@dataclass(frozen=True)
class WeekRow:
    unit: str
    friday: date  # the cut-off closing this week
    registered: int  # registered during the week ending this Friday
    increase: int  # registered this week minus registered the week before
    cumulative: int  # registered up to and including this Friday


def report_friday(moment: datetime, tz: tzinfo) -> date:
    """The Friday whose report counts `moment` (a Saturday belongs to the next Friday)."""
    day = moment.astimezone(tz).date()
    return day + timedelta(days=(FRIDAY - day.weekday()) % 7)


def last_cutoff(today: date) -> date:
    """The latest Friday not after `today`: the week a report run today closes."""
    return today - timedelta(days=(today.weekday() - FRIDAY) % 7)


def fridays(last: date, weeks: int) -> list[date]:
    if last.weekday() != FRIDAY:
        raise ValueError(f"{last} is not a Friday")
    return [last - timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]


def from_events(events: Iterable[tuple[str, datetime]], weeks: Sequence[date], tz: tzinfo) -> list[WeekRow]:
    """Rows for each unit and each Friday in `weeks` (ascending) from (unit, enrolled_at) pairs."""
    per_week: dict[tuple[str, date], int] = {}
    units: set[str] = set()
    before_first: dict[str, int] = {}
    first = weeks[0] if weeks else date.max
    for unit, at in events:
        friday = report_friday(at, tz)
        units.add(unit)
        per_week[unit, friday] = per_week.get((unit, friday), 0) + 1
        if friday < first:
            before_first[unit] = before_first.get(unit, 0) + 1
    rows: list[WeekRow] = []
    for unit in sorted(units):
        total = before_first.get(unit, 0)
        for friday in weeks:
            count = per_week.get((unit, friday), 0)
            previous = per_week.get((unit, friday - timedelta(weeks=1)), 0)
            total += count
            rows.append(WeekRow(unit, friday, count, count - previous, total))
    return rows


def from_registry(reports: Iterable[Mapping[str, Any]]) -> list[WeekRow]:
    """Rows from the registry's weekly answers ({"friday", "units": [{unit, this_week, increase, cumulative}]})."""
    rows = [
        WeekRow(
            str(u["unit"]),
            date.fromisoformat(str(r["friday"])),
            int(u["this_week"]),
            int(u["increase"]),
            int(u["cumulative"]),
        )
        for r in reports
        for u in r["units"]
    ]
    return sorted(rows, key=lambda w: (w.unit, w.friday))


def to_csv(rows: Iterable[WeekRow]) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["unit", "friday", "registered_this_week", "increase", "cumulative"])
    for r in rows:
        w.writerow([r.unit, r.friday.isoformat(), r.registered, r.increase, r.cumulative])
    return out.getvalue()


def _font(size_px: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in FONT_PATHS:
        if path.exists():
            return ImageFont.truetype(str(path), size_px, layout_engine=ImageFont.Layout.RAQM)
    return ImageFont.load_default()


def chart(rows: Sequence[WeekRow], *, width_px: int = 960, height_px: int = 540) -> Image.Image:
    """One unit's weeks: bars for those registered each week, a line for the cumulative total (own scale)."""
    img = Image.new("RGB", (width_px, height_px), "white")
    d = ImageDraw.Draw(img)
    title_font, label_font = _font(26), _font(16)
    unit = rows[0].unit if rows else ""
    d.text((24, 14), f"ผลการลงทะเบียน ThaiD รายสัปดาห์ / Weekly ThaiD enrolments — {unit}", fill="black", font=title_font)
    left, top, right, bottom = 80, 100, width_px - 80, height_px - 70
    d.line((left, bottom, right, bottom), fill="black", width=2)
    d.line((left, top, left, bottom), fill="black", width=2)
    if not rows:
        return img
    bar_max = max(1, *(r.registered for r in rows))
    cum_max = max(1, *(r.cumulative for r in rows))
    slot = (right - left) / len(rows)
    points: list[tuple[float, float]] = []
    for i, r in enumerate(rows):
        x0 = left + i * slot + slot * 0.2
        x1 = left + (i + 1) * slot - slot * 0.2
        y = bottom - (bottom - top) * r.registered / bar_max
        d.rectangle((x0, y, x1, bottom), fill=(37, 99, 170))
        d.text(((x0 + x1) / 2, y - 4), str(r.registered), fill="black", font=label_font, anchor="md")
        d.text(((x0 + x1) / 2, bottom + 8), r.friday.strftime("%d/%m"), fill="black", font=label_font, anchor="ma")
        points.append(((x0 + x1) / 2, bottom - (bottom - top) * r.cumulative / cum_max))
    if len(points) > 1:
        d.line(points, fill=(200, 80, 30), width=3)
    for (x, y), r in zip(points, rows, strict=True):
        d.ellipse((x - 5, y - 5, x + 5, y + 5), fill=(200, 80, 30))
        d.text((x + 8, y - 8), str(r.cumulative), fill=(200, 80, 30), font=label_font, anchor="ls")
    legend = "แท่ง: ลงทะเบียนในสัปดาห์ (ตัดยอดวันศุกร์) / bars: this week   เส้น: ยอดสะสม / line: cumulative"
    d.text((left, height_px - 30), legend, fill="black", font=label_font)
    return img


def write(rows: Sequence[WeekRow], out_dir: Path, *, stem: str) -> list[Path]:
    """`<stem>.csv` with every row, and `<stem>-<unit>.png` per unit; returns the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / f"{stem}.csv"]
    paths[0].write_text(to_csv(rows), encoding="utf-8")
    for unit in sorted({r.unit for r in rows}):
        path = out_dir / f"{stem}-{_safe(unit)}.png"
        chart([r for r in rows if r.unit == unit]).save(path, "PNG")
        paths.append(path)
    return paths


def _safe(name: str) -> str:
    """A file-name-safe unit name; Thai vowel and tone marks (category M) are kept with their letters."""
    return "".join(ch if unicodedata.category(ch)[0] in "LNM" or ch in "-_" else "_" for ch in name) or "unit"
