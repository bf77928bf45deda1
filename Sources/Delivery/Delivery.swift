// The Delivery module; see DESIGN.md.
