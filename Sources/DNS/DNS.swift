// The DNS module; see DESIGN.md.
