"""Hand-written floors: stdlib programs doing the same work as a command, with no framework.

Each is the fastest honest way to do that work in Python, so a ratio against it says what
the program's own structure costs, not what the work costs.
"""

from __future__ import annotations

# Imports a sales CSV the way `followup import` does for the benchmark's file, as one fast
# hand-written program would: the same schema and pragmas (the database is a copy of the
# benchmark's, indexes, foreign keys and triggers included), one transaction, contacts
# looked up in dicts by email and phone key, and each table written with one executemany:
# the new contacts, every sale (unique on source + order id) with its fingerprint, and one
# thank-you follow-up per sale in the contact's preferred channel, due the day after the
# sale (today if that has passed), unless one is already pending for the contact (once_per).
FAST_IMPORT = r"""
import csv, datetime as dt, hashlib, re, sqlite3, sys, unicodedata
db, path, source, today = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
con = sqlite3.connect(db, isolation_level=None)
for pragma in ("busy_timeout = 30000", "journal_mode = WAL", "synchronous = NORMAL",
               "foreign_keys = ON", "secure_delete = ON"):
    con.execute("PRAGMA " + pragma)
con.execute("BEGIN IMMEDIATE")
by_email = dict(con.execute("SELECT email, id FROM contact WHERE email IS NOT NULL"))
by_phone = dict(con.execute("SELECT phone_key, id FROM contact WHERE phone_key IS NOT NULL"))
prefers = dict(con.execute("SELECT id, prefers FROM contact"))
pending = {cid for (cid,) in con.execute(
    "SELECT contact_id FROM followup WHERE status = 'pending' AND rule = 'sale-thank-you'")}
next_contact = con.execute("SELECT coalesce(max(id), 0) + 1 FROM contact").fetchone()[0]
next_sale = con.execute("SELECT coalesce(max(id), 0) + 1 FROM interaction").fetchone()[0]
not_alnum = re.compile(r"[^0-9a-z]+")
now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
contacts, sales, followups = [], [], []
with open(path, newline="", encoding="utf-8-sig") as fh:
    rows = csv.reader(fh)
    next(rows)
    for order, day, name, email, phone, amount, items in rows:
        name = " ".join(name.split())
        email = email.strip().lower() or None
        digits = "".join(ch for ch in phone if ch.isdigit())
        key = "+1" + digits[-10:] if len(digits) >= 10 else None
        cid = by_email.get(email) or by_phone.get(key)
        if cid is None:
            cid, next_contact = next_contact, next_contact + 1
            folded = unicodedata.normalize("NFKD", name.casefold())
            folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
            channel = "phone" if key else "email"
            contacts.append((cid, name, " ".join(not_alnum.sub(" ", folded).split()), email,
                             phone or None, key, channel, today))
            prefers[cid] = channel
            if email: by_email[email] = cid
            if key: by_phone[key] = cid
        cents = round(float(amount) * 100)
        mark = hashlib.md5(f"{day}|{name}|{email}|{key}|{cents}|{items}".encode()).hexdigest()
        sales.append((next_sale, cid, day, cents, items, source, order, mark, now))
        if cid not in pending:
            pending.add(cid)
            due = max(dt.date.fromisoformat(day) + dt.timedelta(days=1), dt.date.fromisoformat(today))
            followups.append((cid, next_sale, prefers[cid], due.isoformat(), today))
        next_sale += 1
con.executemany(
    "INSERT INTO contact (id, name, name_key, email, phone, phone_key, prefers, tags,"
    " phone_invalid, do_not_contact, opted_out_channels, created_on)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, '', 0, 0, '', ?)", contacts)
con.executemany(
    "INSERT INTO interaction (id, contact_id, kind, occurred_on, amount_cents, items, source,"
    " external_id, fingerprint, created_at) VALUES (?, ?, 'sale', ?, ?, ?, ?, ?, ?, ?)", sales)
con.executemany(
    "INSERT INTO followup (contact_id, interaction_id, rule, purpose, channel, due_on, priority,"
    " status, attempts, until_sale, created_on) VALUES (?, ?, 'sale-thank-you',"
    " 'Thank-you {action}', ?, ?, 0, 'pending', 0, 0, ?)", followups)
con.execute("COMMIT")
print(len(contacts), len(sales), len(followups))
"""

# Prints the contact list the way `followup contact list --limit N` does (id, name, email,
# phone, preferred channel, tags, consent), as a minimal stdlib program would: one SELECT of
# the same columns in the same order, widths from the first 1,000 rows, one write per row.
# It shows how much of the gap to the sqlite3 shell any Python program pays.
LIST_CONTACTS = r"""
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
rows = con.execute(
    "SELECT id, name, coalesce(email, ''), coalesce(phone, ''), prefers, tags,"
    " CASE WHEN do_not_contact THEN 'do not contact' ELSE 'ok' END FROM contact"
    " ORDER BY name_key, id LIMIT ?", (int(sys.argv[2]),))
first = rows.fetchmany(1000)
widths = [max(len(str(r[i])) for r in first) for i in range(6)]
line = "  %{0}s  %-{1}s  %-{2}s  %-{3}s  %-{4}s  %-{5}s  %s\n".format(*widths)
write = sys.stdout.write
for r in first:
    write(line % r)
for r in rows:
    write(line % r)
"""

# Writes what `followup contact list --limit N --json` writes (the same keys and values, an
# item a line in one JSON array), as a minimal stdlib program would: one SELECT, a dict and
# one C-encoder call per row. How much of the gap to the shell any Python program pays.
LIST_CONTACTS_JSON = r"""
import json, sqlite3, sys
con = sqlite3.connect(sys.argv[1])
rows = con.execute(
    "SELECT id, name, email, phone, address, prefers, note, tags, every_days, do_not_contact,"
    " opted_out_channels, phone_invalid, referred_by_id, created_on FROM contact"
    " ORDER BY name_key, id LIMIT ?", (int(sys.argv[2]),))
encode = json.JSONEncoder(ensure_ascii=False).encode
write = sys.stdout.write
glue = "[\n"
for (id, name, email, phone, address, prefers, note, tags, every, dnc, opted, invalid, by,
     created) in rows:
    write(glue + encode({
        "id": id, "name": name, "email": email, "phone": phone, "address": address,
        "prefers": prefers, "note": note, "tags": tags.split(",") if tags else [],
        "every_days": every, "do_not_contact": bool(dnc),
        "opted_out_channels": opted.split(",") if opted else [],
        "phone_invalid": bool(invalid), "referred_by": by, "created_on": created,
    }))
    glue = ",\n"
write("[]\n" if glue == "[\n" else "\n]\n")
"""
