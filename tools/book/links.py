"""The site's addresses: repository, launch buttons and where the site is published.

Where the book's source is published and where readers can run its chapters belong
to a deployment of the site, not to the book, so they are read from the build's
environment (a CI job knows its repository) instead of being written into
``_config.yml``; :func:`with_site_links` writes them into the staged configuration.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from typing import Mapping
from urllib.parse import urlparse

from .paths import ROOT

__all__ = ["REPOSITORY_HOSTS", "DEFAULT_BINDERHUB", "SiteLinks", "site_links", "public_repository_url",
           "with_site_links"]

REPOSITORY_HOSTS = ("github.com", "gitlab.com", "bitbucket.org")  # those sphinx-book-theme links to
DEFAULT_BINDERHUB = "https://mybinder.org"


@dataclass(frozen=True)
class SiteLinks:
    """The addresses behind the site's repository and launch buttons.

    ``repository_url`` is the public repository (``https://github.com/<org>/<repo>``);
    without it the site has no repository, issue or launch buttons, because every one
    of them points into the repository.  ``jupyterhub_url`` is a hub with nbgitpuller
    (``https://hub.example.edu``); ``binderhub_url`` a BinderHub, mybinder.org unless
    set otherwise.  An empty string switches a button off.  ``site_url`` is where the
    site itself is published (``https://owner.github.io/xpcs-nb/``); the 404 page
    needs its path, as it is shown at any depth of the site.
    """

    repository_url: str = ""
    branch: str = "main"
    binderhub_url: str = DEFAULT_BINDERHUB
    jupyterhub_url: str = ""
    site_url: str = ""

    @property
    def site_path(self) -> str:
        """The path the site is published under, with both slashes: "/" or "/xpcs-nb/"."""
        path = urlparse(self.site_url).path.strip("/")
        return f"/{path}/" if path else "/"


def site_links(environ: Mapping[str, str] | None = None) -> SiteLinks:
    """The site's links from ``XPCS_REPOSITORY_URL``, ``XPCS_REPOSITORY_BRANCH``,
    ``XPCS_BINDERHUB_URL``, ``XPCS_JUPYTERHUB_URL`` and ``XPCS_SITE_URL``.

    Without ``XPCS_REPOSITORY_URL`` the repository is read from ``git remote get-url
    origin`` when that is a public web address; a clone of a local folder has none.
    Raises ValueError, naming the variable, for an address that is not an http(s) URL
    or a repository on a host the theme can link to.
    """
    environ = os.environ if environ is None else environ
    repository = environ.get("XPCS_REPOSITORY_URL")
    if repository is None:
        repository = public_repository_url(_git_origin())
    links = SiteLinks(
        repository_url=_checked_url("XPCS_REPOSITORY_URL", repository.strip()),
        branch=environ.get("XPCS_REPOSITORY_BRANCH", "main").strip() or "main",
        binderhub_url=_checked_url("XPCS_BINDERHUB_URL", environ.get("XPCS_BINDERHUB_URL", DEFAULT_BINDERHUB).strip()),
        jupyterhub_url=_checked_url("XPCS_JUPYTERHUB_URL", environ.get("XPCS_JUPYTERHUB_URL", "").strip()),
        site_url=_checked_url("XPCS_SITE_URL", environ.get("XPCS_SITE_URL", "").strip()),
    )
    if links.repository_url:
        parsed = urlparse(links.repository_url)
        if parsed.hostname not in REPOSITORY_HOSTS or len(parsed.path.strip("/").split("/")) < 2:
            raise ValueError(f"XPCS_REPOSITORY_URL must be https://<host>/<owner>/<repository> on one of "
                             f"{', '.join(REPOSITORY_HOSTS)}; got {links.repository_url!r}")
    return links


def _checked_url(variable: str, value: str) -> str:
    if value and (urlparse(value).scheme not in ("http", "https") or not urlparse(value).hostname):
        raise ValueError(f"{variable} must be an http(s) URL such as https://host/path, got {value!r}")
    return value.rstrip("/")


def _git_origin() -> str:
    """The checkout's ``origin`` remote; "" without one (or without git, as in a tarball)."""
    try:
        result = subprocess.run(["git", "-C", str(ROOT), "remote", "get-url", "origin"],
                                capture_output=True, text=True)
    except FileNotFoundError:
        return ""
    return result.stdout.strip() if result.returncode == 0 else ""


def public_repository_url(remote: str) -> str:
    """The web address of a git remote on a public host, or "" for any other remote.

    >>> public_repository_url("git@github.com:owner/repo.git")
    'https://github.com/owner/repo'
    >>> public_repository_url("/home/me/clone")
    ''
    """
    remote = remote.strip()
    if remote.startswith("git@") and ":" in remote:  # scp-like ssh address
        host, path = remote[len("git@"):].split(":", 1)
        remote = f"https://{host}/{path}"
    parsed = urlparse(remote)
    if parsed.scheme not in ("http", "https", "ssh") or parsed.hostname not in REPOSITORY_HOSTS:
        return ""
    path = parsed.path.strip("/").removesuffix(".git")
    return f"https://{parsed.hostname}/{path}"


def with_site_links(config: dict, links: SiteLinks) -> dict:
    """A copy of the Jupyter Book configuration with the repository and launch buttons set.

    With a repository: the repository and issue buttons, and launch buttons for each
    hub given, each opening the chapter's ``.ipynb`` in JupyterLab.  Without one: no
    such buttons (Jupyter Book's default repository, its own, must not be linked).
    Either way the 404 page's links start from the site's path.
    """
    config = json.loads(json.dumps(config))  # deep copy
    html = config.setdefault("html", {})
    launch = config.setdefault("launch_buttons", {})
    _place_the_404_page(config, links)
    if not links.repository_url:
        html["use_repository_button"] = html["use_issues_button"] = False
        launch["binderhub_url"] = launch["jupyterhub_url"] = ""
        return config
    config.setdefault("repository", {}).update(url=links.repository_url, branch=links.branch)
    html["use_repository_button"] = html["use_issues_button"] = True
    launch.update(binderhub_url=links.binderhub_url, jupyterhub_url=links.jupyterhub_url)
    return config


def _place_the_404_page(config: dict, links: SiteLinks) -> None:
    """Root the 404 page's links at the site's path; it is served at any address."""
    sphinx_config = config.setdefault("sphinx", {}).setdefault("config", {})
    sphinx_config["notfound_urls_prefix"] = links.site_path
    context = sphinx_config.get("notfound_context", {})
    if "body" in context:
        context["body"] = context["body"].replace("href='/", f"href='{links.site_path}")
    if links.site_url:
        config.setdefault("html", {})["baseurl"] = links.site_url + "/"
