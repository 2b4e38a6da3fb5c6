"""nbval's kernels forked from one warm template per pytest process, as the runner's are (docs/running.md).

nbval starts a fresh ipykernel for every notebook it validates, and each spends 3–4 s importing pandas,
statsmodels, seaborn and the analyses in its first cell. This plugin (registered by ``conftest.py``) replaces
the kernel manager nbval uses with one that forks the kernel from a template process which has already run the
collected notebooks' import statements: :func:`talentmarket.report.kernels.kernel_template`, the same template,
environment (one BLAS thread unless the caller set it) and forked kernel the main job uses. The template starts
when the first notebook of this process starts its kernel (a worker that validates no notebook pays nothing)
and ends with the session, killing any kernel still running.

The forks are served to nbval only: the runner's own kernel manager, which the runner tests use in this same
process, never sees this template. If the template stops answering, kernels are launched the usual way.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from pathlib import Path
from typing import Any

import nbval.kernel
import pytest
from jupyter_client import KernelManager
from jupyter_client.provisioning import LocalProvisioner
from nbval.plugin import IPyNbFile
from talentmarket.report import kernels


class _Template:
    """This process's template for nbval's kernels: started on first use, ended by :meth:`close`."""

    def __init__(self) -> None:
        self.notebooks: list[Path] = []
        self.address: str | None = None
        self._stack = contextlib.ExitStack()

    def serving(self) -> str | None:
        """The template's socket, starting the template first if it has not started (``None``: launch as usual)."""
        if self.address is None and self.notebooks:
            # only nbval's kernels fork from this template: the runner tests here launch (or fork from a template
            # of their own) as without it
            self.address = self._stack.enter_context(
                kernels.kernel_template(self.notebooks, kernels.blas_environment(), serve_this_process=False))
            self.notebooks = []  # started once: a template that could not start is not tried again
        return self.address

    def close(self) -> None:
        self.address = None
        self._stack.close()


_template = _Template()


class _FallbackProvisioner(kernels.TemplateProvisioner):
    """The template's provisioner, launching the kernel the usual way when the template does not answer."""

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> Any:
        try:
            return await super().launch_kernel(cmd, **kwargs)
        except (RuntimeError, OSError) as error:  # not answering, or gone while asked
            warnings.warn(f"the kernel template failed ({error}); this and later kernels are launched as usual", stacklevel=1)
            _template.address = None
            return await LocalProvisioner.launch_kernel(self, cmd, **kwargs)


class ForkedNbvalKernelManager(kernels.ForksFromTemplate, KernelManager):
    """nbval's (synchronous) kernel manager, starting its kernel as a fork of this process's template."""

    provisioner_class = _FallbackProvisioner

    def template_address(self) -> str | None:
        return _template.serving()


class NbvalKernels:
    """The plugin: nbval's kernel manager replaced, the template's notebooks recorded, the template ended."""

    def pytest_configure(self, config: pytest.Config) -> None:
        nbval.kernel.KernelManager = ForkedNbvalKernelManager

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        _template.notebooks = sorted({Path(item.parent.path) for item in items if isinstance(item.parent, IPyNbFile)})

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        _template.close()
        nbval.kernel.KernelManager = KernelManager
