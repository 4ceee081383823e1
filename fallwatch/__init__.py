"""fallwatch: the command line that joins the edge and the server."""

__version__ = "0.1.0"
