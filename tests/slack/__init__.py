"""The Slack adapter, driven the way Slack calls it."""
