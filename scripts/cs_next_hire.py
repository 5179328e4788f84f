#!/usr/bin/env python3
"""Which customer-success role to hire next, why, and an 18-month sequence. Run with --help."""
import sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from csuite.cli import run_script
if __name__ == "__main__":
    run_script("cs_next_hire")
