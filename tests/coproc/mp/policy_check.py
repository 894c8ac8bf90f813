"""Runs under MicroPython: the watchdog and tamper policies (firmware/policy.py) against the port's own ticks."""

import time

from policy import (
    A_NONE,
    A_POWER_OFF,
    A_POWER_ON,
    A_WARN,
    S_GAVE_UP,
    TamperLatch,
    WatchdogPolicy,
)

checks = 0


def check(cond, what):
    global checks
    checks += 1
    if not cond:
        raise AssertionError(what)


def at(t0, ms):
    return time.ticks_add(t0, ms)


def test_disarmed_never_acts(t0):
    w = WatchdogPolicy(t0)
    for ms in (0, 10000, 10**6):
        check(w.poll(at(t0, ms)) == A_NONE, "a disarmed watchdog acted")


def test_warn_then_cycle_then_boot_grace(t0):
    w = WatchdogPolicy(t0)
    w.configure(True, 1000, 500, 200, 3000, 3, t0)
    check(w.armed, "configure(enabled) arms")
    check(w.poll(at(t0, 999)) == A_NONE, "warned early")
    check(w.poll(at(t0, 1000)) == A_WARN, "no warning after warn_after")
    check(w.poll(at(t0, 1001)) == A_NONE, "warned twice")
    check(w.ms_until_power_cycle(at(t0, 1200)) == 300, "time left")
    check(w.poll(at(t0, 1499)) == A_NONE, "cycled before the grace ran out")
    check(w.poll(at(t0, 1500)) == A_POWER_OFF, "no power-off after the grace")
    check(w.poll(at(t0, 1699)) == A_NONE, "power back too early")
    check(w.poll(at(t0, 1700)) == A_POWER_ON, "power not restored")
    check(w.cycles == 1, "cycle counted")
    # The Pi now gets boot grace + warn_after before the next warning.
    check(w.poll(at(t0, 1700 + 3999)) == A_NONE, "warned inside the boot grace")
    check(w.poll(at(t0, 1700 + 4000)) == A_WARN, "no warning after boot grace")


def test_heartbeat_resets(t0):
    w = WatchdogPolicy(t0)
    w.configure(True, 1000, 500, 200, 3000, 3, t0)
    for step in range(1, 20):
        w.heartbeat(at(t0, step * 900))
        check(w.poll(at(t0, step * 900 + 899)) == A_NONE, "heartbeats did not hold the watchdog off")
    w.heartbeat(at(t0, 100000))
    check(w.poll(at(t0, 101000)) == A_WARN, "a warning after the heartbeats stop")
    w.heartbeat(at(t0, 101100))
    check(w.poll(at(t0, 101700)) == A_NONE, "a late heartbeat cancels the warning")


def test_gives_up_after_max_cycles(t0):
    w = WatchdogPolicy(t0)
    w.configure(True, 100, 100, 100, 0, 2, t0)
    actions = []
    t = t0
    for _ in range(100):
        t = at(t, 50)
        a = w.poll(t)
        if a != A_NONE:
            actions.append(a)
    expected = [A_WARN, A_POWER_OFF, A_POWER_ON] * 2 + [A_WARN]
    check(actions == expected, "actions " + repr(actions))
    check(w.state == S_GAVE_UP, "still cycling after max_cycles")
    w.heartbeat(at(t, 10))
    check(w.poll(at(t, 10 + 100)) == A_WARN, "a heartbeat re-arms after giving up")


def test_configure_does_not_interrupt_a_power_cycle(t0):
    w = WatchdogPolicy(t0)
    w.configure(True, 100, 0, 500, 0, 3, t0)
    check(w.poll(at(t0, 100)) == A_WARN, "warn")
    check(w.poll(at(t0, 100)) == A_POWER_OFF, "off")
    w.configure(False, 100, 0, 500, 0, 3, at(t0, 200))
    w.heartbeat(at(t0, 200))
    check(w.poll(at(t0, 600)) == A_POWER_ON, "the Pi was left without power")
    check(not w.armed, "disabled during the cycle, armed after it")
    check(w.poll(at(t0, 100000)) == A_NONE, "acted while disabled")


def test_disable(t0):
    w = WatchdogPolicy(t0)
    w.configure(True, 100, 100, 100, 0, 3, t0)
    w.configure(False, 100, 100, 100, 0, 3, t0)
    check(not w.armed and w.poll(at(t0, 10000)) == A_NONE, "disabled watchdog acted")


def test_tamper_latch():
    t = TamperLatch()
    check(t.observe(True) and not t.latched, "opened outside a journey must not latch")
    check(not t.observe(True), "same level reported twice")
    check(t.observe(False), "close reported")
    t.in_journey = True
    check(t.observe(True) and t.latched, "opened in a journey latches")
    check(not t.acknowledge() and t.latched, "acknowledged while open")
    t.in_journey = False
    check(t.observe(False) and t.latched, "closing the door cleared the latch")
    check(t.acknowledge() and not t.latched, "acknowledge after closing")


def main():
    # Start just before the ticks counter wraps, so every comparison crosses the wrap.
    t0 = time.ticks_add(0, -1500)
    test_disarmed_never_acts(t0)
    test_warn_then_cycle_then_boot_grace(t0)
    test_heartbeat_resets(t0)
    test_gives_up_after_max_cycles(t0)
    test_configure_does_not_interrupt_a_power_cycle(t0)
    test_disable(t0)
    test_tamper_latch()
    print("ok", checks)


main()
