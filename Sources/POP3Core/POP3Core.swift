// The POP3Core module; see DESIGN.md.
