"""A stand-in for aider: takes aider's command line, writes the file its message names.

The one source of the stand-in (shipped in the package's data): ``workstream demo`` writes it
on PATH as ``aider`` (``commands/demo.py``), and samples/cluster/ runs it from a clone of this
repository (``python3 server/workstream/data/standin_aider.py``): no model, no API key. It
checks it got aider's unattended command line (``--yes-always … --message=… -- FILES``), writes
aider's bookkeeping (``.aider.input.history``) and its conversation (``--chat-history-file``),
waits ``AIDER_DELAY`` seconds and writes the module the message names with the functions it
lists. Standard library only: any ``python3`` runs it.
"""

import os
import pathlib
import re
import sys
import time

args = sys.argv[1:]
if "--" not in args:
    sys.exit(f"stand-in aider: unexpected command line {args!r}")
options, files = args[: args.index("--")], args[args.index("--") + 1 :]
given = dict(o[2:].split("=", 1) for o in options if o.startswith("--") and "=" in o)
if "message" not in given or "--yes-always" not in options:
    sys.exit(f"stand-in aider: unexpected command line {args!r}")
message = given["message"]
# Like aider: its own bookkeeping in the repository, its conversation in the history file.
pathlib.Path(".aider.input.history").write_text(f"+{message}\n")
history = pathlib.Path(given.get("chat-history-file", ".aider.chat.history.md"))
with history.open("a") as chat:
    chat.write(f"#### {message}\n\n")
found = re.search(r"Create (\S+\.py)(?: with ([\w, ]*))?", message)
if not found:
    sys.exit(f"stand-in aider: the message names no file to create: {message!r}")
path, names = found.group(1), re.split(r",\s*|\s+and\s+", found.group(2) or "")
if files != [path]:
    sys.exit(f"stand-in aider: {path} is not the step's file scope {files!r}")
print(f"stand-in aider: writing {path}", flush=True)
time.sleep(float(os.environ.get("AIDER_DELAY", "0")))
body = "".join(
    f"\n\ndef {name}(*args, **kwargs):\n    raise NotImplementedError({name!r})\n"
    for name in names
    if name.isidentifier()
)
target = pathlib.Path(path)
target.parent.mkdir(parents=True, exist_ok=True)
target.write_text(f'"""Written by the stand-in aider for: {message!r}"""{body}')
print(f"stand-in aider: wrote {path}", flush=True)
with history.open("a") as chat:
    chat.write(f"Wrote {path}.\n\n")
