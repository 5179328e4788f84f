#!/usr/bin/env python3
"""CSM coverage by tier now and in 12 months, hiring plan and incremental cost. Run with --help."""
import sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from csuite.cli.tool_script import script_main
if __name__ == "__main__":
    script_main("cs_coverage_calculator")
