from csuite.mcp.server import main

raise SystemExit(main())
