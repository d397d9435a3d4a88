"""`python -m azure_identity_kit.access_map`: see cli.py."""

from .cli import main

raise SystemExit(main())
