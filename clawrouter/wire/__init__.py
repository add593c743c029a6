"""Leaf modules: the types that cross the seams between the relay, the converters, the provider
adapters, billing, the store and the API (wire formats and endpoints, token usage, status codes,
the SSE and multipart codecs). They import nothing else of clawrouter, so any layer may use them.
"""
