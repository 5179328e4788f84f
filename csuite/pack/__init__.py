"""The skill pack as a deliverable: check each skill against the Agent Skills rules (`check`)
and package or install it for other agents (`bundle`)."""
