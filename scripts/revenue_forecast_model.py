#!/usr/bin/env python3
"""Pipeline forecast: weighted scenarios, Monte Carlo P10/P50/P90, coverage and flags. Run with --help."""
import sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from csuite.cli import run_script
if __name__ == "__main__":
    run_script("revenue_forecast_model")
