"""Server-rendered pages (Jinja2): self-contained HTML, no external assets, no script framework."""
