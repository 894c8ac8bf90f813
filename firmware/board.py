"""The board's pin map and fixed hardware facts, in one place; plain numbers so the simulator can read them too."""

# Raspberry Pi Pico (RP2040) GPIO numbers.
LIGHT_RING_PIN = 2  # WS2812 data line of the face-illumination ring
LIGHT_RING_PIXELS = 24
STATUS_GREEN_PIN = 14
STATUS_RED_PIN = 15
BUZZER_PIN = 16  # piezo through a transistor, driven by PWM
PI_POWER_PIN = 17  # relay in the Pi's 5 V supply
PI_POWER_ON_LEVEL = 1  # the level that keeps the Pi powered
TAMPER_PIN = 20  # enclosure switch to ground, closed while the door is shut; pulled up
TAMPER_OPEN_LEVEL = 1
PRESENCE_PIN = 21  # PIR sensor output, high while someone moves in front of the kiosk
PRESENCE_ACTIVE_LEVEL = 1

BUZZER_DUTY_U16 = 32768
HARDWARE_WDT_MS = 5000  # the RP2040's own watchdog: resets this board if its event loop stalls
TAMPER_DEBOUNCE_MS = 50
PRESENCE_HOLDOFF_MS = 2000  # a PIR keeps firing while someone stands there: one event per holdoff
