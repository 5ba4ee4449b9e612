"""The export formats and their media types (apart, so the command line names them
without importing the exporters)."""

FORMATS = {"json": "application/json", "graphml": "application/xml",
           "dot": "text/vnd.graphviz"}
