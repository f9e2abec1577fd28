"""Where batches run: in this process, a local process pool, or a Dask distributed cluster.

Each backend is a :class:`concurrent.futures.Executor` with a number of slots (parallel
workers); the study driver submits one task per batch of seeds and writes each batch as
it completes, so every backend gives the same results for the same seeds.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing as mp
import multiprocessing.context as mpc
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from samsim.study.results import RunOutput
from samsim.study.runner import RunFailed, RunFunction
from samsim.study.sweep import StudyError

if TYPE_CHECKING:
    from samsim.scenario.models import Scenario


def run_task(
    runner: RunFunction, scenario: Scenario, point: int, seeds: Sequence[int], keep_events: bool
) -> tuple[int, list[RunOutput]]:
    """One task: run ``seeds`` of sweep ``point`` (executes in a worker)."""
    try:
        outputs = runner(scenario, list(seeds), keep_events)
    except RunFailed as exc:
        raise RunFailed(f"point {point}, seed {exc.seed}: {exc}{_trace()}", exc.seed) from None
    except Exception as exc:
        raise RunFailed(
            f"point {point}, seeds {seeds[0]}..{seeds[-1]}: {type(exc).__name__}: {exc}{_trace()}"
        ) from None
    got = [o.seed for o in outputs]
    if got != [int(s) for s in seeds]:
        raise RunFailed(
            f"point {point}: the run function returned seeds {got[:5]}... for seeds "
            f"{list(seeds)[:5]}...; it must return one output per seed, in order"
        )
    return point, outputs


def _trace() -> str:
    """The worker's traceback, when SAMSIM_DEBUG is set (it does not cross processes)."""
    if not os.environ.get("SAMSIM_DEBUG"):
        return ""
    import traceback

    return "\n" + traceback.format_exc()


class InlineExecutor(cf.Executor):
    """Runs each task at submission, in the calling process (``workers=0``: debugging,
    profiling, notebooks)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> cf.Future[Any]:
        fut: cf.Future[Any] = cf.Future()
        try:
            fut.set_result(fn(*args, **kwargs))
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                raise
            fut.set_exception(exc)
        return fut


def _watch_parent(parent_pid: int) -> None:
    while True:
        time.sleep(1.0)
        try:
            os.kill(parent_pid, 0)
        except ProcessLookupError:
            os._exit(1)
        except PermissionError:
            pass


def _init_worker(parent_pid: int) -> None:
    """Workers leave Ctrl-C to the parent (which stops them cleanly) and exit if the
    parent dies (SIGKILL), so no orphan keeps computing."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if os.name == "posix":
        threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True).start()


_MAIN_KEYS = ("init_main_from_path", "init_main_from_name")
_LAUNCH_LOCK = threading.Lock()


@contextmanager
def _without_main() -> Iterator[None]:
    """While a worker is launched, leave the parent's ``__main__`` out of what the child
    prepares from: a worker runs only samsim's (importable) run functions, so it never
    needs the calling script. Without this, each worker re-ran the script that called
    ``samsim.study``: a plain top-level script started the study again in every worker
    (BrokenProcessPool), and a script read from standard input could not be found
    (FileNotFoundError '<stdin>')."""
    from multiprocessing import spawn

    original = spawn.get_preparation_data

    def preparation_data(name: str) -> dict[str, Any]:
        data = original(name)
        for key in _MAIN_KEYS:
            data.pop(key, None)
        return data

    with _LAUNCH_LOCK:
        spawn.get_preparation_data = preparation_data
        try:
            yield
        finally:
            spawn.get_preparation_data = original


class _SpawnWorker(mpc.SpawnProcess):
    """A spawned worker that does not import the caller's ``__main__``."""

    @staticmethod
    def _Popen(process_obj: Any) -> Any:
        with _without_main():
            return mpc.SpawnProcess._Popen(process_obj)


class _SpawnWorkers(mpc.SpawnContext):
    Process = _SpawnWorker


if hasattr(mpc, "ForkServerProcess"):  # POSIX

    class _ForkServerWorker(mpc.ForkServerProcess):
        """A forkserver worker that does not import the caller's ``__main__``."""

        @staticmethod
        def _Popen(process_obj: Any) -> Any:
            with _without_main():
                return mpc.ForkServerProcess._Popen(process_obj)

    class _ForkServerWorkers(mpc.ForkServerContext):
        Process = _ForkServerWorker


def _context(main_free: bool = True) -> Any:
    """The multiprocessing context of the local pool: forkserver (else spawn), whose
    workers do not import the caller's ``__main__`` unless ``main_free`` is False (a run
    function defined there)."""
    methods = mp.get_all_start_methods()
    # Not fork: the parent runs threads (progress bar, Dask client) that fork would copy
    # in whatever state they are in.
    ctx: Any
    if "forkserver" in methods:
        ctx = _ForkServerWorkers() if main_free else mp.get_context("forkserver")
        ctx.set_forkserver_preload(["samsim.study.executors"])
    else:
        ctx = _SpawnWorkers() if main_free else mp.get_context("spawn")
    return ctx


def _terminate(pool: cf.ProcessPoolExecutor) -> None:
    processes = list(getattr(pool, "_processes", {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for p in processes:
        if p.is_alive():
            p.terminate()
    for p in processes:
        p.join(timeout=5)


@contextmanager
def local_executor(workers: int, main_free: bool = True) -> Iterator[tuple[cf.Executor, int]]:
    """A process pool of ``workers`` processes (0: run in this process); its workers do
    not import the caller's ``__main__`` unless ``main_free`` is False.

    Yields
    ------
    (executor, slots)
    """
    if workers < 0:
        raise StudyError(f"--workers must be 0 or more, got {workers}")
    if workers == 0:
        yield InlineExecutor(), 1
        return
    pool = cf.ProcessPoolExecutor(
        max_workers=workers,
        mp_context=_context(main_free),
        initializer=_init_worker,
        initargs=(os.getpid(),),
    )
    try:
        yield pool, workers
    except BaseException:
        _terminate(pool)
        raise
    pool.shutdown(wait=True)


#: Schemes of Dask scheduler addresses.
_DASK_SCHEMES = ("tcp", "tls", "ws", "wss", "ucx")


def check_scheduler_address(address: str, timeout_s: float = 5.0) -> None:
    """Check a Dask scheduler address quickly, before any study folder is made: its form
    (``tcp://HOST:PORT``), that the host resolves and that something listens on the port.

    Raises
    ------
    StudyError
        Naming what is wrong (Dask's own client would wait for its timeout, then print a
        traceback as it is collected).
    """
    import socket
    from urllib.parse import urlsplit

    form = "give it as tcp://HOST:PORT (the address `dask scheduler` prints)"
    parts = urlsplit(address)
    try:
        port = parts.port
    except ValueError:
        port = None
    if parts.scheme not in _DASK_SCHEMES or not parts.hostname or port is None or port == 0:
        raise StudyError(f"--scheduler {address!r} is not a Dask scheduler address; {form}")
    try:
        with socket.create_connection((parts.hostname, port), timeout=timeout_s):
            pass
    except OSError as exc:
        reason = "timed out" if isinstance(exc, TimeoutError) else exc.strerror or str(exc)
        raise StudyError(
            f"cannot connect to the Dask scheduler at {address!r} ({reason}); check the "
            "address and that `dask scheduler` is running there"
        ) from None


#: Longest wait for a Dask scheduler to answer, s. Dask's own timeout bounds the TCP
#: connection but not the handshake after it: a listener that accepts and never answers
#: held the client until the listener went away.
CONNECT_TIMEOUT_S = 30.0


def _connect(client_type: Any, address: str) -> Any:
    """A Dask client connected to ``address`` within :data:`CONNECT_TIMEOUT_S`, or a
    StudyError. The attempt runs in a daemon thread, abandoned at the deadline."""
    box: dict[str, Any] = {}

    def attempt() -> None:
        try:
            box["client"] = client_type(address, timeout="20s", set_as_default=False)
        except BaseException as exc:
            box["error"] = exc

    worker = threading.Thread(target=attempt, name="samsim-dask-connect", daemon=True)
    worker.start()
    worker.join(CONNECT_TIMEOUT_S)
    if "client" in box:
        return box["client"]
    reason = (
        f"no answer in {CONNECT_TIMEOUT_S:g} s"
        if worker.is_alive()
        else f"{type(box['error']).__name__}: {box['error']}"
    )
    raise StudyError(
        f"cannot connect to the Dask scheduler at {address!r} ({reason}); check the "
        "address (tcp://HOST:PORT) and that `dask scheduler` is running there"
    )


@contextmanager
def dask_executor(scheduler: Any) -> Iterator[tuple[cf.Executor, int]]:
    """The workers of a Dask distributed cluster.

    Parameters
    ----------
    scheduler : str or distributed.Client
        The scheduler address (``tcp://HOST:PORT``) or a connected client.

    Yields
    ------
    (executor, slots)
        ``slots`` is the cluster's total worker threads at connection time.
    """
    try:
        from distributed import Client
    except ImportError:
        raise StudyError(
            "--scheduler needs dask.distributed, which is not installed; install the "
            "cluster extra: pip install 'samsim[cluster]'"
        ) from None
    own = not isinstance(scheduler, Client)
    if own:
        check_scheduler_address(str(scheduler))
        client = _connect(Client, str(scheduler))
    else:
        client = scheduler
    executor = client.get_executor(pure=False)
    try:
        slots = max(1, sum(client.nthreads().values()))
        yield executor, slots
    except BaseException:
        executor.shutdown(wait=False)
        raise
    finally:
        if own:
            client.close()


@contextmanager
def make_executor(
    workers: int | None, scheduler: Any, main_free: bool = True
) -> Iterator[tuple[cf.Executor, int]]:
    """The Dask executor when ``scheduler`` is given, else a local pool of ``workers``
    (default: the number of CPUs; ``main_free``: see :func:`local_executor`)."""
    if scheduler is not None:
        with dask_executor(scheduler) as pair:
            yield pair
    else:
        n = (os.cpu_count() or 1) if workers is None else workers
        with local_executor(n, main_free) as pair:
            yield pair
