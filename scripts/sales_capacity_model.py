#!/usr/bin/env python3
"""Sales capacity: ramped capacity by quarter, gap to target, hires and latest hire dates. Run with --help."""
import sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from csuite.cli import run_script
if __name__ == "__main__":
    run_script("sales_capacity_model")
