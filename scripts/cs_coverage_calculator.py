#!/usr/bin/env python3
"""CSM coverage by tier now and in 12 months, hiring plan and incremental cost. Run with --help."""
import sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from csuite.cli import run_script
if __name__ == "__main__":
    run_script("cs_coverage_calculator")
