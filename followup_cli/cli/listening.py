"""`followup sentiment`: how well the suggested labels listen, and what they learned."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from followup_cli.cli.common import database, parse_id, settings

sentiment_app = typer.Typer(
    help="The suggested answer labels: score them, try them, see what they learned. "
    "Example: followup sentiment check my-calls.csv",
    no_args_is_help=True,
    rich_markup_mode=None,
)

_QUESTION_HELP = "The question the answer replied to; it changes what a short answer means."


@sentiment_app.command("check")
def sentiment_check(
    ctx: typer.Context,
    path: Annotated[
        Path,
        typer.Argument(
            help="A CSV with answer and label columns, and optionally question.", dir_okay=False
        ),
    ],
    defaults: Annotated[
        bool,
        typer.Option("--defaults", help="Score the built-in words only, without yours."),
    ] = False,
) -> None:
    """Score the suggestions on a labelled file: accuracy, recall per label, confusion matrix.

    Example: followup sentiment check my-calls.csv
    """
    from followup_cli import listening
    from followup_cli.render import listening as view
    from followup_cli.sentiment import DEFAULT_VOCABULARY
    from followup_cli.sentiment_model import read_labelled

    rows = read_labelled(path)
    if defaults:
        vocabulary = DEFAULT_VOCABULARY
    else:
        with database(ctx).reading() as tx:
            vocabulary = listening.owner_vocabulary(tx, settings())
    view.score(listening.score(rows, vocabulary), str(path))


@sentiment_app.command("try")
def sentiment_try(
    ctx: typer.Context,
    answer: Annotated[str, typer.Argument(help="What the customer said.")],
    question: Annotated[str | None, typer.Option("--question", "-q", help=_QUESTION_HELP)] = None,
) -> None:
    """Show the label an answer would get, and why.

    Example: followup sentiment try "No." --question "Would you recommend us?"
    """
    from followup_cli import listening
    from followup_cli.render import listening as view
    from followup_cli.sentiment import explain

    with database(ctx).reading() as tx:
        vocabulary = listening.owner_vocabulary(tx, settings())
    view.explanation(explain(answer, vocabulary, question))


@sentiment_app.command("words")
def sentiment_words(ctx: typer.Context) -> None:
    """List your own words and the corrections the suggestions learn from.

    Example: followup sentiment words
    """
    from followup_cli import listening
    from followup_cli.render import listening as view

    with database(ctx).reading() as tx:
        learned = listening.corrections(tx)
    view.words(settings(), learned)


@sentiment_app.command("forget")
def sentiment_forget(
    ctx: typer.Context,
    answer_id: Annotated[str, typer.Argument(help="The correction's # from `sentiment words`.")],
) -> None:
    """Stop one of your corrections teaching the suggestions (the call keeps its label).

    Example: followup sentiment forget 12
    """
    from followup_cli import listening
    from followup_cli.render import plain

    with database(ctx).transaction() as tx:
        forgotten = listening.forget(tx, parse_id(answer_id, "correction"))
    plain.say(f'Forgot #{forgotten.answer_id}: "{forgotten.answer}" is no longer learned.')
