"""``python -m interp``."""

from interp.cli import main

raise SystemExit(main())
