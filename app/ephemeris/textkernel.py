"""Parse SPICE text kernels (LSK, PCK, FK, SCLK, metakernels) ourselves.

SPICE accepts some malformed text kernels silently (an unclosed parenthesis
before ``\\begintext`` loads as if nothing were wrong), and it resolves
metakernel paths against the working directory rather than the metakernel.
A small parser of our own lets a load reject such a file with the line that
is wrong, and lets metakernels resolve their paths relative to themselves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

Value = str | float

#: Largest text kernel we read. Real ones (SCLK, FK, PCK) are kilobytes to a few megabytes; reading a
#: mislabelled multi-gigabyte file whole to look at it would exhaust memory.
MAX_TEXT_KERNEL_BYTES = 64 << 20

#: What SPICE's kernel pool holds (CSPICE N0067: MAXVAR, MAXVAL, MAXLIN). A file with more can never load,
#: so parsing stops there instead of spending minutes on a file that is mostly numbers.
POOL_VARIABLES = 26_003
POOL_NUMBERS = 400_000
POOL_STRINGS = 15_000

_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eEdD][+-]?\d+)?")
_NAME = re.compile(r"[^\s=(),+']{1,32}")
_DATE = re.compile(r"@[^\s,()]+")


class TextKernelError(ValueError):
    """A syntax error, with the line it was found on."""


@dataclass
class TextKernel:
    """The assignments of a text kernel, in file order."""

    variables: dict[str, list[Value]] = field(default_factory=dict)

    def strings(self, name: str) -> list[str]:
        return [v for v in self.variables.get(name, []) if isinstance(v, str)]


def _tokens(line: str, lineno: int) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(line):
        ch = line[i]
        if ch.isspace() or ch == ",":
            i += 1
        elif ch in "()":
            out.append((ch, ch))
            i += 1
        elif line.startswith("+=", i):
            out.append(("op", "+="))
            i += 2
        elif ch == "=":
            out.append(("op", "="))
            i += 1
        elif ch == "'":
            j, buf = i + 1, []
            while True:
                k = line.find("'", j)
                if k < 0:
                    raise TextKernelError(f"line {lineno}: string is not closed")
                buf.append(line[j:k])
                if line.startswith("''", k):
                    buf.append("'")
                    j = k + 2
                    continue
                i = k + 1
                break
            if not buf or buf == [""]:
                raise TextKernelError(f"line {lineno}: a quoted string with no characters (SPICE refuses it)")
            out.append(("str", "".join(buf).rstrip(" ")))  # SPICE keeps no trailing blanks
        elif m := _DATE.match(line, i):
            out.append(("date", m.group()))
            i = m.end()
        elif (m := _NUMBER.match(line, i)) and (m.end() == len(line) or line[m.end()] in " \t,()"):
            out.append(("num", m.group().replace("d", "e").replace("D", "e")))
            i = m.end()
        elif m := _NAME.match(line, i):
            out.append(("name", m.group()))
            i = m.end()
        else:
            raise TextKernelError(f"line {lineno}: unexpected character {ch!r}")
    return out


def parse_text_kernel(text: str) -> TextKernel:
    """Parse the data sections of a text kernel; raise ``TextKernelError`` on bad syntax."""
    kernel = TextKernel()
    text_vars: set[str] = set()  # variables holding strings (the rest hold numbers and @dates)
    numbers = strings = 0
    in_data = False
    state = "name"  # name -> op -> value | list -> name
    current: str | None = None
    last_line = 0
    for lineno, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if stripped == "\\begindata":
            if state != "name":
                raise TextKernelError(f"line {lineno}: assignment of {current} is not finished")
            in_data = True
            continue
        if stripped == "\\begintext":
            if in_data and state != "name":
                raise TextKernelError(f"line {lineno}: assignment of {current} is not finished")
            in_data = False
            continue
        if not in_data:
            continue
        last_line = lineno
        for kind, tok in _tokens(raw, lineno):
            if state == "name":
                if kind != "name":
                    raise TextKernelError(f"line {lineno}: expected a variable name, got {tok!r}")
                current, state = tok, "op"
            elif state == "op":
                if kind != "op":
                    raise TextKernelError(f"line {lineno}: expected '=' or '+=' after {current}")
                if tok == "=" or current not in kernel.variables:
                    kernel.variables[current] = []
                    if len(kernel.variables) > POOL_VARIABLES:
                        too_many = f"more than {POOL_VARIABLES} variables, more than SPICE holds"
                        raise TextKernelError(f"line {lineno}: {too_many}")
                state = "value"
            elif state in ("value", "list"):
                assert current is not None
                if kind == "(" and state == "value":
                    state = "list"
                elif kind == ")" and state == "list":
                    if not kernel.variables[current]:
                        raise TextKernelError(f"line {lineno}: {current} has no values")
                    state = "name"
                elif kind in ("str", "num", "date"):
                    value: Value = tok if kind != "num" else float(tok)
                    held = kernel.variables[current]
                    if held and (kind == "str") != (current in text_vars):
                        # SPICE's pool holds one type per variable and refuses the file (TYPEMISMATCH).
                        raise TextKernelError(f"line {lineno}: {current} mixes numbers and strings")
                    if kind == "str":
                        text_vars.add(current)
                    elif not held:
                        text_vars.discard(current)
                    kernel.variables[current].append(value)
                    if kind == "str":
                        strings += 1
                    else:
                        numbers += 1
                    if numbers > POOL_NUMBERS or strings > POOL_STRINGS:
                        what = f"{POOL_NUMBERS} numbers" if numbers > POOL_NUMBERS else f"{POOL_STRINGS} strings"
                        raise TextKernelError(f"line {lineno}: more than {what}, more than SPICE's kernel pool holds")
                    if state == "value":
                        state = "name"
                else:
                    raise TextKernelError(f"line {lineno}: unexpected {tok!r} in {current}")
    if state != "name":
        raise TextKernelError(f"line {last_line}: assignment of {current} is not finished")
    return kernel


def join_continued(values: list[str], marker: str = "+") -> list[str]:
    """Join strings continued with a trailing ``+``, as SPICE does for paths."""
    out: list[str] = []
    pending = ""
    for value in values:
        if value.rstrip().endswith(marker):
            pending += value.rstrip()[: -len(marker)]
        else:
            out.append(pending + value)
            pending = ""
    if pending:
        out.append(pending)
    return out
