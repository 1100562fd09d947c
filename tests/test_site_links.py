"""The site's repository and launch buttons: where their addresses come from and how
they reach Jupyter Book's configuration (tools/book/links.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tools import book  # noqa: E402


@pytest.mark.parametrize("remote, expected", [
    ("https://github.com/owner/xpcs-nb.git", "https://github.com/owner/xpcs-nb"),
    ("https://github.com/owner/xpcs-nb", "https://github.com/owner/xpcs-nb"),
    ("git@github.com:owner/xpcs-nb.git", "https://github.com/owner/xpcs-nb"),
    ("ssh://git@gitlab.com/group/xpcs-nb.git", "https://gitlab.com/group/xpcs-nb"),
    ("/work/main", ""),  # a clone of a local folder
    ("https://git.example.org/owner/xpcs-nb.git", ""),  # a host the theme cannot link to
    ("", ""),
])
def test_public_repository_url(remote, expected):
    assert book.public_repository_url(remote) == expected


def test_links_come_from_the_environment():
    links = book.site_links({
        "XPCS_REPOSITORY_URL": "https://github.com/owner/xpcs-nb/",
        "XPCS_REPOSITORY_BRANCH": "stable",
        "XPCS_JUPYTERHUB_URL": "https://hub.example.edu/",
    })
    assert links == book.SiteLinks(repository_url="https://github.com/owner/xpcs-nb", branch="stable",
                                   binderhub_url="https://mybinder.org", jupyterhub_url="https://hub.example.edu")


def test_an_empty_variable_switches_a_button_off():
    links = book.site_links({"XPCS_REPOSITORY_URL": "https://github.com/o/r", "XPCS_BINDERHUB_URL": ""})
    assert links.binderhub_url == ""


@pytest.mark.parametrize("variable, value, expected", [
    ("XPCS_REPOSITORY_URL", "github.com/owner/xpcs-nb", "XPCS_REPOSITORY_URL must be an http"),
    ("XPCS_REPOSITORY_URL", "https://git.example.org/owner/xpcs-nb", "XPCS_REPOSITORY_URL must be https://<host>"),
    ("XPCS_REPOSITORY_URL", "https://github.com/owner", "XPCS_REPOSITORY_URL must be https://<host>"),
    ("XPCS_JUPYTERHUB_URL", "hub.example.edu", "XPCS_JUPYTERHUB_URL must be an http"),
    ("XPCS_BINDERHUB_URL", "ftp://binder.example.org", "XPCS_BINDERHUB_URL must be an http"),
])
def test_bad_addresses_are_named(variable, value, expected):
    environ = {"XPCS_REPOSITORY_URL": "https://github.com/owner/xpcs-nb", variable: value}
    with pytest.raises(ValueError, match=expected):
        book.site_links(environ)


def committed_config() -> dict:
    return yaml.safe_load((ROOT / "_config.yml").read_text())


def test_with_a_repository_every_button_is_on():
    links = book.SiteLinks(repository_url="https://github.com/owner/xpcs-nb", jupyterhub_url="https://hub.example.edu")
    config = book.with_site_links(committed_config(), links)
    assert config["repository"]["url"] == "https://github.com/owner/xpcs-nb"
    assert config["html"]["use_repository_button"] and config["html"]["use_issues_button"]
    assert config["launch_buttons"]["binderhub_url"] == "https://mybinder.org"
    assert config["launch_buttons"]["jupyterhub_url"] == "https://hub.example.edu"
    assert config["launch_buttons"]["notebook_interface"] == "jupyterlab"


def test_without_a_repository_no_button_points_anywhere():
    config = book.with_site_links(committed_config(), book.SiteLinks())
    assert "url" not in config.get("repository", {})  # Jupyter Book would fill in its own repository
    assert not config["html"]["use_repository_button"] and not config["html"]["use_issues_button"]
    assert config["launch_buttons"]["binderhub_url"] == config["launch_buttons"]["jupyterhub_url"] == ""


def test_the_committed_config_links_nowhere_by_itself():
    """A plain ``jupyter-book build .`` must not show buttons into Jupyter Book's own repository."""
    config = committed_config()
    assert "url" not in config.get("repository", {})
    assert not config["launch_buttons"].get("binderhub_url") and not config["launch_buttons"].get("jupyterhub_url")
    assert config["html"]["use_download_button"] is True


@pytest.mark.parametrize("site_url, path", [("", "/"), ("https://example.github.io/xpcs-nb/", "/xpcs-nb/"),
                                            ("https://xpcs.example.org", "/")])
def test_the_404_page_is_rooted_at_the_site_path(site_url, path):
    config = book.with_site_links(committed_config(), book.SiteLinks(site_url=site_url.rstrip("/")))
    assert config["sphinx"]["config"]["notfound_urls_prefix"] == path
    assert f"href='{path}index.html'" in config["sphinx"]["config"]["notfound_context"]["body"]
    assert config["html"].get("baseurl", "") == (site_url.rstrip("/") + "/" if site_url else "")
