// The Lifecycle module; see DESIGN.md.
