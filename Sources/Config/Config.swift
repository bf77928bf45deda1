// The Config module; see DESIGN.md.
