// The Auth module; see DESIGN.md.
