"""A published value is compared only with the run it describes (Task A of the
published-values work; ``Resolved.inapplicable_published`` in
``nuexp/experiments/resolve.py``, ``RunContext.quantity`` in
``nuexp/experiments/context.py``, ``docs/results-contract.md``).

The physics case: a user file extending ``clovers`` with 24 kg of CsI (the preset: 12 kg,
Su et al., CLOVERS proposal, NuFact 2022, Sec. 3) predicts twice the preset's events; the
paper's 303 / 160 events are for 12 kg x 180 d and must not be compared with it.
"""

from __future__ import annotations

import typing
from pathlib import Path

import pytest
from pydantic import BaseModel
from rich.console import Console

import nuexp
from nuexp.exceptions import NuexpError
from nuexp.experiments.context import RunContext
from nuexp.experiments.registry import available_families, available_presets, get_family
from nuexp.experiments.resolve import NON_PHYSICS_FIELDS, resolve
from nuexp.experiments.template import init_text
from nuexp.report.results import Quantity, Results
from nuexp.report.tables import NOT_COMPARED, quantities_table

#: Counts that scale with the target mass at fixed live time (CEvNS family, clovers).
MASS_SCALED = ("cevns_total_events", "signal_events", "background_events")


def _file(tmp_path: Path, body: str, name: str = "mine.toml") -> Path:
    path = tmp_path / name
    path.write_text('schema_version = 2\nextends = "clovers"\n' + body, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def preset() -> Results:
    return nuexp.run("clovers", figures="none")


@pytest.fixture(scope="module")
def heavy(tmp_path_factory) -> Results:
    path = _file(tmp_path_factory.mktemp("heavy"), "[target]\nmass_kg = 24.0\n")
    return nuexp.run(path, figures="none")


def _published(res: Results) -> dict[str, Quantity]:
    return {k: q for k, q in res.quantities.items() if q.published is not None}


def test_double_mass_doubles_the_counts_and_compares_nothing(preset, heavy):
    for key in MASS_SCALED:
        assert heavy[key].value == pytest.approx(2 * preset[key].value, rel=1e-12), key
    assert preset["signal_events"].ratio == pytest.approx(0.992, abs=0.001)   # 158.7 / 160
    shown = _published(heavy)
    # every published value is kept, but the dark-count one, which the family itself
    # leaves out for another exposure than Table 2's 12 kg x 180 d (compare=False)
    assert set(shown) == set(_published(preset)) - {"dark_count_events_model"}
    for key, q in shown.items():
        assert q.published == preset[key].published and q.source == preset[key].source
        assert q.published_applies is False and q.ratio is None and q.reproduced is None
        assert q.note.startswith("published value is for the preset 'clovers'; not "
                                 "compared: this run changes target.mass_kg"), q.note
        record = q.to_dict()
        assert record["published_applies"] is False and "reproduced" not in record
    assert heavy["signal_events"].to_dict()["published"] == 160.0


@pytest.mark.parametrize("width", [1000, 100])       # wide layout, compact layout
def test_terminal_table_shows_a_dash_for_the_ratio(heavy, preset, width):
    def row(res: Results) -> list[str]:
        console = Console(width=width, record=True)
        console.print(quantities_table(res.quantities.values(), "run"))
        text = console.export_text()
        line = next(line for line in text.splitlines() if "signal_events " in line)
        return line.replace("│", " ").split()

    shown, reference = row(heavy), row(preset)
    assert "0.992" in reference and NOT_COMPARED not in reference   # 158.7 / 160
    assert NOT_COMPARED in shown and "160" in shown, shown


def test_unchanged_extension_keeps_every_comparison(tmp_path, preset):
    res = nuexp.run(_file(tmp_path, ""), figures="none")
    assert {k: q.to_dict() for k, q in res.quantities.items()} == \
        {k: q.to_dict() for k, q in preset.quantities.items()}


def test_non_physics_fields_keep_every_comparison(tmp_path, preset):
    path = _file(tmp_path, 'description = "my copy"\n[statistics]\nmap_points = 30\n')
    assert resolve(path).inapplicable_published() == {}
    res = nuexp.run(path, figures="none")
    for key, q in _published(preset).items():
        assert res[key].to_dict() == q.to_dict(), key


def test_restated_value_is_not_a_change(tmp_path):
    path = _file(tmp_path, "[target]\nmass_kg = 12\n[published.signal_events]\n"
                           "value = 160.0\nsource = \"Su et al., CLOVERS proposal (NuFact "
                           "2022), Sec. 4\"\nnote = \"for 12 kg x 180 d\"\nreproduced = true\n")
    assert resolve(path).inapplicable_published() == {}


def test_init_file_changed_in_one_value_compares_nothing(tmp_path):
    """``nuexp init clovers`` restates every field and published table of the preset: that
    restatement does not make the published values the user's own."""
    text = init_text("clovers")
    assert "\nmass_kg = 12.0\n" in text and "[published.signal_events]" in text
    same, heavy = tmp_path / "same.toml", tmp_path / "heavy.toml"
    same.write_text(text, encoding="utf-8")
    heavy.write_text(text.replace("\nmass_kg = 12.0\n", "\nmass_kg = 24.0\n"), encoding="utf-8")
    assert resolve(same).inapplicable_published() == {}
    found = resolve(heavy).inapplicable_published()
    assert set(found) == set(resolve("clovers").config.published)
    assert {why.changed for why in found.values()} == {("target.mass_kg",)}


def test_users_own_published_entry_applies(tmp_path):
    path = _file(tmp_path, "[target]\nmass_kg = 24.0\n[published.signal_events]\n"
                           "value = 320.0\nsource = \"my estimate for 24 kg, Sec. 1\"\n")
    found = resolve(path).inapplicable_published()
    assert "signal_events" not in found and "cevns_total_events" in found
    res = nuexp.run(path, figures="none")
    q = res["signal_events"]
    assert q.published == 320.0 and q.published_applies is None
    assert q.ratio == pytest.approx(q.value / 320.0)
    assert "published_applies" not in q.to_dict()
    assert res["cevns_total_events"].published_applies is False


def test_override_changing_physics_compares_nothing():
    resolved = resolve("clovers", {"source": {"distance_m": 21.0}}, "tweak.toml")
    found = resolved.inapplicable_published()
    assert set(found) == set(resolved.config.published)
    assert found["flux_per_flavour"].note == ("published value is for the preset 'clovers'; "
                                              "not compared: this run changes source.distance_m")


def test_preset_extending_a_preset_owns_its_published_values(tmp_path):
    """juno-design extends juno and writes its own [published] (``_replace``): its values
    describe it; a file changing one core's power after it no longer is described."""
    assert resolve("juno-design").inapplicable_published() == {}
    path = tmp_path / "mine.toml"
    cores = resolve("juno-design").data["cores"]
    lines = ['schema_version = 2', 'extends = "juno-design"']
    for i, core in enumerate(cores):
        power = 3.0 if i == 1 else core["power_gw"]
        lines += ["[[cores]]", f'name = "{core["name"]}"', f"power_gw = {power}",
                  f"baseline_km = {core['baseline_km']}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    found = resolve(path).inapplicable_published()
    assert set(found) == set(resolve("juno-design").config.published)
    why = found["ibd_rate_per_day"]
    assert why.owner.label == "preset 'juno-design'" and why.changed == ("cores[1].power_gw",)


def test_entry_of_a_file_that_a_later_one_completes(tmp_path):
    """A base file without the target mass (valid only once the outer file gives it) owns
    its published entry: the comparison is then made as written, and the mass the outer
    file adds is a change."""
    text = init_text("clovers", as_family=True)
    assert "\nmass_kg = 12.0\n" in text
    (tmp_path / "base.toml").write_text(
        text.replace("\nmass_kg = 12.0\n", "\n") + '[published.signal_events]\nvalue = '
        '160.0\nsource = "Su et al., CLOVERS proposal (NuFact 2022), Sec. 4"\n',
        encoding="utf-8")
    outer = tmp_path / "outer.toml"
    outer.write_text('schema_version = 2\nextends = "base.toml"\n[target]\nmass_kg = 12.0\n',
                     encoding="utf-8")
    why = resolve(outer).inapplicable_published()["signal_events"]
    assert why.owner.label.endswith("base.toml") and why.changed == ("target.mass_kg",)
    assert why.note.startswith(f"published value is for {why.owner.label}; not compared")


@pytest.mark.parametrize("name", sorted(available_presets()))
def test_every_preset_and_its_init_file_keep_their_comparisons(name, tmp_path):
    assert resolve(name).inapplicable_published() == {}
    path = tmp_path / f"{name}-copy.toml"
    path.write_text(init_text(name), encoding="utf-8")
    assert resolve(path).inapplicable_published() == {}


def test_published_entry_is_withheld_from_the_analysis_when_it_does_not_apply(tmp_path):
    """Families compare with ``ctx.published_entry`` in notes and figures (Daya Bay's
    published point, COHERENT's 173 events): it is None for a run it does not describe."""
    resolved = resolve(_file(tmp_path, "[target]\nmass_kg = 24.0\n"))
    ctx = RunContext(Results("x", resolved.config, 1, "0"), None, False,
                     inapplicable=resolved.inapplicable_published())
    assert ctx.published_entry("signal_events") is None
    q = ctx.quantity("signal_events", 317.0, "events")
    assert q.published == 160.0 and q.published_applies is False


def test_quantity_refuses_inconsistent_published_applies():
    with pytest.raises(NuexpError, match=r"'n': published_applies = False without a "
                                         r"published value"):
        Quantity("n", 1.0, "events", published_applies=False)
    with pytest.raises(NuexpError, match=r"'n': reproduced = False for a published value "
                                         r"that does not apply"):
        Quantity("n", 1.0, "events", published=2.0, published_applies=False,
                 reproduced=False)


def _field_paths(model: type[BaseModel], prefix: str = "") -> set[str]:
    paths: set[str] = set()
    for name, info in model.model_fields.items():
        paths.add(prefix + name)
        stack = [info.annotation]
        while stack:
            annotation = stack.pop()
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                paths |= _field_paths(annotation, f"{prefix}{name}.")
            stack.extend(typing.get_args(annotation))
    return paths


def test_non_physics_fields_name_existing_fields():
    """A misspelt entry would silently keep nothing non-physics."""
    known = set().union(*(_field_paths(get_family(f).config) for f in available_families()))
    assert NON_PHYSICS_FIELDS <= known, sorted(NON_PHYSICS_FIELDS - known)
