"""`followup hooks`: which event hooks are installed, and trying one."""

from __future__ import annotations

from typing import Annotated

import typer

from followup_cli.cli.common import now, settings
from followup_cli.errors import FollowupError, InvalidInput
from followup_cli.render import events as shown

hooks_app = typer.Typer(
    help="Event hooks: your programs in the app folder's hooks/, run after a sale, a "
    "follow-up done, a call, a negative answer or an import, with the event as JSON on stdin.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


class HookFailed(FollowupError):
    """A hook tried with `hooks test` did not succeed."""


def _event_names(incomplete: str) -> list[tuple[str, str]]:
    from followup_cli.hooks import EVENTS

    return [(name, why) for name, why in EVENTS.items() if name.startswith(incomplete)]


@hooks_app.command("list")
def hooks_list() -> None:
    """Show the hooks folder, each event and the hook installed for it.

    Example: followup hooks list
    """
    from followup_cli import hooks

    shown.installed(hooks.folder(), hooks.EVENTS, hooks.installed())


@hooks_app.command("test")
def hooks_test(
    name: Annotated[
        str,
        typer.Argument(
            help="The event: on-sale, on-followup-done, on-call-finished, on-negative-answer "
            "or on-import.",
            metavar="EVENT",
            autocompletion=_event_names,
        ),
    ],
) -> None:
    """Run one hook now with a sample event (a made-up customer), and show what it printed.

    Example: followup hooks test on-sale
    """
    from followup_cli import hooks

    if name not in hooks.EVENTS:
        raise InvalidInput(f"Unknown event {name!r}; use one of {', '.join(hooks.EVENTS)}.")
    ran = hooks.run(name, shown.sample(name, now()), settings().hook_timeout)
    if ran is None:
        raise InvalidInput(
            f"No hook for {name}: write an executable {hooks.folder() / name} "
            "(see `followup hooks list`)."
        )
    shown.ran(ran)
    if ran.problem:
        raise HookFailed(ran.problem)
