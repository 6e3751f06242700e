"""OAuth installs for many workspaces: slack-sdk's SQLAlchemy stores, in our database.

The tables are created by the Alembic migration ``0002_slack_oauth`` (they mirror
slack-sdk's own table definitions), never by ``create_tables()`` at run time.
"""

from __future__ import annotations

from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.slack.delivery import SDK_LOG

# Bot scopes: what the app asks for on install (keep in step with manifest.yaml).
BOT_SCOPES = (
    "app_mentions:read",
    "channels:history",
    "channels:read",  # conversations.info: is a channel shared with another organisation
    "chat:write",
    "commands",
    "files:write",
    "groups:history",
    "groups:read",
    "im:history",
    "im:read",
    "im:write",
    "mpim:read",
    "users:read",
)
# How long an install link stays valid (slack-sdk's default is 10 minutes).
STATE_EXPIRATION_SECONDS = 600


def installation_store(client_id: str, engine: AsyncEngine) -> AsyncSQLAlchemyInstallationStore:
    return AsyncSQLAlchemyInstallationStore(client_id=client_id, engine=engine, logger=SDK_LOG)


def state_store(
    engine: AsyncEngine, expiration_seconds: int = STATE_EXPIRATION_SECONDS
) -> AsyncSQLAlchemyOAuthStateStore:
    return AsyncSQLAlchemyOAuthStateStore(
        expiration_seconds=expiration_seconds, engine=engine, logger=SDK_LOG
    )
