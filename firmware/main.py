"""Runs at power-up on the board: the co-processor application on the USB serial link."""

import app

app.main()
