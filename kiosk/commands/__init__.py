"""Command-line commands, one module per area; each module's `register` adds its subcommands."""
