"""Wire-level simulated devices and the pygame simulator window around the kiosk."""
