#!/usr/bin/env python3
"""Unit economics for the board: magic number, CAC payback, burn multiple, Rule of 40, ARR waterfall. Run with --help."""
import sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from csuite.cli import run_script
if __name__ == "__main__":
    run_script("revenue_metrics")
