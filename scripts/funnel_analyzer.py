#!/usr/bin/env python3
"""Win/loss, channels, cycle, velocity, deal value and top-deal risk from a CRM export. Run with --help."""
import sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from csuite.cli import run_script
if __name__ == "__main__":
    run_script("funnel_analyzer")
