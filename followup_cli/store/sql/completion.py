"""What shell completion reads: small, indexed, LIMITed lookups (they run on every Tab).

Contacts are found by a prefix as a range of an index (``:lo`` <= value < ``:hi``): the name
as ``contact.name_key`` holds it (``ix_contact_name_key``), the email (stored lower-cased,
unique, so indexed); a phone as typed is matched only when what was typed looks like one.
"""

from __future__ import annotations

_CONTACT = "SELECT id, name, email, phone FROM contact"
# Each name once, with how many contacts have it (and the first one's details): the first
# names of the range are read from the index alone, then only their contacts are counted.
NAMES_SQL = """
SELECT c.id, c.name, c.email, c.phone, n.sharing FROM (
    SELECT min(id) AS id, count(*) AS sharing FROM contact
    WHERE name_key IN (
        SELECT DISTINCT name_key FROM contact WHERE name_key >= :lo AND name_key < :hi
        ORDER BY name_key LIMIT :limit
    )
    GROUP BY name_key
) n
JOIN contact c ON c.id = n.id
ORDER BY c.name_key
"""
CONTACTS_BY_EMAIL_SQL = f"{_CONTACT} WHERE email >= :lo AND email < :hi ORDER BY email LIMIT :limit"
CONTACTS_BY_PHONE_SQL = (
    rf"{_CONTACT} WHERE phone LIKE :like ESCAPE '\' ORDER BY phone, id LIMIT :limit"
)
CONTACT_BY_ID_SQL = f"{_CONTACT} WHERE id = :id"

PENDING_SQL = r"""
SELECT f.id, c.name, f.purpose, f.channel, f.due_on FROM followup f
JOIN contact c ON c.id = f.contact_id
WHERE f.status = 'pending' AND CAST(f.id AS TEXT) LIKE :typed ESCAPE '\'
ORDER BY f.due_on, f.id LIMIT :limit
"""
