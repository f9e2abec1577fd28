"""Errors samsim shows to users.

Every error a user can cause derives from :class:`SamsimError`; the CLI prints its
message without a traceback and exits with :attr:`SamsimError.exit_code`.
"""

from __future__ import annotations

from dataclasses import dataclass


class SamsimError(Exception):
    """An error caused by user input, printed without a traceback."""

    exit_code: int = 2


class MissingExtraError(SamsimError, ImportError):
    """An optional dependency is not installed; the message names the extra to install
    (``pip install 'samsim[terrain]'``)."""


@dataclass
class Issue:
    """One problem found in an input file.

    Attributes
    ----------
    field : str
        Dotted path of the offending field (``radars.0.power_w``), or ``""``.
    message : str
        What is wrong, as a sentence.
    fix : str
        What the user should do instead.
    line : int or None
        1-based line in the file, when known.
    column : int or None
        1-based column in the file, when known.
    """

    field: str
    message: str
    fix: str = ""
    line: int | None = None
    column: int | None = None


class InputError(SamsimError):
    """One or more problems in an input file, each with file, line, field and fix."""

    def __init__(self, path: str, issues: list[Issue]) -> None:
        self.path = path
        self.issues = issues
        super().__init__(self.render())

    def render(self) -> str:
        lines = []
        for issue in self.issues:
            where = self.path
            if issue.line is not None:
                where += f":{issue.line}"
                if issue.column is not None:
                    where += f":{issue.column}"
            field = f" field '{issue.field}':" if issue.field else ""
            text = f"{where}:{field} {issue.message}"
            if issue.fix:
                text += f" Fix: {issue.fix}"
            lines.append(text)
        return "\n".join(lines)


class ScenarioError(InputError):
    """A scenario file that cannot be loaded or validated."""
