#!/usr/bin/env python3
"""Customer tiers, ICP-fit scores, tier transitions and a kill list. Run with --help."""
import sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from csuite.cli import run_script
if __name__ == "__main__":
    run_script("customer_segmentation_designer")
