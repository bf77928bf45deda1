// The SMTPCore module; see DESIGN.md.
