"""The diagnostic's documents: the report (DOCX, PDF) from one gathering of its content, and the indicator table
(XLSX, CSV). The format primitives they are written with live in ctg.reports."""
