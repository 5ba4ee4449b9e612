"""The clique tests build their inventories with the link tests' topology helpers."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "links"))
