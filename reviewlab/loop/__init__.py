"""The weekly loop's domain rules, free of the database: sessions and sampling, meetings import, issues,
decisions, and "did the fix work?". The queries and writes live in `reviewlab.store.loop`.
"""
