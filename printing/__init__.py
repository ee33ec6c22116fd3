"""Documents as data, rendered to PDF (reportlab, embedded CJK font) and ESC/POS bytes. No Qt."""
