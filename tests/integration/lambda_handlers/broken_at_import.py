"""A module whose import fails: the runtime reports an init error."""

raise RuntimeError("cannot start: the configuration is missing")
