"""The pack's skills as installable units: find them, list their files, zip them, install them.

Three skills ship in this pack: the root `SKILL.md` (the entry skill, named in its frontmatter)
and each `skills/<name>/`. A role skill is its whole folder. The root skill sits in the pack's
top folder beside the engine, tests and data, so it is *not* the whole folder: it is SKILL.md
plus every file it links, followed link by link, so the copy a host receives resolves each of
its links without carrying the engine along.

The same file list feeds `csuite package` (one zip per skill, for claude.ai upload), `csuite
install` (copy or link into the folder a host scans) and the MCP server's `skill://` resources.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Literal

from csuite.errors import InputError, UsageError
from csuite.io.files import atomic_write_bytes
from csuite.pack.check import (
    ALLOWED_KEYS,
    FrontmatterError,
    relative_links,
    split_frontmatter,
)
from csuite.resources import pack_root

Target = Literal["claude", "agents", "codex", "gemini"]

# Where each host looks for user-level skills (see docs/integrations.md). Codex reads the shared
# ~/.agents/skills folder, so `codex` and `agents` install to the same place.
TARGET_DIRS: dict[str, tuple[str, ...]] = {
    "claude": (".claude", "skills"),
    "agents": (".agents", "skills"),
    "codex": (".agents", "skills"),
    "gemini": (".gemini", "skills"),
}

_SKIP_NAMES = {"__pycache__", ".DS_Store", ".git", ".pytest_cache"}
_SKIP_SUFFIXES = (".pyc", ".pyo")
# Installed skills and built zips are readable by everyone, like any package install, whatever the
# user's umask (mkdtemp and mkstemp would otherwise leave them private to the owner).
DIR_MODE = 0o755
FILE_MODE = 0o644
# 1980-01-01: the earliest zip timestamp; fixed so the same skill always zips to the same bytes.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Skill:
    name: str
    source: Path              # the folder the skill's files are read from
    root: bool                # the pack's entry skill (source is the whole pack folder)
    files: tuple[str, ...] = field(default=())  # posix paths relative to source, SKILL.md first

    def path(self, relative: str) -> Path:
        return self.source.joinpath(*PurePosixPath(relative).parts)


def skill_name(folder: Path) -> str:
    """The `name` in a folder's SKILL.md frontmatter (the folder name if it cannot be read)."""
    try:
        doc = split_frontmatter((folder / "SKILL.md").read_text(encoding="utf-8"))
        name = doc.frontmatter.get("name")
        return name if isinstance(name, str) and name else folder.name
    except (OSError, UnicodeDecodeError, FrontmatterError):
        return folder.name


def _wanted(path: Path) -> bool:
    return not any(part in _SKIP_NAMES or part.startswith(".") for part in path.parts) \
        and not path.name.endswith(_SKIP_SUFFIXES)


def _folder_files(folder: Path) -> list[str]:
    files = [p.relative_to(folder).as_posix() for p in folder.rglob("*")
             if p.is_file() and _wanted(p.relative_to(folder))]
    return sorted(files, key=lambda f: (f != "SKILL.md", f))


def linked_files(root: Path, start: str = "SKILL.md") -> list[str]:
    """`start` and every file reachable from it through relative markdown links, inside `root`."""
    seen: list[str] = []
    queue = [start]
    root = root.resolve()
    while queue:
        rel = queue.pop(0)
        if rel in seen:
            continue
        path = root / rel
        if path.is_dir():
            queue.extend(f"{rel}/{f}" for f in _folder_files(path))
            continue
        if not path.is_file() or not _wanted(Path(rel)):
            continue
        seen.append(rel)
        if path.suffix.lower() != ".md":
            continue
        base = PurePosixPath(rel).parent
        for target, _line in relative_links(path.read_text(encoding="utf-8", errors="replace")):
            resolved = (root / base.as_posix() / target).resolve()
            try:
                queue.append(resolved.relative_to(root).as_posix())
            except ValueError:  # outside the pack: a host could not follow it either
                continue
    return sorted(seen, key=lambda f: (f != start, f))


def pack_skills(root: Path | None = None) -> list[Skill]:
    """The root skill, then each `skills/<name>/` skill, with their file lists."""
    root = (root or pack_root()).resolve()
    skills: list[Skill] = []
    if (root / "SKILL.md").is_file():
        skills.append(Skill(skill_name(root), root, True, tuple(linked_files(root))))
    skills_dir = root / "skills"
    if skills_dir.is_dir():
        for folder in sorted(p for p in skills_dir.iterdir() if (p / "SKILL.md").is_file()):
            skills.append(Skill(folder.name, folder, False, tuple(_folder_files(folder))))
    return skills


def spec_frontmatter_only(text: str) -> tuple[str, list[str]]:
    """SKILL.md text with top-level frontmatter keys outside the spec removed, and their names.

    Line-based, so the kept keys stay byte-for-byte as written (quoting, comments, order).
    """
    try:
        doc = split_frontmatter(text)
    except FrontmatterError:
        return text, []
    dropped = [k for k in doc.frontmatter if k not in ALLOWED_KEYS]
    if not dropped:
        return text, []
    kept: list[str] = []
    skipping = False
    for line in doc.frontmatter_text.splitlines(keepends=True):
        top = line[:1] not in (" ", "\t", "\n", "\r", "#", "") and ":" in line
        if top:
            skipping = line.split(":", 1)[0].strip().strip("'\"") in dropped
        if not skipping:
            kept.append(line)
    newline = "\r\n" if text.startswith("---\r\n") else "\n"
    return f"---{newline}{''.join(kept)}---{newline}{doc.body}", dropped


def file_bytes(skill: Skill, relative: str) -> bytes:
    """A skill file as shipped: SKILL.md with spec frontmatter keys only, other files as they are."""
    data = skill.path(relative).read_bytes()
    if relative == "SKILL.md":
        text, _ = spec_frontmatter_only(data.decode("utf-8"))
        return text.encode("utf-8")
    return data


def dropped_keys(skill: Skill) -> list[str]:
    return spec_frontmatter_only(skill.path("SKILL.md").read_text(encoding="utf-8"))[1]


# ---------------------------------------------------------------------------------------- zip

def zip_bytes(skill: Skill) -> bytes:
    """The skill as a zip: one folder named after the skill at the zip root (what claude.ai wants)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for relative in skill.files:
            info = zipfile.ZipInfo(f"{skill.name}/{relative}", date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = FILE_MODE << 16
            archive.writestr(info, file_bytes(skill, relative))
    return buffer.getvalue()


def build_zips(out_dir: Path, skills: list[Skill] | None = None) -> list[Path]:
    """Write `<out>/<skill>.zip` for every skill (replacing older builds atomically)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for skill in skills if skills is not None else pack_skills():
        target = out_dir / f"{skill.name}.zip"
        atomic_write_bytes(target, zip_bytes(skill), overwrite=True, backup=False)  # a build output
        os.chmod(target, FILE_MODE)
        written.append(target)
    return written


# ------------------------------------------------------------------------------------ install

@dataclass(frozen=True)
class InstallAction:
    skill: str
    path: Path
    action: Literal["installed", "replaced", "unchanged"]
    mode: Literal["copy", "link"]


def target_dir(target: str, directory: str | Path | None = None) -> Path:
    if target not in TARGET_DIRS:
        raise UsageError(f"unknown target '{target}' (choose from {', '.join(TARGET_DIRS)})")
    if directory is not None:
        return Path(directory).expanduser()
    return Path.home().joinpath(*TARGET_DIRS[target])


def _tree(folder: Path) -> dict[str, bytes] | None:
    """Every file under a real folder with its bytes; None when it is not a plain folder."""
    if folder.is_symlink() or not folder.is_dir():
        return None
    tree = {}
    for path in folder.rglob("*"):
        if path.is_symlink():
            return None
        if path.is_file():
            tree[path.relative_to(folder).as_posix()] = path.read_bytes()
    return tree


def _link_source(skill: Skill) -> Path:
    return skill.source.resolve()


def _same(skill: Skill, dest: Path, link: bool) -> bool:
    if link:
        return dest.is_symlink() and dest.resolve() == _link_source(skill)
    existing = _tree(dest)
    return existing is not None and existing == {f: file_bytes(skill, f) for f in skill.files}


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        shutil.rmtree(path)


def make_readable(folder: Path) -> None:
    """Folders 0755 and files 0644 under a copied skill, whatever the umask was when written."""
    os.chmod(folder, DIR_MODE)
    for path in folder.rglob("*"):
        if not path.is_symlink():
            os.chmod(path, DIR_MODE if path.is_dir() else FILE_MODE)


def _stage(skill: Skill, parent: Path, link: bool) -> Path:
    """Build the new copy (or link) beside its destination, so the switch is one rename."""
    staged = Path(tempfile.mkdtemp(prefix=f".{skill.name}.csuite-", dir=parent))
    if link:
        staged.rmdir()
        staged.symlink_to(_link_source(skill), target_is_directory=True)
        return staged
    try:
        for relative in skill.files:
            dest = staged.joinpath(*PurePosixPath(relative).parts)
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(file_bytes(skill, relative))
        make_readable(staged)
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    return staged


def install(target: str, *, directory: str | Path | None = None, link: bool = False,
            force: bool = False, skills: list[Skill] | None = None) -> list[InstallAction]:
    """Copy (or symlink) every skill into the folder a host scans.

    Checks every destination first and changes nothing if one holds a different skill and
    `force` is off; an identical copy is left alone. Each skill is switched in with a rename, so
    a host never sees a half-written skill, and a replaced skill is removed only after its
    replacement is in place.
    """
    parent = target_dir(target, directory)
    skills = skills if skills is not None else pack_skills()
    if not skills:
        raise UsageError("no skills found in this pack")
    plan = []
    for skill in skills:
        dest = parent / skill.name
        exists = dest.exists() or dest.is_symlink()
        if exists and _same(skill, dest, link):
            plan.append((skill, dest, "unchanged"))
        elif exists and not force:
            raise InputError("a different skill is already installed there; pass --force to replace it",
                             file=dest)
        else:
            plan.append((skill, dest, "replaced" if exists else "installed"))
    parent.mkdir(parents=True, exist_ok=True)
    actions = []
    for skill, dest, action in plan:
        if action == "unchanged" and not link:
            make_readable(dest)  # an identical copy left private by an older version becomes readable
        if action != "unchanged":
            staged = _stage(skill, parent, link)
            if action == "replaced":
                old = parent / f".{skill.name}.csuite-old-{os.getpid()}"
                _remove(old)
                os.rename(dest, old)
                os.rename(staged, dest)
                _remove(old)
            else:
                os.rename(staged, dest)
        actions.append(InstallAction(skill.name, dest, action, "link" if link else "copy"))
    return actions
