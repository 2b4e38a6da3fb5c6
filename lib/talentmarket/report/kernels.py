"""The kernels the runner starts: their settings (quiet log, one BLAS thread), and kernels forked from one warm
template, so a run pays for the notebooks' imports once, not once per notebook.

A fresh ipykernel spends 5–6 s of CPU importing ipykernel, pandas, seaborn, statsmodels and the analyses before
its first cell does any work; the main job starts five of them. Within a run, the runner therefore starts one
*template* process (:func:`kernel_template`) that imports ipykernel and the notebooks' top-level ``import``
statements once, and each notebook's kernel is a fork of it (:class:`TemplateKernelManager`, which papermill
uses in place of jupyter_client's), as ``multiprocessing``'s forkserver does for its workers. A forked kernel
is an ordinary ipykernel: it gets the connection file, arguments, environment and working directory that
jupyter_client would have started ``python -m ipykernel_launcher`` with, runs in a session of its own (so
interrupts reach it as they reach a launched kernel), and re-seeds ``random`` and NumPy's global generator.
(It shares the template's string-hash seed, which a launched kernel draws afresh: nothing here depends on
it, since every output is sorted or seeded.)

Why this is safe:
- the template is a fresh interpreter started with the kernels' environment (one BLAS thread, the inline
  matplotlib backend ipykernel sets), so what libraries read from the environment at import time is what a
  launched kernel would read; talentmarket reads its own variables when called, never at import;
- it runs no event loop, opens no ZeroMQ context and starts no kernel before forking: each kernel builds
  those itself. Its one other thread is the background purger of pyarrow's jemalloc, which jemalloc's own
  fork handler turns off in the child (that allocator then purges as it allocates);
- the imports are those the notebooks run first anyway; one that fails is skipped, and the notebook's own
  cell then raises it as it would have.

A kernel command other than this interpreter's ``-m ipykernel_launcher`` (another kernel spec), a run with no
template, and any run off Linux start their kernels the usual way: on macOS a process that has loaded Apple's
Accelerate BLAS (NumPy's there) cannot safely compute in a forked child, which is why Python's own
``multiprocessing`` spawns by default on that system.
"""

from __future__ import annotations

import ast
import contextlib
import gc
import importlib.util
import json
import os
import random
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from jupyter_client import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner

INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
"""What ipykernel sets ``MPLBACKEND`` to when it is unset; the template sets it before matplotlib is imported."""
LAUNCHER = ["-m", "ipykernel_launcher"]
START_SECONDS = 300
"""How long a request waits for the template to fork its kernel (the template may still be importing, on a busy
machine for a minute); a template that hangs thus fails the run instead of stalling it."""
REAP_SECONDS = 0.05
"""How often the template looks for kernels that have exited, to tell their runners."""
FORK_SAFE_PLATFORMS = ("linux",)
"""Where a child forked after NumPy, pandas and matplotlib were imported may compute (see the module docstring)."""

KERNEL_LOG_LEVEL = "CRITICAL"
KERNEL_ARGUMENTS = [f"--IPKernelApp.log_level={KERNEL_LOG_LEVEL}"]
"""Keeps the kernel's own log lines ("running over TCP without encryption", "KeyboardInterrupt caught in kernel"
at shutdown) out of the run's output; errors in cells still reach papermill through the notebook. JupyterLab
cannot pass kernel arguments, so set-up also writes :func:`write_kernel_config`."""
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
"""Set to 1 in every kernel unless the caller set them: kernels run in parallel, and BLAS threads that outnumber
the cores spin against each other (a Gram-and-eigenvector step of the wild bootstrap measured 8× slower in
wall and CPU time with two OpenBLAS threads than with one on a busy two-core machine). One thread in every
run, sequential or parallel, also keeps the floating-point results the same whatever ``--jobs`` is."""

_serving: Path | None = None
"""The socket of the template this process (and the workers it forks) start their kernels from."""


def write_kernel_config(prefix: Path | None = None) -> Path:
    """Write ``<venv>/etc/ipython/ipython_kernel_config.json`` (read by every kernel of this environment,
    JupyterLab's included) with the quiet log level of :data:`KERNEL_ARGUMENTS`, keeping any other settings."""
    target = Path(prefix or sys.prefix) / "etc" / "ipython" / "ipython_kernel_config.json"
    settings = json.loads(target.read_text(encoding="utf-8")) if target.is_file() else {}
    settings.setdefault("IPKernelApp", {})["log_level"] = KERNEL_LOG_LEVEL
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(settings, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return target


def blas_environment() -> dict[str, str]:
    """The BLAS thread counts every kernel gets (see :data:`BLAS_THREAD_VARIABLES`)."""
    return {name: "1" for name in BLAS_THREAD_VARIABLES if name not in os.environ}


@contextlib.contextmanager
def kernel_environment(variables: dict[str, str]) -> Iterator[None]:
    """Set environment variables for the kernel papermill starts (it inherits this process's environment)."""
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def import_statements(notebook: Path) -> list[str]:
    """The top-level ``import``/``from … import`` statements of a notebook's code cells, in order, once each."""
    import nbformat  # here, not at the top: only the template and the benchmark read notebooks

    statements: list[str] = []
    for cell in nbformat.read(notebook, as_version=4).cells:
        if cell.cell_type != "code":
            continue
        source = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!")))
        try:
            nodes = ast.parse(source).body
        except SyntaxError:  # the cell fails when it runs, and says so there
            continue
        for node in nodes:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                statement = ast.unparse(node)
                if statement not in statements:
                    statements.append(statement)
    return statements


@contextlib.contextmanager
def kernel_template(notebooks: list[Path], environment: dict[str, str], *,
                    serve_this_process: bool = True) -> Iterator[str | None]:
    """Run a template for ``notebooks`` while the block runs; yield its address (``None`` off Linux: no template).

    With ``serve_this_process`` (the runner's case) every :class:`TemplateKernelManager` of this process, and of
    the processes it forks, starts its kernel from it; otherwise only managers that name its address do (see
    :class:`ForksFromTemplate`). ``environment`` holds the variables every kernel of the run gets (the BLAS
    thread counts); the template starts with them, since libraries such as OpenBLAS read them once, at import."""
    global _serving
    if sys.platform not in FORK_SAFE_PLATFORMS:
        yield None
        return
    with tempfile.TemporaryDirectory(prefix="talentmarket-kernels-") as folder:
        address = Path(folder) / "template.sock"
        env = os.environ | environment
        env.setdefault("MPLBACKEND", INLINE_BACKEND)
        with socket.socket(socket.AF_UNIX) as listener:  # bound here, so requests queue before the template runs
            listener.bind(str(address))
            listener.listen()
            template = subprocess.Popen([sys.executable, "-m", __name__, str(listener.fileno()), *map(str, notebooks)],
                                        stdin=subprocess.PIPE, env=env, pass_fds=[listener.fileno()])
        if serve_this_process:
            _serving = address
        try:
            yield str(address)
        finally:
            if serve_this_process:
                _serving = None
            template.terminate()  # also while it still imports, as after a parameter error
            template.wait()
            template.stdin.close()  # the template's signal to end if this process dies without getting here


class TemplateProvisioner(LocalProvisioner):
    """The local provisioner, with the process launch replaced by a request to the template to fork one."""

    def __init__(self, *, address: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.address = address

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> Any:
        if cmd[1:3] != LAUNCHER or Path(cmd[0]).resolve() != Path(sys.executable).resolve():
            return await super().launch_kernel(cmd, **kwargs)
        self.cwd = kwargs.get("cwd") or os.getcwd()
        self.process = _ForkedKernel.request(self.address, cmd[3:], dict(kwargs["env"]), str(self.cwd))
        self.pid = self.pgid = self.process.pid  # the kernel leads a session of its own
        return self.connection_info


class ForksFromTemplate:
    """For a jupyter_client kernel manager (put it first among the bases): start the kernel as a fork of the
    template at :meth:`template_address`, through :attr:`provisioner_class`, when there is one."""

    provisioner_class: type[TemplateProvisioner] = TemplateProvisioner

    def template_address(self) -> str | None:
        """The template this manager forks from: the one serving this process (:func:`kernel_template`), if any."""
        return str(_serving) if _serving is not None else None

    async def _async_pre_start_kernel(self, **kw: Any) -> tuple[list[str], dict[str, Any]]:
        if self.provisioner is None and (address := self.template_address()) is not None:
            self.kernel_id = self.kernel_id or kw.pop("kernel_id", None) or os.urandom(16).hex()
            self.provisioner = self.provisioner_class(kernel_id=self.kernel_id, kernel_spec=self.kernel_spec,
                                                      parent=self, address=address)
        return await super()._async_pre_start_kernel(**kw)


class TemplateKernelManager(ForksFromTemplate, AsyncKernelManager):
    """jupyter_client's kernel manager, starting its kernel as a fork of the run's template when there is one."""


class _ForkedKernel:
    """The part of :class:`subprocess.Popen` jupyter_client uses, for a kernel the template forked: its exit
    status comes over the connection that asked for it (the template is its parent and reaps it)."""

    stdin = stdout = stderr = None

    def __init__(self, connection: socket.socket, pid: int) -> None:
        self.connection, self.pid, self.returncode = connection, pid, None

    @classmethod
    def request(cls, address: str, arguments: list[str], env: dict[str, str], cwd: str) -> _ForkedKernel:
        connection = socket.socket(socket.AF_UNIX)
        try:
            connection.connect(address)
        except OSError as error:
            raise RuntimeError(f"the run's kernel template ({address}) is not answering: {error}") from None
        _send_line(connection, {"arguments": arguments, "env": env, "cwd": cwd})
        connection.settimeout(START_SECONDS)
        try:
            return cls(connection, _read_line(connection)["pid"])
        except TimeoutError:
            raise RuntimeError(f"the run's kernel template forked no kernel within {START_SECONDS} s") from None

    def poll(self) -> int | None:
        if self.returncode is None:
            self.connection.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                self._ended()
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            self.connection.setblocking(True)
            self.connection.settimeout(timeout)
            try:
                self._ended()
            except TimeoutError:
                raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout) from None
        return self.returncode

    def _ended(self) -> None:
        self.returncode = _read_line(self.connection)["exit"]
        self.connection.close()

    def send_signal(self, signum: int) -> None:
        if self.returncode is None:
            os.kill(self.pid, signum)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


def _send_line(connection: socket.socket, message: dict[str, Any]) -> None:
    """One JSON message, one line: the request, then the kernel's pid, then its exit status."""
    connection.sendall(json.dumps(message).encode() + b"\n")


def _read_line(connection: socket.socket) -> dict[str, Any]:
    """The next message :func:`_send_line` sent."""
    data = b""
    while not data.endswith(b"\n"):
        chunk = connection.recv(4096)
        if not chunk:
            raise ConnectionError("the kernel template closed the connection")
        data += chunk
    return json.loads(data)


def serve(listener: socket.socket, notebooks: list[Path]) -> None:
    """The template: import what ``notebooks`` import, then fork a kernel per request on ``listener`` (requests
    made meanwhile wait in its backlog) until standard input closes or SIGTERM comes; either way the kernels
    still running are killed."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the runner's to handle; kernels have sessions
    signal.signal(signal.SIGTERM, _exit)
    kernels: dict[int, socket.socket] = {}
    try:
        set_by_imports = _preload(notebooks)
        selector = selectors.DefaultSelector()
        selector.register(listener, selectors.EVENT_READ)
        selector.register(sys.stdin, selectors.EVENT_READ)
        while True:
            for key, _ in selector.select(REAP_SECONDS):
                if key.fileobj is sys.stdin:  # the runner ended
                    return
                if key.fileobj is listener:
                    connection, _ = listener.accept()
                    request = _read_line(connection)
                    pid = os.fork()
                    if pid == 0:
                        _become_kernel(request, set_by_imports, [listener, connection, *kernels.values()], selector)
                    kernels[pid] = connection
                    selector.register(connection, selectors.EVENT_READ, pid)
                    _send_line(connection, {"pid": pid})
                elif not key.fileobj.recv(1):  # the process that asked for the kernel is gone: so is the kernel
                    selector.unregister(key.fileobj)
                    _kill_session(key.data)
            _reap(kernels, selector)
    finally:
        for pid in kernels:
            _kill_session(pid)


def _exit(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def _preload(notebooks: list[Path]) -> dict[str, str]:
    """Run the notebooks' import statements, as their first cells would. A notebook that cannot be read, or an
    import that fails, is left to the run: its notebook reports it, in the notebook or before any kernel starts.

    Returns the environment variables the imports set (pandera, for one, sets PySpark's when PySpark is
    installed), which every kernel gets where its own environment lacks them, as if it had imported them itself."""
    before = dict(os.environ)
    if sys.path and Path(sys.path[0] or ".").resolve() == Path.cwd():
        del sys.path[0]  # as ipykernel_launcher does; the kernel's shell puts its own working directory back
    statements = ["import ipykernel.kernelapp"]
    for notebook in notebooks:
        with contextlib.suppress(Exception):
            statements += import_statements(notebook)
    for statement in dict.fromkeys(statements):
        with contextlib.suppress(Exception):
            exec(compile(statement, "<notebook imports>", "exec"), {})  # noqa: S102 - the notebooks' own imports
    gc.collect()
    gc.freeze()  # the imported objects stay shared with every kernel instead of being copied by the collector
    return {name: value for name, value in os.environ.items() if before.get(name) != value}


def _kill_session(pid: int) -> None:
    """Kill a kernel and whatever it started (it leads its own session), if it is still there."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


def _reap(kernels: dict[int, socket.socket], selector: selectors.BaseSelector) -> None:
    """Tell the runner of every kernel that has exited (its exit code, as Popen reports it)."""
    for pid in list(kernels):
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            connection = kernels.pop(pid)
            with contextlib.suppress(KeyError):  # already, if its runner went first
                selector.unregister(connection)
            with contextlib.suppress(OSError):
                _send_line(connection, {"exit": os.waitstatus_to_exitcode(status)})
            connection.close()


def _become_kernel(request: dict[str, Any], set_by_imports: dict[str, str], inherited: list[socket.socket],
                   selector: selectors.BaseSelector) -> None:
    """In the forked child: drop the template's sockets, take the request's environment (with what the preloaded
    imports set, where it lacks them: see :func:`_preload`), run ipykernel, exit."""
    code = 1
    try:
        os.setsid()
        selector.close()
        for sock in inherited:
            sock.close()
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        with open(os.devnull, "rb") as devnull:
            os.dup2(devnull.fileno(), 0)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(set_by_imports | request["env"])
        random.seed()
        if "numpy" in sys.modules:
            sys.modules["numpy"].random.seed()
        from ipykernel.kernelapp import IPKernelApp

        sys.argv = [importlib.util.find_spec("ipykernel_launcher").origin, *request["arguments"]]
        IPKernelApp.launch_instance(argv=request["arguments"])
        code = 0
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    except BaseException:  # noqa: BLE001 - a kernel that cannot start says why on stderr, as a launched one does
        traceback.print_exc()
    finally:
        for stream in (sys.__stdout__, sys.__stderr__):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(code)


if __name__ == "__main__":
    serve(socket.socket(fileno=int(sys.argv[1])), [Path(argument) for argument in sys.argv[2:]])
