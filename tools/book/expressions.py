"""The chapters' ``{eval}`` roles: found in Markdown, evaluated in the kernel, shown as text.

A number in a chapter's prose is written ``{eval}`mse_text``` (a kernel variable, or any
Python expression). Two readers must see its value:

* in JupyterLab, the extension jupyterlab-myst evaluates a Markdown cell's roles in the
  kernel when the cell is run and keeps the kernel's answers in the cell's metadata,
  under ``user_expressions``; a notebook opened with that metadata shows them at once;
* on the site, myst-nb does not evaluate ``{eval}`` (it has no such role outside its
  own inline execution mode), so the staged Markdown gets the values written in.

The build does both from one record: while a chapter executes, each Markdown cell's
roles are evaluated when the cell is reached (:mod:`tools.book.execution`) and kept as
jupyterlab-myst keeps them (:func:`stored_expressions`); staging the site writes the
same text in place of each role (:func:`written_in`). The record, one entry per role::

    {"expression": "mse_text",
     "result": {"status": "ok", "data": {"text/plain": "'0.52'"}, "metadata": {}}}

``result`` is the kernel's ``user_expressions`` reply (``text/plain`` is the repr), and
jupyterlab-myst shows ``text/plain`` with one pair of surrounding quotes removed
(:func:`displayed_text`): ``'0.52'`` shows as ``0.52``.
"""

from __future__ import annotations

import re

__all__ = ["METADATA_KEY", "ExpressionError", "roles", "eval_expressions", "request_for", "stored_expressions",
           "displayed_text", "written_in", "escape_problems"]

METADATA_KEY = "user_expressions"  # jupyterlab-myst's Markdown cell metadata key

# A role: {name} then a run of backticks, the content, the same run (MyST's inline
# syntax), on one line; or inline code, which is skipped (`{eval}` written as code is
# no role). Scanned left to right, so a role's backticks are never taken for code.
_ROLE_OR_CODE = re.compile(r"\{(?P<name>[a-z][\w:.-]*)\}(?P<ticks>`+)(?P<content>[^\n]+?)(?P=ticks)(?!`)"
                           r"|(?P<code>`+)[^\n]*?(?P=code)")
_FENCE = re.compile(r"^(?P<fence>```+|~~~+).*?^(?P=fence)[ \t]*$", re.S | re.M)
# jupyterlab-myst strips quotes with /^(["'])(.*)\1$/: JavaScript's '.' stops at these.
_QUOTED = re.compile(r"^([\"'])([^\n\r\u2028\u2029]*)\1$")
# Characters MyST would read as markup if the value were written into the Markdown.
_MARKUP = re.compile(r"([\\`*_\[\]<>$|~])")


class ExpressionError(RuntimeError):
    """An ``{eval}`` role that failed, or has no stored result, or one the site cannot show."""


def _outside_fences(markdown: str) -> str:
    """``markdown`` with fenced code blocks blanked (a role shown as code is not evaluated)."""
    return _FENCE.sub(lambda match: " " * len(match.group()), markdown)


def roles(markdown: str) -> list[re.Match]:
    """Each MyST role in ``markdown`` (groups ``name``, ``content``), outside code blocks and inline code.

    >>> [(m["name"], m["content"]) for m in roles("{cite:p}`a`, `{eval}` as code, {eval}`n`")]
    [('cite:p', 'a'), ('eval', 'n')]
    """
    return [m for m in _ROLE_OR_CODE.finditer(_outside_fences(markdown)) if m.group("name")]


def eval_expressions(markdown: str) -> list[str]:
    """The expressions of the ``{eval}`` roles in ``markdown``, each once, in reading order.

    >>> eval_expressions("MSE {eval}`mse_text`, ratio {eval}`f\\"{r:.2f}\\"`, again {eval}`mse_text`.")
    ['mse_text', 'f"{r:.2f}"']
    >>> eval_expressions("```\\n{eval}`in_code`\\n```\\nand {eval}`in_prose`")
    ['in_prose']
    """
    found = [match.group("content") for match in roles(markdown) if match.group("name") == "eval"]
    return list(dict.fromkeys(found))


def request_for(expressions: list[str]) -> dict[str, str]:
    """The ``user_expressions`` of an execute request, keyed "0", "1", ... as jupyterlab-myst keys them.

    >>> request_for(["mse_text", "n"])
    {'0': 'mse_text', '1': 'n'}
    """
    return {str(i): expression for i, expression in enumerate(expressions)}


def stored_expressions(expressions: list[str], reply: dict) -> list[dict]:
    """The cell metadata jupyterlab-myst keeps for ``expressions``, from the kernel's execute reply.

    ``reply`` is the ``content`` of the ``execute_reply`` to a request whose
    ``user_expressions`` were :func:`request_for` ``(expressions)``. An expression the
    kernel could not evaluate, or whose value is more than plain text (a figure, HTML:
    JupyterLab would draw it, the site could not), raises :class:`ExpressionError`
    naming it.

    >>> reply = {"status": "ok", "user_expressions": {"0": {"status": "ok", "data": {"text/plain": "'0.52'"}, "metadata": {}}}}
    >>> stored_expressions(["mse_text"], reply)
    [{'expression': 'mse_text', 'result': {'status': 'ok', 'data': {'text/plain': "'0.52'"}, 'metadata': {}}}]
    """
    if reply.get("status") != "ok":
        raise ExpressionError(f"the kernel did not evaluate {expressions}: {reply.get('ename')}: {reply.get('evalue')}")
    answers = reply.get("user_expressions", {})
    stored = []
    for key, expression in request_for(expressions).items():
        result = answers.get(key)
        if result is None:
            raise ExpressionError(f"{{eval}}`{expression}`: the kernel returned no result")
        if result.get("status") != "ok":
            raise ExpressionError(f"{{eval}}`{expression}` failed: {result.get('ename')}: {result.get('evalue')}")
        kinds = sorted(result.get("data", {}))
        if kinds != ["text/plain"]:
            raise ExpressionError(f"{{eval}}`{expression}` gave {kinds}, expected only text/plain: "
                                  "make the role's value a str or a number")
        stored.append({"expression": expression, "result": result})
    return stored


def displayed_text(result: dict) -> str:
    """The text jupyterlab-myst shows for one stored ``result``: text/plain, one pair of quotes removed.

    >>> displayed_text({"status": "ok", "data": {"text/plain": "'0.52'"}, "metadata": {}})
    '0.52'
    >>> displayed_text({"status": "ok", "data": {"text/plain": "42"}, "metadata": {}})
    '42'
    >>> displayed_text({"status": "ok", "data": {"text/plain": "\\"it's\\""}, "metadata": {}})
    "it's"
    """
    text = result["data"]["text/plain"]
    return _QUOTED.sub(r"\2", text)


def escape_problems(stored: list[dict]) -> list[str]:
    r"""Stored results that JupyterLab would show with Python's escapes (a backslash): a str
    holding a newline, a backslash, or both kinds of quote has a repr a reader should not see.

    >>> ok = {"status": "ok", "data": {"text/plain": "'B ≈ 0.5'"}, "metadata": {}}
    >>> bad = {"status": "ok", "data": {"text/plain": repr("two\nlines")}, "metadata": {}}
    >>> for problem in escape_problems([{"expression": "a", "result": ok}, {"expression": "b", "result": bad}]):
    ...     print(problem)
    {eval}`b` shows as: two\nlines
    """
    return [f"{{eval}}`{entry['expression']}` shows as: {displayed_text(entry['result'])}"
            for entry in stored if "\\" in displayed_text(entry["result"])]


def written_in(markdown: str, stored: list[dict], where: str = "") -> str:
    """``markdown`` with each ``{eval}`` role replaced by the text JupyterLab shows for it.

    ``stored`` is the cell's ``user_expressions`` metadata. The text is escaped so that
    MyST reads it as text, as JupyterLab shows it. A role without a stored result raises
    :class:`ExpressionError` naming the role and ``where`` (the chapter and cell).

    >>> stored = [{"expression": "mse_text", "result": {"status": "ok", "data": {"text/plain": "'0.52'"}, "metadata": {}}},
    ...           {"expression": "name", "result": {"status": "ok", "data": {"text/plain": "'class_cpu'"}, "metadata": {}}}]
    >>> written_in("MSE {eval}`mse_text` at {eval}`name`.", stored)
    'MSE 0.52 at class\\\\_cpu.'
    """
    by_expression = {entry["expression"]: displayed_text(entry["result"]) for entry in stored}

    def value(match: re.Match) -> str:
        expression = match.group("content")
        if expression not in by_expression:
            raise ExpressionError(f"{where}{{eval}}`{expression}` has no stored result: "
                                  "was the notebook executed by tools.book.execute_chapter?")
        return _MARKUP.sub(r"\\\1", by_expression[expression])

    pieces, last = [], 0
    for match in (m for m in roles(markdown) if m.group("name") == "eval"):  # positions are the original's
        pieces += [markdown[last:match.start()], value(match)]
        last = match.end()
    return "".join(pieces) + markdown[last:]
