"""What shell completion reads: small, indexed, LIMITed lookups (they run on every Tab).

``:typed`` is what was typed, lower-cased, with LIKE's wildcards escaped, then ``%``;
``:name`` the same folded as ``contact.name_key`` is.
"""

from __future__ import annotations

CONTACTS_SQL = r"""
SELECT id, name, email, phone FROM contact
WHERE name_key LIKE :name ESCAPE '\'
   OR lower(email) LIKE :typed ESCAPE '\' OR phone LIKE :typed ESCAPE '\'
   OR CAST(id AS TEXT) LIKE :typed ESCAPE '\'
ORDER BY name_key, id LIMIT :limit
"""

PENDING_SQL = r"""
SELECT f.id, c.name, f.purpose, f.channel, f.due_on FROM followup f
JOIN contact c ON c.id = f.contact_id
WHERE f.status = 'pending' AND CAST(f.id AS TEXT) LIKE :typed ESCAPE '\'
ORDER BY f.due_on, f.id LIMIT :limit
"""
