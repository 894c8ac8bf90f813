"""One package per device type: interface and errors, a pure codec, the real driver over an injected port."""
