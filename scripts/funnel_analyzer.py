#!/usr/bin/env python3
"""Win/loss, channels, cycle, velocity, deal value and top-deal risk from a CRM export. Run with --help."""
import sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from csuite.cli.tool_script import script_main
if __name__ == "__main__":
    script_main("funnel_analyzer")
