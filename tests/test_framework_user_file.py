"""A user's own experiment (issue #14, "Done when"): a TOML in a temporary folder that
extends the clovers preset with another mass, distance and threshold, run with
`nuexp run FILE --out DIR`; the counts scale as the physics says."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import nuexp

MASS_KG, DISTANCE_M = 12.0, 10.5        # the clovers preset (CLOVERS 2023, Sec. 2.1, 3)


def _run(target, out: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(Path(nuexp.__file__).parents[1])}
    done = subprocess.run([sys.executable, "-m", "nuexp.cli", "run", str(target), "--out",
                           str(out), "--json"], capture_output=True, text=True, env=env,
                          check=False)
    assert done.returncode == 0, done.stderr
    return json.loads((out / "results.json").read_text())


def _values(result: dict) -> dict[str, float]:
    return {k: q["value"] for k, q in result["quantities"].items()}


@pytest.mark.slow
def test_user_file_extending_clovers_scales_with_mass_distance_and_threshold(tmp_path):
    mass, distance = 30.0, 21.0
    farther = tmp_path / "farther.toml"
    farther.write_text(f"""
schema_version = 2
extends = "clovers"
description = "30 kg CsI at 21 m"
[target]
mass_kg = {mass}
[source]
distance_m = {distance}
""")
    higher = tmp_path / "higher-threshold.toml"
    higher.write_text("""
schema_version = 2
extends = "farther.toml"
[response.bins]
low = 10
""")
    far = _run(farther, tmp_path / "far")
    high = _run(higher, tmp_path / "high")
    assert far["experiment"] == "farther" and high["experiment"] == "higher-threshold"
    assert far["config"]["target"]["mass_kg"] == mass
    assert high["config"]["source"]["distance_m"] == distance       # inherited two levels
    assert high["config"]["response"]["bins"]["low"] == 10
    r = {k: q.value for k, q in nuexp.run("clovers").quantities.items()}   # the preset
    f, h = _values(far), _values(high)

    # flux ∝ 1/L²; interactions ∝ target mass × flux (same spectrum, same live time)
    assert f["flux_per_flavour"] / r["flux_per_flavour"] == pytest.approx(
        (DISTANCE_M / distance) ** 2, rel=1e-12)
    scale = (mass / MASS_KG) * (DISTANCE_M / distance) ** 2
    for key in ("cevns_total_events", "signal_events"):
        assert f[key] / r[key] == pytest.approx(scale, rel=1e-9), key

    # a higher NPE threshold keeps fewer signal events, and leaves the interactions alone
    assert h["cevns_total_events"] == pytest.approx(f["cevns_total_events"], rel=1e-12)
    assert h["signal_events"] < f["signal_events"]
    assert h["threshold_nr"] > f["threshold_nr"]
