"""What a step may write below HOME: an allow-list, and the agent folders' data.

Below HOME almost everything is read and acted on outside the sandbox by someone: shells
(``~/.bashrc``, ``~/.bash_aliases``…), Python (``site-packages``, ``.pth`` files, the user
site), editors (``~/.vimrc``, ``~/.config/nvim``, ``~/.emacs.d``), the session
(``~/.config/autostart``, ``~/.config/systemd``), package managers (``~/.npmrc``,
``~/.config/pip``), agents. A deny-list always misses one, so a ``writable`` entry below HOME
must lie inside :data:`WRITABLE_IN_HOME`: caches and state that tools keep as data, and the
agent CLIs' own folders, whose non-data paths the guard keeps as they were
(:mod:`~workstream.executor.guard`). Everything here is pure (segments of paths relative to
HOME, no file system).
"""

from __future__ import annotations

from fnmatch import fnmatchcase

Parts = tuple[str, ...]


def _split(paths: tuple[str, ...]) -> tuple[Parts, ...]:
    return tuple(tuple(p.split("/")) for p in paths)


#: Where a ``writable`` entry below HOME may point (the entry is one of these or lies inside
#: one; ``*`` is one folder of its own). Each is data its tool can make again, never
#: configuration or a program something runs. A cache still feeds what its tool installs
#: later: name only the caches a step needs.
WRITABLE_IN_HOME: tuple[Parts, ...] = _split(
    (
        ".cache/*",  # XDG cache: downloads, wheels, build products (pip, uv, go-build…)
        ".local/state/*",  # XDG state of one tool: histories, logs, undo files
        ".npm/_cacache",  # npm's content-addressed download cache (not ~/.npmrc, ~/.npm/_npx)
        ".npm/_logs",  # npm's debug logs
        ".cargo/registry",  # crates Cargo downloaded (not ~/.cargo/bin, ~/.cargo/config.toml)
        ".cargo/git",  # git dependencies Cargo checked out
        ".m2/repository",  # Maven's artifacts (not ~/.m2/settings.xml)
        ".gradle/caches",  # Gradle's caches (not init.d, gradle.properties, wrapper/dists)
        "go/pkg/mod",  # Go's module cache, checked against go.sum (not ~/go/bin)
        ".claude",  # Claude Code's folder: its data writable, the rest guarded (below)
        ".codex",  # Codex CLI's folder (CODEX_HOME), likewise
        ".gemini",  # Gemini CLI's folder, likewise
        ".aider",  # aider's folder, likewise
    )
)

#: Folders inside the allowed caches that hold programs something runs: refused.
NOT_WRITABLE_IN_HOME: tuple[Parts, ...] = _split(
    (
        ".cache/pre-commit",  # the hook environments pre-commit runs at your next commit
        ".cache/prek",  # the same, for prek (pre-commit's drop-in)
        ".cache/pypoetry/virtualenvs",  # Poetry's environments, run by `poetry run`
        ".cache/pipx",  # the environments `pipx run` runs
        ".cache/nvim",  # Neovim's vim.loader: compiled Lua run at its next start
        ".cache/ms-playwright",  # the browsers Playwright runs
        ".cache/p10k-*",  # Powerlevel10k's instant prompt, sourced by every new zsh
        ".cache/*.zsh",  # a script file of its own in ~/.cache is something sources it
        ".cache/*.sh",
        ".cache/*.bash",
        ".local/state/nix",  # Nix's user profiles: on your PATH
        ".local/state/home-manager",  # Home Manager's generations: your activated config
        ".local/state/mise",  # mise's trusted configs (which then run their tasks and hooks)
    )
)

#: Each agent folder's data: what the agent writes itself and never acts on as settings
#: (glob segments relative to the folder; a path that is or lies inside one). Everything
#: else in the folder is guarded: its settings, hooks and the scripts they name, .env files
#: loaded into its environment, instructions, rules, commands, skills, plugins, extensions,
#: trusted folders, IDE locks, a local install of the agent itself, and any file its next
#: version adds.
AGENT_DATA: dict[str, tuple[Parts, ...]] = {
    ".claude": _split(
        (
            "projects",  # transcripts per project (but not projects/*/memory, below)
            "sessions",  # the running sessions' records
            "session-env",  # each session's environment snapshot
            "shell-snapshots",  # each session's own shell snapshot (new name per session)
            "todos",  # task lists per session
            "tasks",  # likewise, in newer versions
            "plans",  # plan-mode documents
            "file-history",  # edit checkpoints per session
            "paste-cache",  # pasted text
            "backups",  # copies of ~/.claude.json it makes itself (never read back by it)
            "debug",  # debug logs
            "statsig",  # feature-flag cache
            "telemetry",  # usage events waiting to be sent
            "cache",  # changelog and similar caches
            "history.jsonl",  # prompt history
            "stats-cache.json",  # usage statistics
            "mcp-needs-auth-cache.json",  # MCP servers waiting for a login
            ".credentials.json",  # its login, which it refreshes itself (see LOGINS)
        )
    ),
    ".codex": _split(
        (
            "sessions",  # rollouts (transcripts)
            "archived_sessions",  # archived rollouts
            "log",  # logs
            "shell_snapshots",  # shell snapshots per session
            "thread-writer-locks",  # locks
            "history.jsonl",  # prompt history
            "*.sqlite",  # state, logs, goals, memories, queue databases
            "*.sqlite-*",  # their journals (-wal, -shm)
            "installation_id",  # an id
            "auth.json",  # its login, which it refreshes itself (see LOGINS)
            "version.json",  # last update check
            "models_cache.json",  # the models list
            ".sandbox_migration",  # a marker
            ".tmp",  # staging (but not .tmp/plugins, below)
            "tmp",  # scratch
            "cache",  # caches
        )
    ),
    ".gemini": _split(
        (
            "tmp",  # chats, logs and checkpoints per project
            "history",  # per-project checkpoint history (but not its git repositories)
            "projects.json",  # project ids
            "oauth_creds.json",  # its login, which it refreshes itself (see LOGINS)
            "google_accounts.json",  # the account of that login
            "installation_id",  # an id
            "user_id",  # an id
        )
    ),
    ".aider": _split(
        (
            "caches",  # model info, version check, help index
            "analytics.json",  # its analytics id and choice
            "installs.json",  # install marker
        )
    ),
}

#: LOGINS: an agent refreshes its tokens during a step, so its login file is data. A step
#: could still swap in another account's login (the user's next sessions would go to it):
#: that is not a command run as the user, and keeping logins read-only would break every
#: step whose token expires.

#: Inside an agent's data, what it still acts on: guarded too.
AGENT_DATA_GUARDED: tuple[Parts, ...] = _split(
    (
        ".claude/projects/*/memory",  # auto memory: MEMORY.md is loaded into every session
        ".codex/.tmp/plugins",  # a git clone of plugins Codex syncs with git
        ".gemini/history/*/.git",  # checkpoint repositories Gemini CLI runs git in
    )
)

#: Guarded below HOME outside the agent folders (files an agent reads at its start).
GUARDED_FILES_IN_HOME: tuple[Parts, ...] = _split(
    (
        ".aider.conf.yml",  # aider's settings (commands it runs: lint, test)
        ".aider.model.settings.yml",  # aider's model settings
        ".env",  # loaded into aider's and Gemini CLI's environment at their start
    )
)

#: Codex CLI installs its system skills in ``~/.codex/skills/.system`` at its start (again
#: whenever its marker does not match its version), and nothing tells its writes from a
#: step's. So the folder is guarded but quietly: whatever changed there is put back after
#: each step (kept as evidence) without failing it, and under the sandbox a private empty
#: folder replaces it, where Codex installs its own copy for the command.
QUIET_IN_HOME: tuple[Parts, ...] = _split((".codex/skills/.system",))

#: What git, your shell, ssh or your session read and act on outside the sandbox, below HOME:
#: not the list of what is refused (everything outside :data:`WRITABLE_IN_HOME` is), the
#: places a refusal names as its reason.
PROTECTED_IN_HOME: tuple[Parts, ...] = _split(
    (
        ".gitconfig",
        ".config/git",
        ".ssh",
        ".gnupg",
        ".local/bin",
        ".bashrc",
        ".bash_profile",
        ".bash_login",
        ".bash_logout",
        ".bash_aliases",
        ".profile",
        ".zshrc",
        ".zshenv",
        ".zprofile",
        ".zlogin",
        ".config/fish",
        ".config/systemd",
        ".config/autostart",
        ".config/environment.d",
        ".pam_environment",
        ".xprofile",
        ".xinitrc",
        ".xsessionrc",
    )
)

#: Credentials below HOME that no step needs and a step with network could send away: hidden
#: in every sandbox, and no ``writable`` entry may be, hold or lie inside one.
SECRETS_IN_HOME: tuple[str, ...] = (
    ".ssh",
    ".gnupg",
    ".aws",
    ".azure",
    ".kube",
    ".config/gh",
    ".config/gcloud",
    ".config/git/credentials",
    ".docker/config.json",
    ".git-credentials",
    ".netrc",
    ".pypirc",
    ".password-store",
    ".local/share/keyrings",
)


def _matches(parts: Parts, pattern: Parts) -> bool:
    """Whether ``parts`` is ``pattern`` or lies inside it (glob segments)."""
    return len(parts) >= len(pattern) and all(
        fnmatchcase(part, glob) for part, glob in zip(parts, pattern, strict=False)
    )


def _meets(parts: Parts, pattern: Parts) -> bool:
    """Whether ``parts`` is, holds or lies inside ``pattern``."""
    size = min(len(parts), len(pattern))
    return all(
        fnmatchcase(part, glob) for part, glob in zip(parts[:size], pattern[:size], strict=True)
    )


def is_agent_data(parts: Parts) -> bool:
    """Whether a path (segments below HOME) is an agent's data, writable and not guarded."""
    data = AGENT_DATA.get(parts[0], ()) if parts else ()
    return any(_matches(parts[1:], d) for d in data) and not any(
        _matches(parts, g) for g in AGENT_DATA_GUARDED
    )


def may_hold_guarded(parts: Parts) -> bool:
    """Whether a path (segments below HOME) is, holds or lies inside a guarded path of an
    agent's data (the guard looks into it)."""
    return any(_meets(parts, g) for g in AGENT_DATA_GUARDED)


def is_quiet(parts: Parts) -> bool:
    """Whether a path (segments below HOME) is one the guard puts back without failing."""
    return any(_matches(parts, q) for q in QUIET_IN_HOME)


def secret_met(parts: Parts) -> str | None:
    """The secret (``~/…``) that a folder below HOME is, holds or lies inside, or None."""
    for secret in SECRETS_IN_HOME:
        if _meets(parts, tuple(secret.split("/"))):
            return "~/" + secret
    return None


def home_problem(parts: Parts) -> str | None:
    """Why a folder below HOME (its segments, not empty) must not be writable, or None.

    Allowed: inside :data:`WRITABLE_IN_HOME` (not :data:`NOT_WRITABLE_IN_HOME`), and in an
    agent folder the folder itself or its data. A refusal names the reason when there is a
    known one: what git or a shell reads, a credential the sandbox hides, a folder of
    programs, an agent's settings.
    """
    if parts[0] in AGENT_DATA:
        if len(parts) == 1 or is_agent_data(parts):
            return None
        example = "/".join(AGENT_DATA[parts[0]][0])
        return (
            f"is ~/{'/'.join(parts)}, an agent's settings or instructions (or inside them), "
            "which it acts on outside the sandbox at its next start; in an agent's folder "
            f"only its data is writable (~/{parts[0]} itself, or e.g. ~/{parts[0]}/{example})"
        )
    refused = next((r for r in NOT_WRITABLE_IN_HOME if _meets(parts, r)), None)
    if refused is None and any(_matches(parts, allowed) for allowed in WRITABLE_IN_HOME):
        return None
    for protected in PROTECTED_IN_HOME:
        if _meets(parts, protected):
            return (
                f"would let a step write ~/{'/'.join(protected)}, which git, your shell or "
                "your system reads outside the sandbox (a command could run as you later); "
                + ALLOWED_TEXT
            )
    secret = secret_met(parts)
    if secret is not None:
        return (
            f"would show the sandbox's hidden {secret} (your credentials, which a step "
            "with network could send away); " + ALLOWED_TEXT
        )
    if refused is not None:
        return (
            f"would let a step write ~/{'/'.join(refused)}, which holds programs that run "
            "outside the sandbox later; " + ALLOWED_TEXT
        )
    return (
        "is not a cache or state folder, and the rest of your home is read and acted on "
        "outside the sandbox (start-up files of shells, Python, editors, your session); "
        + ALLOWED_TEXT
    )


#: What the refusals say is allowed below HOME.
ALLOWED_TEXT = "below your home a step may write only " + ", ".join(
    "~/" + "/".join(p).replace("*", "<tool>") for p in WRITABLE_IN_HOME
)
