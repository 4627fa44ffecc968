"""The final evaluation report of a convention: its content, as DOCX and as PDF."""
