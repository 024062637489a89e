"""Output formats: the format table (formats.py), the streams written report by report (streams.py), one writer
per format (write, xlsx, html_view) and render."""
