"""The UI's gettext catalogues (Thai, English): `.po` sources and compiled `.mo`, shipped as package data."""
