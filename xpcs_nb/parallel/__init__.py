"""Many movies or files at once: correlation and encoding as Dask tasks.

One task per file, sent the path (the worker reads the file itself) and run on a
``dask.distributed`` cluster: by default one started on this machine, one worker
process per core; with ``scheduler="tcp://host:8786"`` an existing one, such as a
dask-jobqueue cluster on an HPC system. Results equal the serial path, file for file.

* :mod:`~xpcs_nb.parallel.cluster` -- :func:`dask_client`, the cluster to use;
* :func:`open_array` (from :mod:`xpcs_nb.io`) -- ``.npy`` and HDF5 arrays on disk, what a task opens;
* :mod:`~xpcs_nb.parallel.c2_files` -- :func:`two_time_files`, C2 of many frame stacks;
* :mod:`~xpcs_nb.parallel.latents` -- :func:`encode_files`, latents of many crop files;
* :mod:`~xpcs_nb.parallel.failures` -- :class:`FilesFailed`: the files that failed, each
  named, beside the results of the others.

A script that starts a local cluster must do so under ``if __name__ == "__main__":``:
each worker process is started by importing the script again ("spawn"), and top-level
code would run once more in every worker (see :func:`two_time_files`).

Example
-------
>>> from xpcs_nb.parallel import two_time_files
>>> c2s = two_time_files(["run1.h5", "run2.h5"], labels, dataset="/entry/data/data")  # doctest: +SKIP
>>> c2s = two_time_files(paths, labels, scheduler="tcp://10.0.0.5:8786")  # doctest: +SKIP
"""

from xpcs_nb.io import open_array

from .c2_files import two_time_file, two_time_files
from .cluster import dask_client, default_workers
from .failures import FilesFailed, gather_by_file
from .latents import encode_file, encode_files

__all__ = ["two_time_file", "two_time_files", "encode_file", "encode_files", "dask_client", "default_workers",
           "open_array", "FilesFailed", "gather_by_file"]
