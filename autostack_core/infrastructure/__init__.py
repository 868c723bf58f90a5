"""What the core runs on: the database and its models, the queue, the event bus, the artifact
store, backups, the systemd unit and the start-up checks.
"""
