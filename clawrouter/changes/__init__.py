"""The change feed: the management side says "this changed" after its write commits, and the
relay's in-memory indexes (relay/state.py) subscribe. change.py holds the record, the protocol
and the in-process feed; redis_feed.py the Redis pub/sub one; open.py picks one from the config.
"""
