"""The quantized model files the face pipeline loads, with their manifest and build script."""
