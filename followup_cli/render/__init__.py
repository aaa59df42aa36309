"""Every piece of output the CLI shows, and nothing else: no decisions, no database.

- ``plain``: the agenda and JSON, as plain text (no rich: the morning command starts fast);
- ``screen``: rich tables, panels and one-line confirmations;
- ``reports``: the report panels; ``call``: the call screen; ``imports``: the import summary.
Customer text is drawn as data, never as markup.
"""
