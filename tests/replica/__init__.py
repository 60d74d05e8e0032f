"""The replica web: virtual government portals behind a local HTTP proxy, for tests and demos.

Start it with :class:`~replica.server.ReplicaServer` (or ``python -m replica
serve``) and point ``http_proxy`` at its ``proxy_url``; ``truth()`` says what should be found.
"""
