"""The installed wheel carries everything the engine reads at run time (skills, prompts,
references, examples, YAML) and works outside a checkout."""

import json
import os
import subprocess
import sys
import zipfile

import pytest

from tests.conftest import ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    from hatchling.builders.wheel import WheelBuilder

    out = tmp_path_factory.mktemp("dist")
    (path,) = list(WheelBuilder(str(ROOT)).build(directory=str(out), versions=["standard"]))
    return path


def test_wheel_contains_the_pack(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in ("csuite/_pack/SKILL.md", "csuite/_pack/skills/cro-advisor/SKILL.md",
                     "csuite/_pack/skills/cro-advisor/knowledge.yaml",
                     "csuite/_pack/skills/chief-customer-officer-advisor/knowledge.yaml",
                     "csuite/_pack/skills/cro-advisor/decisions.yaml",
                     "csuite/_pack/skills/chief-customer-officer-advisor/decisions.yaml",
                     "csuite/data/understanding.yaml",
                     "csuite/_pack/prompts/answer_single.j2", "csuite/_pack/references/company-context-template.md",
                     "csuite/_pack/examples/company-context.md", "csuite/_pack/examples/pipeline.csv",
                     "csuite/data/thresholds.yaml", "csuite/data/routing.yaml"):
        assert required in names, required
    assert not any("/tests/" in n or n.startswith("tests/") for n in names)


def test_engine_runs_from_the_unpacked_wheel(wheel, tmp_path):
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    work = tmp_path / "work"
    work.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site), "HOME": str(tmp_path)}
    env.pop("ANTHROPIC_API_KEY", None)
    probe = subprocess.run([sys.executable, "-c", "import csuite.resources as r; print(r.pack_root())"],
                           capture_output=True, text=True, cwd=work, env=env)
    assert probe.returncode == 0 and probe.stdout.strip().endswith(os.path.join("csuite", "_pack"))
    example = site / "csuite" / "_pack" / "examples"
    ask = subprocess.run([sys.executable, "-m", "csuite", "ask", "Will we make the Q4 number?",
                          "--context", str(example / "company-context.md"), "--data", str(example / "pipeline.csv"),
                          "--as-of", "2026-11-23", "--format", "json"],
                         capture_output=True, text=True, cwd=work, env=env)
    assert ask.returncode == 0, ask.stderr
    answer = json.loads(ask.stdout)
    assert answer["role"] == "cro" and answer["tools_run"][0] == "revenue_forecast_model"
    read = subprocess.run([sys.executable, "-c",
                           "import datetime; from csuite.understand import understand, load_catalogue; "
                           "u = understand('Should we hire 4 AEs?', as_of=datetime.date(2026, 10, 1)); "
                           "print(len(load_catalogue().decisions), u.decision, u.counts[0].of)"],
                          capture_output=True, text=True, cwd=work, env=env)
    assert read.returncode == 0 and read.stdout.split() == ["25", "hire_reps", "AE"], read.stderr
    init = subprocess.run([sys.executable, "-m", "csuite", "context", "init", "company-context.md"],
                          capture_output=True, text=True, cwd=work, env=env)
    assert init.returncode == 0 and "Revenue & Customer Metrics" in (work / "company-context.md").read_text()
