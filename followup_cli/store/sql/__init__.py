"""Named SQL statements, by the domain module that runs them."""
