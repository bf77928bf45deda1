// The POP3Server module; see DESIGN.md.
