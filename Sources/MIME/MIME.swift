// The MIME module; see DESIGN.md.
