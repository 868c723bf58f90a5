"""Custom domains: adding, proving ownership, DNS lookups through the server's resolvers, and the
DNS zones a team connects.
"""
