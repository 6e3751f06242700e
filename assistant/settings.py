"""The one settings object, read from the environment and ``.env`` at the entry point."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_database_url() -> str:
    """A SQLite file in the user's data directory: ``vsa chat`` works with no setup."""
    base = Path.home() / ".local" / "share" / "vsa"
    return f"sqlite:///{base / 'vsa.db'}"


class Settings(BaseSettings):
    """Platform names are spelled as the platforms spell them (see DESIGN.md §3)."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    DATABASE_URL: str = Field(default_factory=default_database_url)
    PORT: int = 3000
    LOG_LEVEL: str = "INFO"
    # "production" refuses to run a platform endpoint unauthenticated.
    ENVIRONMENT: Literal["development", "production"] = "development"

    SLACK_BOT_TOKEN: SecretStr | None = None
    SLACK_SIGNING_SECRET: SecretStr | None = None
    SLACK_APP_TOKEN: SecretStr | None = None
    SLACK_CLIENT_ID: str | None = None
    SLACK_CLIENT_SECRET: SecretStr | None = None
    SLACK_API_URL: str = "https://slack.com/api/"

    MICROSOFT_APP_ID: str = ""
    MICROSOFT_APP_PASSWORD: SecretStr = SecretStr("")
    MICROSOFT_APP_TENANT_ID: str = ""
    MICROSOFT_APP_TYPE: Literal["MultiTenant", "SingleTenant", "UserAssignedMSI"] = "MultiTenant"
    # Teams is off unless an app id is set or this is on (Bot Framework Emulator, no auth).
    TEAMS_ENABLED: bool = False
    # Interviews: a participant who hasn't finished is nudged after this many hours (twice
    # at most, never on their weekend).
    NUDGE_AFTER_HOURS: float = Field(default=24, gt=0)
    # The pitch deck an SA presents when educating a customer (education and commitment);
    # shown in that dialog when set. An https URL.
    PITCH_DECK_URL: str | None = Field(default=None, pattern=r"^https://\S+$")

    # Ceremony reminders missed while every process was down are posted at start-up when
    # at most this late (once, however many were missed); older ones are recorded as
    # missed and shown in `schedule list`.
    REMINDER_GRACE_MINUTES: float = Field(default=60, ge=0)

    # `vsa chat` colours its text on a terminal, unless NO_COLOR is set to anything
    # (https://no-color.org) or the terminal says it can't (TERM=dumb).
    NO_COLOR: str = ""
    TERM: str = ""

    @property
    def slack_enabled(self) -> bool:
        return bool(self.SLACK_BOT_TOKEN or self.SLACK_CLIENT_ID or self.SLACK_SIGNING_SECRET)

    @property
    def slack_oauth_enabled(self) -> bool:
        return bool(self.SLACK_CLIENT_ID and self.SLACK_CLIENT_SECRET)

    @property
    def teams_enabled(self) -> bool:
        return bool(self.MICROSOFT_APP_ID) or self.TEAMS_ENABLED

    @property
    def links(self) -> dict[str, str]:
        """The configured links dialogs may show, by the name dialog files use."""
        return {"pitch_deck": self.PITCH_DECK_URL} if self.PITCH_DECK_URL else {}

    @property
    def colors_allowed(self) -> bool:
        """Whether a terminal may be sent colours (whether it is one is the caller's)."""
        return not self.NO_COLOR and self.TERM != "dumb"
