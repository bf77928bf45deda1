// The Crypto module; see DESIGN.md.
