"""What a judge or collection may make a worker do: which environment variable it may send
as its key, and which address it may send requests to.

Keys by allowlist: `api_key_env` must match `LIMA_ALLOWED_KEY_ENVS` (exact names, or
prefixes ending in "*"), and never one of Django's own secrets (NEVER_KEY_ENVS), whatever the
operator wrote. The value is also refused when it equals one of those secrets (a variable
copied under an allowed name).

Requests by policy (OWASP's SSRF prevention cheat sheet): the base URL is http(s) with a
host, and no credentials, query or fragment; the request URL is the base URL's path joined
with the endpoint's path (never a string prefix, so nothing a researcher writes can turn the
path into a query). Every address the host resolves to must be global: loopback, private,
link-local (cloud metadata at 169.254.169.254), shared, multicast and reserved addresses are
refused unless the host is named in `LIMA_OUTBOUND_ALLOWED_HOSTS`. Checked when the judge is
created and again before each call, since a name can change its address. Redirects are never
followed (judges/llm_client.py)."""

from __future__ import annotations

import ipaddress
import os
import re
import socket
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings

NEVER_KEY_ENVS = frozenset(
    {
        "SECRET_KEY",
        "DJANGO_SECRET_KEY",
        "DATABASE_URL",
        "REDIS_URL",
        "CELERY_BROKER_URL",
        "CELERY_RESULT_BACKEND",
        "PGPASSWORD",
        "POSTGRES_PASSWORD",
        "TEST_DATABASE_URL",
        "TEST_REDIS_URL",
    }
)
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,99}$")
METADATA_HOSTS = frozenset({"metadata.google.internal", "metadata", "instance-data"})


class PolicyError(ValueError):
    """A key name or URL the policy refuses; `field` is the input it concerns."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field, self.reason = field, reason


def _allowed_name(name: str) -> bool:
    for entry in settings.LIMA_ALLOWED_KEY_ENVS:
        entry = entry.strip()
        if entry.endswith("*") and len(entry) > 1 and name.startswith(entry[:-1]):
            return True
        if entry and name == entry:
            return True
    return False


def key_env_check(name: str) -> None:
    """Refuse an `api_key_env` the operator did not allow (PolicyError naming the field)."""
    if not ENV_NAME.match(name):
        raise PolicyError("api_key_env", "must be the NAME of an environment variable (letters, digits, _), not a key")
    if name.upper() in NEVER_KEY_ENVS or not _allowed_name(name):
        raise PolicyError(
            "api_key_env",
            f"{name!r} is not an allowed key variable: the operator allows the names "
            "in LIMA_ALLOWED_KEY_ENVS (see docs/deployment.md)",
        )


def _django_secrets() -> set[str]:
    values = {settings.SECRET_KEY, settings.REDIS_URL, os.environ.get("DATABASE_URL", "")}
    values.add(str(settings.DATABASES["default"].get("PASSWORD") or ""))
    return {v for v in values if v}


def key_value(name: str) -> str | None:
    """The key in the environment variable `name`, after the allowlist check (PolicyError when
    refused, None when unset). A value equal to one of Django's secrets is refused."""
    key_env_check(name)
    value = os.environ.get(name)
    if value and value in _django_secrets():
        raise PolicyError("api_key_env", f"{name!r} holds one of the service's own secrets")
    return value or None


def _host_allowed(host: str) -> bool:
    return host.lower().rstrip(".") in {
        h.strip().lower().rstrip(".") for h in settings.LIMA_OUTBOUND_ALLOWED_HOSTS if h.strip()
    }


def _is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def resolve(host: str, port: int) -> list[str]:
    """The addresses `host` resolves to now (getaddrinfo)."""
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise PolicyError("base_url", f"the host {host!r} does not resolve ({type(exc).__name__})") from None
    return sorted({str(info[4][0]).split("%")[0] for info in infos})


def url_check(base_url: str, *, resolve_host: bool = True) -> str:
    """The base URL, normalised (no trailing slash), if the policy allows it; PolicyError
    naming `base_url` otherwise."""
    try:
        parts = urlsplit((base_url or "").strip())
        port = parts.port
    except ValueError as exc:
        raise PolicyError("base_url", f"is not a valid URL ({exc})") from None
    if parts.scheme not in ("http", "https"):
        raise PolicyError("base_url", "must start with http:// or https://")
    if not parts.hostname:
        raise PolicyError("base_url", "must name a host")
    if parts.username is not None or parts.password is not None:
        raise PolicyError("base_url", "must not carry credentials: name the key's variable in api_key_env")
    if parts.query or parts.fragment or "?" in base_url or "#" in base_url:
        raise PolicyError("base_url", "must not have a query or fragment")
    if not _host_allowed(parts.hostname):
        _host_check(parts.hostname, port or (443 if parts.scheme == "https" else 80), resolve_host=resolve_host)
    return urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))


def _host_check(host: str, port: int, *, resolve_host: bool) -> None:
    """Refuse an internal name, or a host with any non-public address."""
    if host.lower().rstrip(".") in METADATA_HOSTS or host.lower().endswith(".internal"):
        raise PolicyError(
            "base_url",
            f"the host {host!r} is an internal name; the operator may allow it in LIMA_OUTBOUND_ALLOWED_HOSTS",
        )
    if resolve_host:
        for address in resolve(host, port):
            if not _is_public(ipaddress.ip_address(address)):
                raise PolicyError(
                    "base_url",
                    f"the host {host!r} resolves to a non-public address; the operator "
                    "may allow it in LIMA_OUTBOUND_ALLOWED_HOSTS",
                )


def join(base_url: str, path: str) -> str:
    """The request URL: `base_url`'s path joined with `path` by path segments (no query, no
    fragment, no dot segments)."""
    parts = urlsplit(base_url)
    segments = [s for s in parts.path.split("/") if s] + [s for s in path.split("/") if s]
    if any(s in (".", "..") for s in segments):
        raise PolicyError("base_url", "must not contain . or .. path segments")
    return urlunsplit((parts.scheme, parts.netloc, "/" + "/".join(segments), "", ""))
