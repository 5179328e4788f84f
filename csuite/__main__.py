from csuite.cli import run

raise SystemExit(run())
