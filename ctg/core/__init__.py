"""Small helpers shared by every domain: no model, no view, no import of another ctg package."""
