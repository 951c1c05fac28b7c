"""docs/not-reproduced.md (issue 22) is generated from the presets and never stale."""

from pathlib import Path

import pytest

from nuexp.experiments.not_reproduced import main, render
from nuexp.experiments.registry import available_presets, resolve_config

PAGE = Path(__file__).resolve().parents[1] / "docs" / "not-reproduced.md"


def test_checked_in_page_is_not_stale():
    assert PAGE.read_text(encoding="utf-8") == render(), (
        "run: python -m nuexp.experiments.not_reproduced")


def test_check_mode_fails_on_a_stale_page(tmp_path):
    stale = tmp_path / "page.md"
    stale.write_text("old\n", encoding="utf-8")
    assert main(["--out", str(stale), "--check"]) == 1
    assert main(["--out", str(stale)]) == 0 and main(["--out", str(stale), "--check"]) == 0


@pytest.mark.parametrize("name, key", [("jsns2-flux", "significance"),
                                       ("jsns2-flux", "cross_section"),
                                       ("relics", "signal_events_paper_power")])
def test_known_non_reproducible_numbers_are_listed_with_a_reason(name, key):
    _module, config = resolve_config(name, None, "preset")
    entry = config.published[key]
    assert entry.reproduced is False and entry.note
    assert f"| `{name}` | `{key}` |" in render()


def test_every_not_reproduced_entry_says_why():
    for name in available_presets():
        _module, config = resolve_config(name, None, "preset")
        for key, entry in config.published.items():
            assert entry.reproduced or entry.note, f"{name}: published.{key} gives no reason"
