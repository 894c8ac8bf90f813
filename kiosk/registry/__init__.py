"""The reference registry service: API, data layer, CA, seals and the public verify page."""
