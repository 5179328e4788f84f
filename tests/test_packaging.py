"""`csuite package`, `csuite install`, `csuite validate` and the shared skill checks.

The zips must import into a fresh folder and pass `agentskills validate` (skills-ref, the spec's
reference validator); installs must never clobber a different skill; the checks must catch what
hosts reject. Synthetic packs in tmp_path pin the rules; the real pack is checked as it stands.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT

from csuite.pack.bundle import (
    build_zips,
    install,
    pack_skills,
    spec_frontmatter_only,
    target_dir,
    zip_bytes,
)
from csuite.pack.check import (
    ALLOWED_KEYS,
    check_skill,
    relative_links,
    split_frontmatter,
)

ROLE_SKILLS = ("cro-advisor", "chief-customer-officer-advisor")
ROOT_SKILL = "csuite-advisors"


def agentskills_validate(folder: Path) -> subprocess.CompletedProcess:
    """The skills-ref CLI, one path per call (it refuses several)."""
    exe = shutil.which("agentskills")
    cmd = [exe] if exe else [sys.executable, "-m", "skills_ref.cli"]
    return subprocess.run([*cmd, "validate", str(folder)], capture_output=True, text=True)


def write_skill(folder: Path, frontmatter: str, body: str = "# Skill\n\nDo the thing.\n",
                files: dict[str, str] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "SKILL.md").write_text(f"---\n{frontmatter}---\n{body}", encoding="utf-8")
    for relative, text in (files or {}).items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def mini_pack(tmp_path) -> Path:
    """A pack laid out like ours: a root SKILL.md that links references, plus two role skills."""
    pack = tmp_path / "checkout-folder"
    write_skill(pack, "name: mini-pack\ndescription: A test pack. Use when testing.\nversion: 1.0\n"
                "argument-hint: question\nhooks:\n  pre: value\nlicense: MIT\n",
                body="# Mini\n\nSee [protocol](references/protocol.md) and [role](skills/role-a/SKILL.md).\n"
                     "Not a link: `[x](references/missing.md)`.\n",
                files={"references/protocol.md": "Depth: [more](deeper.md)\n",
                       "references/deeper.md": "the end\n",
                       "references/unlinked.md": "never shipped\n",
                       "csuite/engine.py": "print('engine')\n",
                       "tests/test_x.py": "\n"})
    write_skill(pack / "skills" / "role-a", "name: role-a\ndescription: Role A. Use for A.\n",
                files={"references/a.md": "A\n", "__pycache__/x.pyc": "junk"})
    write_skill(pack / "skills" / "role-b", "name: role-b\ndescription: Role B. Use for B.\n")
    return pack


# ------------------------------------------------------------------------------ skill discovery

def test_mini_pack_files(mini_pack):
    skills = {s.name: s for s in pack_skills(mini_pack)}
    assert list(skills) == ["mini-pack", "role-a", "role-b"]
    root = skills["mini-pack"]
    assert root.root and root.files[0] == "SKILL.md"
    # The root ships SKILL.md and everything reachable through links, nothing else of the checkout.
    assert set(root.files) == {"SKILL.md", "references/protocol.md", "references/deeper.md",
                               "skills/role-a/SKILL.md"}
    assert skills["role-a"].files == ("SKILL.md", "references/a.md")  # no __pycache__


def test_real_pack_has_the_three_skills():
    names = [s.name for s in pack_skills()]
    assert names[0] == ROOT_SKILL
    assert set(ROLE_SKILLS) <= set(names)


def test_spec_frontmatter_only_drops_foreign_keys_and_keeps_the_rest_verbatim():
    text = ("---\nname: x\ndescription: \"Quoted: kept\"\nversion: 1.0\nhooks:\n  pre: y\n"
            "metadata:\n  author: \"me\"\n---\nBody $ stays\n")
    cleaned, dropped = spec_frontmatter_only(text)
    assert dropped == ["version", "hooks"]
    assert cleaned == "---\nname: x\ndescription: \"Quoted: kept\"\nmetadata:\n  author: \"me\"\n---\nBody $ stays\n"
    assert spec_frontmatter_only(cleaned) == (cleaned, [])


# ------------------------------------------------------------------------------------- zips

def _extract(zip_path: Path, into: Path) -> list[str]:
    with zipfile.ZipFile(zip_path) as archive:
        names = archive.namelist()
        archive.extractall(into)
    return names


def test_mini_pack_zips_extract_and_validate(mini_pack, tmp_path):
    zips = build_zips(tmp_path / "out", pack_skills(mini_pack))
    assert [z.name for z in zips] == ["mini-pack.zip", "role-a.zip", "role-b.zip"]
    for zip_path in zips:
        name = zip_path.stem
        fresh = tmp_path / "fresh" / name
        entries = _extract(zip_path, fresh)
        assert all(e.startswith(f"{name}/") for e in entries), entries   # one folder, named as the skill
        doc = split_frontmatter((fresh / name / "SKILL.md").read_text(encoding="utf-8"))
        assert set(doc.frontmatter) <= set(ALLOWED_KEYS)
        result = agentskills_validate(fresh / name)
        assert result.returncode == 0, result.stderr
        assert check_skill(fresh / name) == []
    root_entries = _extract(tmp_path / "out" / "mini-pack.zip", tmp_path / "again")
    assert "mini-pack/references/unlinked.md" not in root_entries
    assert "mini-pack/csuite/engine.py" not in root_entries


def test_zips_are_reproducible(mini_pack):
    skill = pack_skills(mini_pack)[0]
    assert zip_bytes(skill) == zip_bytes(skill)


def test_real_pack_zips_import_into_a_fresh_folder_and_pass_agentskills_validate(tmp_path):
    zips = build_zips(tmp_path / "zips")
    assert {z.stem for z in zips} >= {ROOT_SKILL, *ROLE_SKILLS}
    for zip_path in zips:
        fresh = tmp_path / "import" / zip_path.stem
        entries = _extract(zip_path, fresh)
        assert {e.split("/", 1)[0] for e in entries} == {zip_path.stem}
        folder = fresh / zip_path.stem
        result = agentskills_validate(folder)
        assert result.returncode == 0, f"{zip_path.name}: {result.stderr}"
        doc = split_frontmatter((folder / "SKILL.md").read_text(encoding="utf-8"))
        assert set(doc.frontmatter) <= set(ALLOWED_KEYS)
        # Every link in the shipped SKILL.md resolves inside the zip.
        for target, _ in relative_links(doc.body):
            assert (folder / target).exists(), f"{zip_path.name}: {target}"


def test_package_command(run_cli, tmp_path):
    result = run_cli("package", "--out", tmp_path / "dist")
    assert result.code == 0, result.err
    written = [Path(line) for line in result.out.splitlines()]
    assert {p.name for p in written} >= {f"{ROOT_SKILL}.zip", *(f"{n}.zip" for n in ROLE_SKILLS)}
    assert all(p.is_file() for p in written)


def test_package_refuses_an_invalid_pack(run_cli, tmp_path, monkeypatch, mini_pack):
    (mini_pack / "skills" / "role-b" / "SKILL.md").write_text("no frontmatter\n", encoding="utf-8")
    monkeypatch.setattr("csuite.pack.bundle.pack_root", lambda: mini_pack)
    result = run_cli("package", "--out", tmp_path / "dist")
    assert result.code == 2
    assert "must start with a '---' line" in result.err
    assert "Traceback" not in result.err
    assert not (tmp_path / "dist").exists()


# ------------------------------------------------------------------------------------ install

@pytest.mark.parametrize("target", ["claude", "agents", "codex", "gemini"])
def test_install_into_each_target(run_cli, tmp_path, monkeypatch, target):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    expected = {"claude": ".claude/skills", "agents": ".agents/skills", "codex": ".agents/skills",
                "gemini": ".gemini/skills"}[target]
    assert target_dir(target) == tmp_path / "home" / expected
    result = run_cli("install", "--target", target)
    assert result.code == 0, result.err
    installed = tmp_path / "home" / expected
    for name in (ROOT_SKILL, *ROLE_SKILLS):
        assert (installed / name / "SKILL.md").is_file()
        assert agentskills_validate(installed / name).returncode == 0
    assert "installed" in result.out
    again = run_cli("install", "--target", target)
    assert again.code == 0 and "unchanged" in again.out and "installed " not in again.out


def test_install_dir_never_overwrites_a_different_skill(run_cli, tmp_path):
    dest = tmp_path / "skills"
    assert run_cli("install", "--target", "claude", "--dir", dest).code == 0
    mine = dest / "cro-advisor" / "SKILL.md"
    mine.write_text(mine.read_text(encoding="utf-8") + "\nMy own edit.\n", encoding="utf-8")
    before = {p: p.read_bytes() for p in dest.rglob("*") if p.is_file()}

    refused = run_cli("install", "--target", "claude", "--dir", dest)
    assert refused.code == 2
    assert len(refused.err.strip().splitlines()) == 1 and "--force" in refused.err
    assert str(dest / "cro-advisor") in refused.err
    assert {p: p.read_bytes() for p in dest.rglob("*") if p.is_file()} == before  # nothing touched

    forced = run_cli("install", "--target", "claude", "--dir", dest, "--force")
    assert forced.code == 0, forced.err
    assert "My own edit." not in mine.read_text(encoding="utf-8")
    assert "replaced" in forced.out
    assert not [p for p in dest.iterdir() if p.name.startswith(".")]  # no staging left behind


def test_install_link(run_cli, tmp_path):
    dest = tmp_path / "skills"
    result = run_cli("install", "--target", "agents", "--dir", dest, "--link")
    assert result.code == 0, result.err
    link = dest / "cro-advisor"
    assert link.is_symlink() and link.resolve() == (ROOT / "skills" / "cro-advisor").resolve()
    assert (dest / ROOT_SKILL / "SKILL.md").resolve() == (ROOT / "SKILL.md").resolve()
    assert "unchanged" in run_cli("install", "--target", "agents", "--dir", dest, "--link").out
    # A copy is a different install from a link: refused without --force.
    assert run_cli("install", "--target", "agents", "--dir", dest).code == 2
    assert run_cli("install", "--target", "agents", "--dir", dest, "--force").code == 0
    assert not link.is_symlink() and (link / "SKILL.md").is_file()


def test_install_checks_every_skill_before_changing_any(mini_pack, tmp_path):
    skills = pack_skills(mini_pack)
    dest = tmp_path / "skills"
    (dest / "role-b").mkdir(parents=True)
    (dest / "role-b" / "SKILL.md").write_text("someone else's\n", encoding="utf-8")
    from csuite.errors import InputError

    with pytest.raises(InputError):
        install("claude", directory=dest, skills=skills)
    assert sorted(p.name for p in dest.iterdir()) == ["role-b"]   # mini-pack, role-a not installed


def test_install_unknown_target_is_a_usage_error(run_cli, tmp_path):
    result = run_cli("install", "--target", "cursor", "--dir", tmp_path)
    assert result.code == 2 and "Traceback" not in result.err


# ----------------------------------------------------------------------------------- validate

def test_validate_the_real_pack(run_cli):
    result = run_cli("validate")
    assert result.code == 0, result.err
    assert "3 skill(s) checked: valid" in result.out or "skill(s) checked: valid" in result.out


def test_validate_json(run_cli):
    import json

    result = run_cli("validate", "--json")
    payload = json.loads(result.out)
    assert set(payload) == {"checked", "valid", "problems"}
    assert ROOT_SKILL in payload["checked"]


def test_validate_reports_every_rule(run_cli, tmp_path):
    long_body = "line\n" * 501 + "Costs $1M a year.\nSee [gone](references/gone.md) and [Case](references/A.md).\n"
    folder = write_skill(
        tmp_path / "bad-skill",
        "name: other-name\ndescription: " + "x" * 1025 + "\nversion: 1.0\n",
        body=long_body, files={"references/a.md": "a\n"})
    result = run_cli("validate", folder)
    assert result.code == 2
    err = result.err
    assert "unexpected frontmatter key(s) version" in err
    assert "must equal its folder name 'bad-skill'" in err
    assert "description is 1025 characters" in err
    assert "body is 503 lines" in err
    assert "'$' followed by a digit" in err and "SKILL.md:507" in err
    assert "'references/gone.md' does not exist" in err
    assert "'references/A.md' does not exist" in err     # case must match
    assert "Traceback" not in err


@pytest.mark.parametrize("text, message", [
    ("\ufeff---\nname: s\ndescription: d\n---\n", "BOM"),
    ("# no frontmatter\n", "must start with a '---' line"),
    ("---\nname: s\ndescription: d\n", "not closed"),
    ("---\nname: s\ndescription: CRO --- advisor\n---\n", "'---' inside the frontmatter"),
    ("---\nname: s\ndescription: d\nmetadata: {a: b}\n---\n", "flow-style"),
    ("---\nname: s\ndescription: d\nmetadata:\n  version: 1.0\n---\n", "metadata 'version' must be a string"),
    ("---\nname: S_kill\ndescription: d\n---\n", "lowercase letters"),
    ("---\nname: s\ndescription: use <b>me</b>\n---\n", "'<' or '>'"),
    ("---\nname: claude-helper\ndescription: d\n---\n", "reserved word 'claude'"),
])
def test_skillcheck_rules(tmp_path, text, message):
    name = "claude-helper" if "claude-helper" in text else "S_kill" if "S_kill" in text else "s"
    folder = tmp_path / name
    folder.mkdir()
    (folder / "SKILL.md").write_text(text, encoding="utf-8")
    problems = check_skill(folder)
    assert any(message in str(p) for p in problems), problems


@pytest.mark.parametrize("frontmatter", [
    "name: ok-skill\ndescription: Fine. Use when fine.\n",
    "name: ok-skill\ndescription: Fine.\nlicense: MIT\nmetadata:\n  version: \"1.0\"\n",
    "name: ok-skill\ndescription: Fine.\nauthor: me\n",
    "name: Ok-Skill\ndescription: Fine.\n",
    "name: ok-skill\ndescription: \"" + "d" * 1025 + "\"\n",
    "name: ok--skill\ndescription: Fine.\n",
])
def test_skillcheck_agrees_with_skills_ref(tmp_path, frontmatter):
    folder = write_skill(tmp_path / "ok-skill", frontmatter)
    ours = [p for p in check_skill(folder) if "reserved" not in p.message]
    theirs = agentskills_validate(folder)
    assert (ours == []) == (theirs.returncode == 0), (ours, theirs.stderr)


def test_validate_root_skill_folder_name_is_not_required_to_match(tmp_path):
    # The checkout folder of the root skill can have any name (e.g. "main").
    folder = write_skill(tmp_path / "main", "name: csuite-advisors\ndescription: Root. Use always.\n")
    assert check_skill(folder, check_folder_name=False, expected_name="csuite-advisors") == []
    assert any("folder name" in p.message for p in check_skill(folder))


def test_skill_bodies_have_no_dollar_digit():
    # Also covered by `csuite validate`; stated on its own because it breaks silently in Claude Code.
    for skill in pack_skills():
        text = (skill.source / "SKILL.md").read_text(encoding="utf-8")
        assert not [line for line in text.splitlines() if __import__("re").search(r"\$\d", line)], skill.name


def test_python_m_csuite_package_in_a_subprocess(tmp_path):
    result = subprocess.run([sys.executable, "-m", "csuite", "package", "--out", str(tmp_path)],
                            capture_output=True, text=True, cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr
    assert (tmp_path / f"{ROOT_SKILL}.zip").is_file()


# ------------------------------------------------------------------------- readable installs

def _modes(root: Path) -> dict[str, set[int]]:
    """Permission bits of every folder and file under root (root included)."""
    import stat

    found: dict[str, set[int]] = {"dirs": {stat.S_IMODE(root.stat().st_mode)}, "files": set()}
    for path in root.rglob("*"):
        found["dirs" if path.is_dir() else "files"].add(stat.S_IMODE(path.stat().st_mode))
    return found


def test_installed_skills_and_zips_are_readable_whatever_the_umask(tmp_path):
    """A private umask (077) used to leave skills drwx------ and zips -rw-------; a host running
    as another user, or a teammate, could not read them. Run through the real command line."""
    code = ("import os, sys; os.umask(0o077)\n"
            "from csuite.cli import main\n"
            "sys.exit(main(sys.argv[1:]))\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    skills_dir, dist = tmp_path / "skills", tmp_path / "dist"
    for argv in (["install", "--target", "claude", "--dir", str(skills_dir)],
                 ["package", "--out", str(dist)]):
        result = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True,
                                cwd=ROOT, env=env)
        assert result.returncode == 0, result.stderr
    for skill in pack_skills():
        assert _modes(skills_dir / skill.name) == {"dirs": {0o755}, "files": {0o644}}, skill.name
    zips = list(dist.glob("*.zip"))
    assert len(zips) == len(pack_skills())
    assert {os.stat(z).st_mode & 0o777 for z in zips} == {0o644}


def test_reinstall_makes_an_old_private_copy_readable(run_cli, tmp_path):
    dest = tmp_path / "skills"
    assert run_cli("install", "--target", "agents", "--dir", dest).code == 0
    skill = pack_skills()[0]
    for path in [dest / skill.name, *(dest / skill.name).rglob("*")]:
        os.chmod(path, 0o700 if path.is_dir() else 0o600)
    again = run_cli("install", "--target", "agents", "--dir", dest)
    assert again.code == 0 and "unchanged" in again.out
    assert _modes(dest / skill.name) == {"dirs": {0o755}, "files": {0o644}}
