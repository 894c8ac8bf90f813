"""The journeys as pure state machines: step(state, event, now) -> (state, effects).

- `machine`: the engine every journey shares (stage table, deadlines, inactivity, cancel, card removed, keypad,
  device failures, wipe on early end, an audit line per stage change); a screen is a function of the state.
- `home` (attract, language, menu by capabilities), `enrol_self`, `enrol_officer`, `extract`, `booking`,
  `own_data`: one module per journey; `identity`: the card and face/finger steps they share.
- `events`, `effects`: what goes in and out; `screens`: the screen catalogue and the error reasons the UI draws.
- `passcode`, `attempts` (lockouts by holder hash), `context` (limits, capabilities, wall time): pure rules.
- `host`: the effect executor on the runner (ports in `ports`, real ones in `adapters`); `report`: weekly figures.
"""
