"""A papermill engine that also evaluates the Markdown cells' ``{eval}`` roles.

papermill (through nbclient) runs code cells only. :class:`ExpressionsClient` also
stops at each Markdown cell that holds ``{eval}`` roles and asks the kernel for their
values, as jupyterlab-myst does when a reader runs the cell in JupyterLab: an
``execute_request`` with empty code and the roles as ``user_expressions``. So each value
is the one the reader sees at that point of the chapter: after the code cells above
it ran, before the ones below. The answers are kept in the cell's metadata in
jupyterlab-myst's format (:func:`tools.book.expressions.stored_expressions`), so the
executed notebook opens in JupyterLab with its numbers shown, and the site is built
from the same values (:func:`tools.book.expressions.written_in`).

The engine is registered with papermill as ``"xpcs-expressions"`` (:data:`ENGINE`);
``papermill.execute_notebook(..., engine_name=ENGINE)`` uses it.
"""

from __future__ import annotations

from nbclient.util import run_sync
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.log import logger
from papermill.utils import merge_kwargs, remove_args

from .expressions import METADATA_KEY, ExpressionError, eval_expressions, request_for, stored_expressions

__all__ = ["ENGINE", "ExpressionsClient", "ExpressionsEngine"]

ENGINE = "xpcs-expressions"


class ExpressionsClient(PapermillNotebookClient):
    """papermill's notebook client, which also evaluates each Markdown cell's ``{eval}`` roles."""

    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        if cell.cell_type == "markdown":
            await self._evaluate_roles(cell, cell_index)
            return cell
        return await super().async_execute_cell(cell, cell_index, execution_count, store_history)

    # nbclient binds the blocking form to its own coroutine; bind it to this one
    execute_cell = run_sync(async_execute_cell)

    async def _evaluate_roles(self, cell, cell_index: int) -> None:
        """Ask the kernel for the cell's ``{eval}`` values; keep them in ``cell.metadata``.

        Raises :class:`ExpressionError` naming the cell index and the expression when
        one fails, so the execution stops there, as a code cell's error would stop it.
        """
        cell.metadata.pop(METADATA_KEY, None)
        expressions = eval_expressions(cell.source)
        if not expressions:
            return
        message_id = self.kc.execute("", silent=True, store_history=False,
                                     user_expressions=request_for(expressions))
        reply = await self.async_wait_for_reply(message_id, cell)
        if reply is None:
            raise ExpressionError(f"Markdown cell {cell_index}: no reply from the kernel for {expressions}")
        try:
            cell.metadata[METADATA_KEY] = stored_expressions(expressions, reply["content"])
        except ExpressionError as error:
            first_line = cell.source.strip().splitlines()[0][:60]
            raise ExpressionError(f"Markdown cell {cell_index} ({first_line!r}...): {error}") from None


class ExpressionsEngine(NBClientEngine):
    """papermill's nbclient engine with :class:`ExpressionsClient` as its client."""

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None, stderr_file=None,
                                 start_timeout=60, execution_timeout=None, **kwargs):
        # as NBClientEngine.execute_managed_notebook (papermill 2.7), with this module's client
        kwargs = remove_args(["input_path"], **kwargs)
        safe_kwargs = remove_args(["timeout", "startup_timeout"], **kwargs)
        final_kwargs = merge_kwargs(
            safe_kwargs,
            timeout=execution_timeout if execution_timeout else kwargs.get("timeout"),
            startup_timeout=start_timeout,
            kernel_name=kernel_name,
            log=logger,
            log_output=log_output,
            stdout_file=stdout_file,
            stderr_file=stderr_file,
        )
        return ExpressionsClient(nb_man, **final_kwargs).execute()


papermill_engines.register(ENGINE, ExpressionsEngine)
