"""The interface every social network implements.

One class per network, looked up by `kind` from the CHANNELS registry in
settings (dotted paths), so a new network is one new module. Channels know the
network's API and its limits; they know nothing about deliveries, retries or
scheduling (publishing.services owns those) and never touch the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class PublishError(Exception):
    """A network refused or failed.

    permanent: retrying cannot help (bad credentials, missing permission,
        duplicate content, a malformed post).
    retry_after: seconds to wait before the next attempt, when the network
        said so (X's x-rate-limit-reset, for example).
    needs_reauth: the credentials are dead; staff must re-authorise the channel.
    duplicate: the network says this exact post already exists.
    code: the network's own error code, for the audit trail.
    ambiguous: the request may have reached the network before it failed (a
        timeout, a dropped connection, a server error while sending), so the
        post may exist: look it up with find() before sending it again.
    """

    def __init__(
        self,
        message: str,
        *,
        permanent: bool = False,
        retry_after: float | None = None,
        needs_reauth: bool = False,
        duplicate: bool = False,
        code: str = "",
        ambiguous: bool = False,
    ):
        super().__init__(message)
        self.message = message
        self.permanent = permanent or needs_reauth or duplicate
        self.retry_after = retry_after
        self.needs_reauth = needs_reauth
        self.duplicate = duplicate
        self.code = code
        self.ambiguous = ambiguous


@dataclass(frozen=True)
class Post:
    """Exactly what one network receives for one tip."""

    text: str
    link: str
    # Network-specific numbers worth showing staff (e.g. X's weighted length).
    details: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Remote:
    """A post as it exists on the network."""

    id: str
    url: str


class Channel:
    kind: str = ""
    label: str = ""

    def __init__(self, config: dict | None = None):
        self.config = config or {}

    @property
    def enabled(self) -> bool:
        """True when the credentials this channel needs are configured."""
        raise NotImplementedError

    def compose(self, tip, *, text_override: str = "") -> Post:
        """The exact text and link this network gets, within its limits."""
        raise NotImplementedError

    def send(self, post: Post) -> Remote:
        """Publish `post`; raises PublishError."""
        raise NotImplementedError

    def find(self, tip) -> Remote | None:
        """Look among the account's recent posts for one that links to `tip`
        (reconciliation after a worker died mid-send); raises PublishError when
        the look-up itself fails."""
        raise NotImplementedError

    def delete(self, remote: Remote) -> None:
        """Remove a post; raises PublishError. Deleting a post that is already
        gone is not an error."""
        raise NotImplementedError
