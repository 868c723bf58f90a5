"""Who may do what, and keeping secrets secret: accounts, authentication, sign-in, encryption at
rest, outbound limits, throttling, request limits and headers, log redaction.
"""
