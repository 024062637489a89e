"""Output formats: the format table (formats.py) and one writer per format (write, xlsx, html_view), render."""
