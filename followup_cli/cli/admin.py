"""Housekeeping: where the data lives, the rules, settings, backups and the demo."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from followup_cli import config
from followup_cli.cli.common import YesOption, confirm, database, now, settings, today
from followup_cli.render import plain

app = typer.Typer(rich_markup_mode=None)  # top-level commands; the root adds them


db_app = typer.Typer(
    help="Where the database lives and its schema. Example: followup db path",
    no_args_is_help=True,
    rich_markup_mode=None,
)


@db_app.command("path")
def db_path(ctx: typer.Context) -> None:
    """Print where the database is (a file path, or the URL of a server database).

    Example: followup db path
    """
    url = config.database_url((ctx.find_root().obj or {}).get("db"))
    path = config.sqlite_path(url)
    plain.say(str(path) if path else url)


@db_app.command("status")
def db_status(ctx: typer.Context) -> None:
    """Show the database's schema version and whether it needs an upgrade.

    Example: followup --db ~/shop.db db status
    """
    from followup_cli.store import SCHEMA_REVISION, Database

    url = config.database_url((ctx.find_root().obj or {}).get("db"))
    db = Database(url)
    exists = db.path is None or db.path.exists()
    try:
        current = db.revision() if exists else None
    finally:
        db.dispose()
    plain.say(f"Database: {db.path or url}")
    plain.say(f"Schema:   {current or 'not created yet'} (this followup: {SCHEMA_REVISION})")
    if current == SCHEMA_REVISION:
        plain.say("Up to date.")
    else:
        plain.say("Run `followup db upgrade` (any command also upgrades it, after a backup).")


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Create the database or upgrade its schema now (a backup is written first).

    Example: followup db upgrade
    """
    from followup_cli.store import SCHEMA_REVISION

    database(ctx)
    plain.say(f"The database is at schema {SCHEMA_REVISION}.")


@app.command()
def backup(
    ctx: typer.Context,
    path: Annotated[
        Path | None,
        typer.Argument(
            help="Where to write it (a file or a folder); default: next to the database."
        ),
    ] = None,
) -> None:
    """Write a consistent copy of the database, safe while an import runs.

    Example: followup backup ~/Backups/
    """
    import datetime as dt

    db = database(ctx)
    if db.path is None:
        from followup_cli.errors import InvalidInput

        raise InvalidInput("Backups are for SQLite databases; use pg_dump for PostgreSQL.")
    if path is None:  # a name of our own: the next free one if two backups share a second
        stamp = f"{dt.datetime.now():%Y%m%d-%H%M%S}"
        written = db.backup_to(db.path.with_name(f"{db.path.stem}-{stamp}.db"), unique=True)
    else:
        written = db.backup_to(path.expanduser())
    plain.say(f"Backup written to {written}")


@app.command()
def restore(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="A backup written by `followup backup`.")],
    yes: YesOption = False,
) -> None:
    """Replace the database with a backup (the current one is backed up first).

    Example: followup restore ~/Backups/followup-20261122-070000.db
    """
    from followup_cli.store import Database, restore_backup

    url = config.database_url((ctx.find_root().obj or {}).get("db"))
    db = Database(url)
    if not yes and not confirm(f"Replace {db.path or url} with {path}?"):
        plain.say("Nothing was replaced.")
        return
    saved = restore_backup(db, path.expanduser())
    plain.say(f"Restored {path}. The previous database is saved as {saved}.")


rules_app = typer.Typer(
    help="The cadence rules that turn interactions into follow-ups. Example: followup rules",
    invoke_without_command=True,
    rich_markup_mode=None,
)


@rules_app.callback()
def rules_show(ctx: typer.Context) -> None:
    """Show the active cadence rules (run `followup rules init` to customise them)."""
    if ctx.invoked_subcommand is None:
        from followup_cli.render import screen
        from followup_cli.rules import load_rules

        screen.rules(load_rules(), settings().currency)


@rules_app.command("init")
def rules_init(
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite an existing rules file.")
    ] = False,
) -> None:
    """Write the default rules to rules.toml in the app folder, ready to edit.

    Example: followup rules init && $EDITOR "$(followup rules path)"
    """
    from followup_cli.errors import Conflict
    from followup_cli.files import write_private_text
    from followup_cli.rules import default_rules_text, rules_path

    path = rules_path()
    if path.exists() and not force:
        raise Conflict(f"{path} exists already; edit it, or use --force to start over.")
    write_private_text(path, default_rules_text())
    plain.say(f"Wrote {path}. Edit it, then run `followup rules check`.")


@rules_app.command("check")
def rules_check() -> None:
    """Validate rules.toml and say what to fix.

    Example: followup rules check
    """
    from followup_cli.rules import load_rules

    rule_set = load_rules()
    plain.say(f"{rule_set.source}: {len(rule_set.rules)} rules, all valid.")


@rules_app.command("path")
def rules_path_command() -> None:
    """Print where the rules file is (or would be).

    Example: followup rules path
    """
    from followup_cli.rules import rules_path

    plain.say(str(rules_path()))


config_app = typer.Typer(
    help="Your settings: name, business, review link, phone region. Example: followup config set owner Sam",
    invoke_without_command=True,
    rich_markup_mode=None,
)


@config_app.callback()
def config_show(ctx: typer.Context) -> None:
    """Show the settings and where they are stored."""
    if ctx.invoked_subcommand is None:
        from followup_cli.render import screen

        conf = config.load_settings()
        pairs = [(key, str(getattr(conf, key))) for key in config.SETTING_KEYS]
        screen.key_values(f"Settings ({conf.path})", pairs)
        plain.say("Change one with `followup config set KEY VALUE`.")


@config_app.command("set")
def config_set(
    key: Annotated[str, typer.Argument(help=", ".join(config.SETTING_KEYS))],
    value: Annotated[str, typer.Argument(help="The new value.")],
) -> None:
    """Change a setting. Example: followup config set business "Sam's Bikes" """
    path = config.set_setting(key, value)
    plain.say(f"Set {key} in {path}.")


@app.command()
def demo(
    ctx: typer.Context,
    path: Annotated[
        Path | None,
        typer.Option(
            "--path", help="Where to create the demo database (default: demo.db in the app folder)."
        ),
    ] = None,
) -> None:
    """Create a demo database with a few weeks of realistic data and show its agenda.

    Your real database is never touched. Example: followup demo, then
    followup --db "$(followup db path | sed 's/followup.db/demo.db/')" contact list
    """
    from followup_cli import agenda
    from followup_cli.demo import DEMO_MARK, build_demo, clear_demo_database
    from followup_cli.rules import load_rules
    from followup_cli.store import Database

    target = (path or config.app_dir() / "demo.db").expanduser()
    url = config.to_url(str(target))
    real = config.database_url((ctx.find_root().obj or {}).get("db"))
    if url == real:
        from followup_cli.errors import Conflict

        raise Conflict(f"{target} is your real database; choose another --path for the demo.")
    clear_demo_database(target)
    db, _ = Database.open(url)
    day = today()
    with db.transaction() as tx:
        counts = build_demo(tx, today=day, now=now(), rules=load_rules())
    db.set_file_mark(DEMO_MARK)
    plain.say(
        f"Demo database {target}: {counts['contacts']} contacts, {counts['sales']} sales, "
        f"{counts['followups']} follow-ups.\n"
    )
    with db.reading() as tx:
        items = agenda.due_today(tx, day)
        next_due = agenda.next_due(tx, day)
    plain.agenda(items, day, next_due)
    plain.say(
        f'\nTry it: followup --db "{target}" contact show 1   (your own data stays in '
        "`followup db path`)"
    )
