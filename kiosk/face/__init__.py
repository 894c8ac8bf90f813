"""Face verification: detection, landmarks, alignment, int8 embedding, quality gates, liveness and match decision.

Use (the journeys go through `FaceService`, which has the shape of `kiosk.flows.ports.FacePort`):

    models = FaceModels.load("int8")                      # checked against kiosk/models/manifest.json
    verifier = FaceVerifier(models, threshold=0.46)
    quality = verifier.assess(frame)                       # Quality(ok, hints, detection, landmarks, pose, ...)
    with verifier.enrol_portrait(chip_jpeg) as template:   # Template; forgotten (zeroed) when the block ends
        match = verifier.verify(frame, template)           # Match(score, accepted, threshold, quality, frames)
        match = verifier.verify_frames(frames, template)   # the best [face] frames fused, decided once

    state = liveness.start(now_s, rng)                     # pure state machine: blink / turn_left / turn_right
    state = liveness.step(state, liveness.observe(landmarks, faces), now_s)

    service = FaceService(camera, verifier)                # capture(portrait, hint, timeout_s) -> Capture,
                                                           # liveness(prompt, timeout_s) -> (passed, reason),
                                                           # match(capture, portrait) -> (accepted, score)
Frames and portraits are only ever held in memory. What liveness does and does not stop: LIVENESS.md.
"""
