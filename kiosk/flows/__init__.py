"""The journeys as pure state machines: step(state, event, now) -> (state, effects)."""
