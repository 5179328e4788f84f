from csuite.cli import main

raise SystemExit(main())
