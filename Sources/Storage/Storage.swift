// The Storage module; see DESIGN.md.
