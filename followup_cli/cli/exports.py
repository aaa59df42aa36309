"""Commands added by the exports work (registered on `app` from followup_cli.cli)."""

from __future__ import annotations

from followup_cli.cli import app  # noqa: F401
