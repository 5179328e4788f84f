#!/usr/bin/env python3
"""Honest retention: GRR beside NRR per cohort, churn taxonomy, preventable share, leaky bucket. Run with --help."""
import sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from csuite.cli import run_script
if __name__ == "__main__":
    run_script("retention_decomposition_analyzer")
