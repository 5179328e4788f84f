#!/usr/bin/env python3
"""Churn and retention from revenue snapshots (NRR, GRR, waterfall, cohorts, at-risk). Run with --help."""
import sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from csuite.cli import run_script
if __name__ == "__main__":
    run_script("churn_analyzer")
