"""The kiosk's touch screen: draws journey states (a screen name and its data) and turns touches into events.

The screens hold no journey logic. Threading: the pygame loop runs on the main thread and, once per frame, drains
the runner's queue without blocking (`Runner.run_pending`), so flows step between frames; blocking device work runs
in the runner's worker pool (`Runner.spawn`) and only posts events back. A frame never waits on a device.
"""
