"""What the command line prints: tables that fit, and what samsim is doing meanwhile.

A table fits the console's width (80 columns when output is piped) with every cell whole:
its columns never wrap or shorten a name; a table that cannot fit prints as records, one
field a line. Work that may take more than a couple of seconds says what it is doing on
stderr (a spinner on a terminal, a line otherwise), so stdout stays clean for ``--json``.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Iterable, Sequence
from types import TracebackType

from rich import box
from rich.console import Console
from rich.live import Live
from rich.measure import Measurement
from rich.spinner import Spinner
from rich.table import Table
from rich.text import Text

__all__ = ["Status", "first_run_note", "kernels_need_compiling", "print_table"]


def print_table(
    console: Console,
    title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    right: Iterable[int] = (),
    caption: str | None = None,
) -> None:
    """Print a table whose cells stay whole, or its rows as records if it cannot fit.

    Parameters
    ----------
    console : Console
    title : str
        Printed above the table (left-aligned; it may wrap, the cells do not).
    headers : sequence of str
    rows : iterable of sequences of str
        Cells may carry rich markup (``[bold]all[/bold]``).
    right : iterable of int
        Columns aligned right (numbers).
    caption : str, optional
        Printed below (units, legends).
    """
    rows = [list(r) for r in rows]
    right = set(right)
    table = Table(
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        title=None,
        expand=False,
    )
    for k, h in enumerate(headers):
        table.add_column(h, justify="right" if k in right else "left", no_wrap=True)
    for r in rows:
        table.add_row(*r)
    console.print(Text(title, style="bold"), soft_wrap=True)
    # the natural width (measured without the console's limit, which clamps it)
    width = Measurement.get(console, console.options.update_width(10**6), table).maximum
    if width <= console.width:
        console.print(table)
    else:
        for r in rows:
            console.print(f"  {r[0]}", highlight=False, soft_wrap=True)
            for h, cell in zip(headers[1:], r[1:], strict=True):
                console.print(f"      {h}: {cell}", highlight=False, soft_wrap=True)
    if caption:
        console.print(caption, highlight=False, soft_wrap=True, style="dim")


def kernels_need_compiling(package: str = "samsim") -> bool:
    """Whether numba will compile the loaded modules' kernels first (a first run after
    installing or updating): fewer than half of their cached kernels have an index in
    numba's cache that holds compiled code for this source (its stamp matches; see
    :func:`samsim.jit.cache_locator`). (Kernels called only from other kernels never get
    an index of their own; about three quarters do once samsim has run.) False if it
    cannot tell.

    Call it after importing the modules that will run (it loads numba and the kernels:
    :func:`samsim.jit.load_kernels`).
    """
    try:
        from numba.core.registry import CPUDispatcher

        from samsim.jit import load_kernels
    except ImportError:
        return False
    load_kernels()
    total = fresh = 0
    for name, module in list(sys.modules.items()):
        if module is None or not (name == package or name.startswith(package + ".")):
            continue
        for obj in list(vars(module).values()):
            cache = getattr(obj, "_cache", None) if isinstance(obj, CPUDispatcher) else None
            if type(cache).__name__ != "FunctionCache":
                continue  # not a kernel, or cache=False (compiled in every process)
            try:
                load_index = cache._cache_file._load_index  # type: ignore[union-attr]
            except AttributeError:  # a numba without these internals
                return False
            total += 1
            with contextlib.suppress(Exception):  # an unreadable index: not fresh
                fresh += bool(load_index())
    return total > 0 and fresh < total / 2


class Status:
    """What samsim is doing, on stderr, while a block runs.

    On a terminal a spinner with the message (gone when the block ends); otherwise the
    message as one line ``samsim: ...``, printed only once the block has taken
    ``after_s`` seconds (so quick work prints nothing), and each later message at once.

    Parameters
    ----------
    message : str
    enabled : bool
        False prints nothing (``--quiet``).
    after_s : float
        Delay before the first line when stderr is not a terminal, s.
    console : Console, optional
        The stderr console (default: a new one).
    """

    def __init__(
        self,
        message: str,
        *,
        enabled: bool = True,
        after_s: float = 2.0,
        console: Console | None = None,
    ) -> None:
        self.console = console or Console(stderr=True)
        self.enabled = enabled
        self.after_s = after_s
        self.message = message
        self._lock = threading.Lock()
        self._shown = False
        self._live: Live | None = None
        self._timer: threading.Timer | None = None
        self._t0 = 0.0

    def _line(self) -> None:
        with self._lock:
            if self._timer is None:  # the block has ended
                return
            self._shown = True
            self.console.print(f"samsim: {self.message}", highlight=False, soft_wrap=True)

    def __enter__(self) -> Status:
        if not self.enabled:
            return self
        self._t0 = time.perf_counter()
        if self.console.is_terminal:
            # Redirect stdout through the live display only when it is the same terminal:
            # a piped stdout (--json) must receive nothing but its own output.
            self._live = Live(
                Spinner("dots", text=self.message),
                console=self.console,
                transient=True,
                redirect_stdout=sys.stdout.isatty(),
                redirect_stderr=False,
            )
            self._live.start()
        else:
            self._timer = threading.Timer(self.after_s, self._line)
            self._timer.daemon = True
            self._timer.start()
        return self

    def update(self, message: str) -> None:
        """Say what the block does next."""
        self.message = message
        if not self.enabled:
            return
        if self._live is not None:
            self._live.update(Spinner("dots", text=message))
            return
        with self._lock:
            shown = self._shown
        if shown:
            self._line()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None
        with self._lock:
            timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()

    @property
    def elapsed_s(self) -> float:
        """Seconds since the block started."""
        return time.perf_counter() - self._t0


def first_run_note(active: bool) -> str:
    """The clause added to a status while numba compiles samsim's kernels."""
    return (
        "; first run: compiling samsim's numba kernels (about a minute, once; cached on disk)"
        if active
        else ""
    )
