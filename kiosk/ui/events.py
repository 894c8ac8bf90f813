"""What the screen posts to the runner: a touch on a named control, and the view's own preference changes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tapped:
    """A control was touched. `action` names the control ("start", "digit", "back", "service"); `value` its value."""

    action: str
    value: str = ""


# Actions the view applies to itself at once (and still posts, so the journeys know):
LANGUAGE = "language"  # value "th" | "en"
LARGE_TEXT = "large_text"  # value "on" | "off"
HIGH_CONTRAST = "high_contrast"  # value "on" | "off"
VIEW_PAGE = "view_page"  # value "0", "1", …: which page of a screen's long text is shown (reset by a new screen)


@dataclass(frozen=True)
class Touched:
    """A touch that hit no control: it only shows someone is still there (dismisses the inactivity warning)."""


LISTEN_AGAIN = "listen_again"  # say the screen's prompt again
VOLUME = "volume"  # value "up" | "down"
