"""The device panel beside the kiosk screen: card tray, camera chooser, finger sensor, paper roll, LEDs, switches.

Immediate-mode like the kiosk's screens: each draw lists the controls and their callbacks; a click runs one. The
callbacks only pull the rig's levers (cheap, non-blocking); the kiosk sees the result through its real drivers.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pygame

from kiosk.text.numbers import format_citizen_id
from kiosk.ui.text import Text
from kiosk.ui.widgets import frame_surface
from simulator.rig import Rig

BG = (34, 38, 46)
SECTION = (46, 52, 62)
INK = (230, 234, 240)
MUTED = (150, 158, 170)
ON = (60, 170, 100)
OFF = (90, 96, 108)
WARN = (214, 140, 0)
BAD = (200, 60, 50)
BUTTON = (70, 80, 96)
BUTTON_HOT = (40, 110, 200)


@dataclass
class PanelHit:
    rect: pygame.Rect
    action: Callable[[], object]
    name: str


@dataclass
class Panel:
    rig: Rig
    text: Text
    hits: list[PanelHit] = field(default_factory=list)
    selected: str = ""  # the citizen whose card / finger the buttons use
    roll_back_px: int = 0  # how far the roll view is scrolled back from its newest end (0: the newest print)
    _roll_cache: tuple[int, pygame.Surface] | None = None

    def __post_init__(self) -> None:
        if not self.selected and self.rig.citizens:
            self.selected = self.rig.citizens[0].key

    # --- drawing helpers ----------------------------------------------------------------------------------------

    def _label(
        self,
        s: pygame.Surface,
        text: str,
        at: tuple[int, int],
        size: int = 15,
        color: tuple[int, int, int] = INK,
        bold: bool = False,
    ) -> int:
        run = self.text.run(text, size, color, bold)
        s.blit(run, at)
        return at[1] + run.get_height()

    def _button(
        self,
        s: pygame.Surface,
        rect: pygame.Rect,
        label: str,
        action: Callable[[], object],
        *,
        hot: bool = False,
        enabled: bool = True,
        name: str = "",
    ) -> None:
        fill = BUTTON_HOT if hot else BUTTON if enabled else SECTION
        pygame.draw.rect(s, fill, rect, border_radius=6)
        self.text.block(s, label, rect.inflate(-8, -2), 14, INK if enabled else MUTED, align="center", valign="middle")
        if enabled:
            self.hits.append(PanelHit(rect.copy(), action, name or label))

    def _section(self, s: pygame.Surface, rect: pygame.Rect, title: str, status: str = "") -> int:
        pygame.draw.rect(s, SECTION, rect, border_radius=8)
        y = self._label(s, title, (rect.left + 10, rect.top + 4), 16, INK, bold=True)
        if status:
            run = self.text.run(status, 12, WARN)
            s.blit(run, (rect.right - run.get_width() - 10, rect.top + 8))
        return y + 2

    # --- the panel ----------------------------------------------------------------------------------------------

    def draw(
        self, s: pygame.Surface, area: pygame.Rect, camera_area: pygame.Rect, status: tuple[str, ...] = ()
    ) -> None:
        """`status`: lines about the kiosk itself (its screen, recent screens) shown under the camera controls."""
        floor = self.text.floor
        self.text.floor = 0.7  # the developer's panel may shrink a long label to fit its button (the kiosk may not)
        try:
            self._draw(s, area, camera_area, status)
        finally:
            self.text.floor = floor

    def _draw(self, s: pygame.Surface, area: pygame.Rect, camera_area: pygame.Rect, status: tuple[str, ...]) -> None:
        self.hits = []
        pygame.draw.rect(s, BG, area)
        roll_w = 170
        left = pygame.Rect(area.left + 8, area.top + 8, area.width - roll_w - 24, area.height - 16)
        roll = pygame.Rect(left.right + 8, area.top + 8, roll_w, area.height - 16)
        y = self._card(s, pygame.Rect(left.left, left.top, left.width, 250))
        y = self._finger(s, pygame.Rect(left.left, y + 8, left.width, 104))
        y = self._printer(s, pygame.Rect(left.left, y + 8, left.width, 72))
        y = self._coproc(s, pygame.Rect(left.left, y + 8, left.width, 96))
        self._network(s, pygame.Rect(left.left, y + 8, left.width, left.bottom - y - 8))
        self._roll(s, roll)
        self._camera(s, camera_area)
        y = camera_area.top + 130
        for line in status:
            self.text.block(s, line, pygame.Rect(camera_area.left + 256, y, camera_area.width - 266, 20), 13, MUTED)
            y += 20

    def _card(self, s: pygame.Surface, r: pygame.Rect) -> int:
        rig = self.rig
        y = self._section(s, r, "Card tray", rig.missing.get("card", "")[:48])
        cols, bw, bh = 3, (r.width - 20 - 2 * 6) // 3, 30
        for i, c in enumerate(rig.citizens):
            b = pygame.Rect(r.left + 10 + (i % cols) * (bw + 6), y + (i // cols) * (bh + 6), bw, bh)
            label = c.key + (" *" if c.officer else "")  # * officer (the line below says so, with the PIN)
            self._button(
                s, b, label, functools.partial(self._select, c.key), hot=c.key == self.selected, name=f"citizen:{c.key}"
            )
        y += ((len(rig.citizens) + cols - 1) // cols) * (bh + 6) + 2
        self._label(s, self.selected_details(), (r.left + 10, y), 13, WARN)
        y += 18
        slot = f"in the slot: {rig.levers.card_in}" if rig.levers.card_in else "slot empty"
        self._label(s, slot, (r.left + 10, y), 14, ON if rig.levers.card_in else MUTED)
        y += 22
        w = (r.width - 20 - 12) // 3
        up = rig.card_stack is not None
        self._button(
            s,
            pygame.Rect(r.left + 10, y, w, 30),
            "Insert",
            lambda: rig.insert_card(self.selected),
            enabled=up,
            name="card:insert",
        )
        self._button(
            s,
            pygame.Rect(r.left + 16 + w, y, w, 30),
            "Pull out",
            rig.remove_card,
            enabled=up and bool(rig.levers.card_in),
            name="card:remove",
        )
        self._button(
            s,
            pygame.Rect(r.left + 22 + 2 * w, y, w, 30),
            "Pull mid-read",
            lambda: rig.insert_card(self.selected, pull_mid_read=True),
            enabled=up,
            name="card:pull_mid_read",
        )
        return r.bottom

    def _select(self, key: str) -> None:
        self.selected = key

    def selected_details(self) -> str:
        """What a tester types for the selected citizen: the ID as printed on the card, an officer's PIN (* marks
        officers in the tray); these live in simulator/citizens/citizens.json."""
        c = next((c for c in self.rig.citizens if c.key == self.selected), None)
        if c is None:
            return ""
        shown = f"ID {format_citizen_id(c.cid)}"
        return f"{shown} · officer PIN {c.pin}" if c.officer and c.pin else shown

    def _finger(self, s: pygame.Surface, r: pygame.Rect) -> int:
        rig = self.rig
        y = self._section(s, r, "Fingerprint sensor", rig.missing.get("finger", "")[:48])
        on = rig.levers.finger_on
        self._label(s, f"finger on the glass: {on}" if on else "no finger", (r.left + 10, y), 14, ON if on else MUTED)
        y += 22
        up = rig.sensor is not None
        w = (r.width - 20 - 18) // 4
        specs = [
            ("Place", lambda: rig.place_finger(self.selected), "finger:place"),
            ("Worn", lambda: rig.place_finger(self.selected, worn=True), "finger:worn"),
            ("Lift", rig.lift_finger, "finger:lift"),
            (
                "Silent" if not rig.levers.sensor_silent else "Answer again",
                lambda: rig.set_sensor_silent(not rig.levers.sensor_silent),
                "finger:silent",
            ),
        ]
        for i, (label, fn, name) in enumerate(specs):
            self._button(
                s,
                pygame.Rect(r.left + 10 + i * (w + 6), y, w, 30),
                label,
                fn,
                enabled=up,
                hot=name == "finger:silent" and rig.levers.sensor_silent,
                name=name,
            )
        return r.bottom

    def _printer(self, s: pygame.Surface, r: pygame.Rect) -> int:
        rig = self.rig
        y = self._section(s, r, f"Printer · {rig.documents_printed()} printed", rig.missing.get("printer", "")[:40])
        up = rig.printer is not None
        w = (r.width - 20 - 6) // 2
        lv = rig.levers
        self._button(
            s,
            pygame.Rect(r.left + 10, y, w, 30),
            "Load paper" if lv.paper_out else "Paper out",
            lambda: rig.set_paper_out(not lv.paper_out),
            hot=lv.paper_out,
            enabled=up,
            name="printer:paper_out",
        )
        self._button(
            s,
            pygame.Rect(r.left + 16 + w, y, w, 30),
            "Close cover" if lv.cover_open else "Open cover",
            lambda: rig.set_cover_open(not lv.cover_open),
            hot=lv.cover_open,
            enabled=up,
            name="printer:cover_open",
        )
        return r.bottom

    def _coproc(self, s: pygame.Surface, r: pygame.Rect) -> int:
        """The firmware's own outputs as the board shows them, and the enclosure's tamper switch."""
        rig = self.rig
        y = self._section(s, r, "Co-processor", rig.missing.get("coproc", "")[:48])
        board = rig.board()
        x = r.left + 14
        if board is not None:
            lights = (
                ("light ring", board.ring_rgb, any(board.ring_rgb)),
                ("green", ON, bool(board.green)),
                ("red", BAD, bool(board.red)),
                (f"buzzer {board.buzzer_hz} Hz" if board.buzzer_hz else "buzzer", WARN, bool(board.buzzer_hz)),
            )
            for label, colour, lit in lights:
                pygame.draw.circle(s, colour if lit else OFF, (x + 8, y + 12), 8)
                self._label(s, label, (x + 20, y + 3), 13, INK if lit else MUTED)
                x += 20 + self.text.width(label, 13) + 14
            if not board.pi_powered:
                self._label(s, "Pi power cut", (r.right - 100, y + 3), 13, BAD)
        else:
            self._label(s, "no board", (x, y + 3), 13, MUTED)
        y += 30
        lv = rig.levers
        half = (r.width - 30) // 2
        self._button(
            s,
            pygame.Rect(r.left + 10, y, half, 30),
            "Close the case" if lv.tamper else "Open the case",
            lambda: rig.set_tamper(not lv.tamper),
            hot=lv.tamper,
            enabled=rig.coproc is not None,
            name="coproc:tamper",
        )
        self._button(
            s,
            pygame.Rect(r.left + 20 + half, y, half, 30),
            "Walk away" if lv.presence else "Walk up",
            lambda: rig.set_presence(not lv.presence),
            hot=lv.presence,
            enabled=rig.coproc is not None,
            name="coproc:presence",
        )
        return r.bottom

    def _network(self, s: pygame.Surface, r: pygame.Rect) -> int:
        rig = self.rig
        y = self._section(s, r, "Network", rig.missing.get("registry", "")[:48])
        lv = rig.levers
        self._button(
            s,
            pygame.Rect(r.left + 10, y, r.width - 20, 30),
            "Online: go offline" if lv.online else "Offline: go online",
            lambda: rig.set_online(not lv.online),
            hot=not lv.online,
            enabled="registry" not in rig.missing,
            name="network:toggle",
        )
        return r.bottom

    def _roll(self, s: pygame.Surface, r: pygame.Rect) -> None:
        """The paper roll's last metres, scaled to the column: what the printer has burned, newest at the bottom;
        Older / Newer scroll it by half a column."""
        pygame.draw.rect(s, SECTION, r, border_radius=8)
        self._label(s, "Paper roll", (r.left + 8, r.top + 4), 15, INK, bold=True)
        inner = pygame.Rect(r.left + 6, r.top + 28, r.width - 12, r.height - 34 - 36)
        half = (inner.width - 6) // 2
        step = inner.height // 2
        pygame.draw.rect(s, (250, 250, 244), inner)
        version = self.rig.levers.changed
        if self._roll_cache is None or self._roll_cache[0] != version:
            img = self.rig.roll()
            surf = None
            if img is not None and img.height > 0:
                rgb = np.asarray(img.convert("RGB"), dtype=np.uint8)
                k = inner.width / img.width
                full = pygame.image.frombuffer(np.ascontiguousarray(rgb).tobytes(), (img.width, img.height), "RGB")
                surf = pygame.transform.smoothscale(full, (inner.width, max(1, int(img.height * k))))
            self._roll_cache = (version, surf) if surf is not None else (version, pygame.Surface((0, 0)))
        surf = self._roll_cache[1]
        hidden = max(0, surf.get_height() - inner.height)  # how much of the roll is above the view at the newest end
        self.roll_back_px = min(self.roll_back_px, hidden)
        if surf.get_height():
            h = min(surf.get_height(), inner.height)
            top = surf.get_height() - h - self.roll_back_px
            s.blit(surf, (inner.left, inner.bottom - h), pygame.Rect(0, top, inner.width, h))
        buttons = pygame.Rect(inner.left, inner.bottom + 6, inner.width, 30)
        self._button(
            s,
            pygame.Rect(buttons.left, buttons.top, half, 30),
            "Older",
            lambda: setattr(self, "roll_back_px", min(hidden, self.roll_back_px + step)),
            enabled=self.roll_back_px < hidden,
            name="roll:older",
        )
        self._button(
            s,
            pygame.Rect(buttons.right - half, buttons.top, half, 30),
            "Newer",
            lambda: setattr(self, "roll_back_px", max(0, self.roll_back_px - step)),
            enabled=self.roll_back_px > 0,
            name="roll:newer",
        )

    def _camera(self, s: pygame.Surface, r: pygame.Rect) -> None:
        rig = self.rig
        pygame.draw.rect(s, SECTION, r, border_radius=8)
        self._label(s, "Camera (in front of the kiosk)", (r.left + 10, r.top + 4), 15, INK, bold=True)
        view = pygame.Rect(r.left + 10, r.top + 28, (r.height - 38) * 4 // 3, r.height - 38)
        frame = rig.frame()
        pygame.draw.rect(s, (20, 20, 24), view)
        if frame is not None:
            s.blit(frame_surface(frame, view.size, mirror=False), view.topleft)
        else:
            self.text.block(
                s,
                "nobody" if rig.photos else "no photos: ../shared/faces-asian absent",
                view.inflate(-10, -10),
                14,
                MUTED,
                align="center",
                valign="middle",
            )
        x = view.right + 10
        n = len(rig.photos)
        i = rig.levers.photo
        label = f"photo: {rig.photos[i].label}" if 0 <= i < n else "no photo in front of the camera"
        self._label(s, label, (x, view.top), 14, INK)
        w = (r.right - x - 10 - 12) // 3
        self._button(
            s,
            pygame.Rect(x, view.top + 26, w, 30),
            "< Previous",
            lambda: rig.show_photo((i - 1) % n if n else -1),
            enabled=n > 0,
            name="camera:prev",
        )
        self._button(
            s,
            pygame.Rect(x + w + 6, view.top + 26, w, 30),
            "Next >",
            lambda: rig.show_photo((i + 1) % n if n else -1),
            enabled=n > 0,
            name="camera:next",
        )
        self._button(
            s,
            pygame.Rect(x + 2 * (w + 6), view.top + 26, w, 30),
            "Nobody",
            lambda: rig.show_photo(-1),
            enabled=i >= 0,
            name="camera:none",
        )
        self._button(
            s,
            pygame.Rect(x, view.top + 62, r.right - x - 10, 30),
            f"Show {self.selected}'s face",
            lambda: rig.show_person(self.selected),
            enabled=n > 0,
            name="camera:selected",
        )

    def click(self, pos: tuple[int, int]) -> str | None:
        for h in reversed(self.hits):
            if h.rect.collidepoint(pos):
                h.action()
                return h.name
        return None
