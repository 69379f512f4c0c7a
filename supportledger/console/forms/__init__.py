"""Forms of the staff console, one module per area (as ``console.views``):
they only parse input; the actions and queries decide."""
