"""The composition root's parts: one module per device or service, each building it from its config section."""
