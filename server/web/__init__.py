"""Server-rendered pages for guards, installers and admins (Jinja2 + a little JavaScript)."""
