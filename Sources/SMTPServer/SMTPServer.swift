// The SMTPServer module; see DESIGN.md.
