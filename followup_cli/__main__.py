"""Allow ``python -m followup_cli``."""

from followup_cli.cli import main

main()
