#!/usr/bin/env python3
"""Unit economics for the board: magic number, CAC payback, burn multiple, Rule of 40, ARR waterfall. Run with --help."""
import sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from csuite.cli.tool_script import script_main
if __name__ == "__main__":
    script_main("revenue_metrics")
