"""A virtual Thai national ID card behind the real pcscd (via vsmartcard's vpcd), for tests and the simulator.

`card` is the card's behaviour (memory, T=0 answers, faults); `vpcd` puts it on vpcd's socket; `pcscd` runs a private
pcscd with only virtual readers configured. vpcd listens on TCP: it must never be installed on a kiosk image.
"""
