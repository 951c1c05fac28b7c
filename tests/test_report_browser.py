"""The run report (``index.html``) in a real browser: it loads, every image loads, and it
renders to a non-blank screenshot. Runs where Debian's chromium + chromedriver and the
``selenium`` package (in the ``test`` extra) are installed; ``.ci/run`` installs the
Debian packages; skipped elsewhere."""

from __future__ import annotations

import shutil

import pytest

import nuexp

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")

pytestmark = pytest.mark.skipif(CHROMIUM is None or CHROMEDRIVER is None,
                                reason="needs Debian's chromium and chromium-driver")


@pytest.fixture(scope="module")
def browser():
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--window-size=1280,2000"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def _images_loaded(driver) -> list[str]:
    """The src of every image that failed to load (empty when all loaded)."""
    return driver.execute_script(
        "return Array.from(document.images)"
        ".filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src);")


def test_run_report_loads_with_every_figure(browser, tmp_path):
    out = tmp_path / "clovers"
    res = nuexp.run("clovers", out=out)
    page = out / "index.html"
    browser.get(page.as_uri())
    assert browser.title == "nuexp run clovers"
    n_images = browser.execute_script("return document.images.length;")
    assert n_images == len(res.figures) > 0
    assert _images_loaded(browser) == []
    rows = browser.execute_script("return document.querySelectorAll('tbody tr').length;")
    assert rows == len(res.quantities)
    shot = tmp_path / "screenshot.png"
    assert browser.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000          # a blank page compresses to far less


def test_missing_figure_is_detected(browser, tmp_path):
    """The check itself can fail: a report whose image file is gone is caught."""
    out = tmp_path / "coherent"
    res = nuexp.run("coherent-csi", out=out)
    (out / res.figures[0]).unlink()
    browser.get((out / "index.html").as_uri())
    assert len(_images_loaded(browser)) == 1


def test_run_all_index_links_every_preset(browser, tmp_path):
    from nuexp.report.html import RunEntry, write_all_index

    out = tmp_path / "all"
    entries = []
    for name in ("clovers", "coherent-csi"):
        entries.append(RunEntry(name, "ok", results=nuexp.run(name, out=out / name)))
    entries.append(RunEntry("dayabay", "skipped", 'pip install "nuexp[dayabay]"'))
    write_all_index(entries, out)
    browser.get((out / "index.html").as_uri())
    links = browser.execute_script(
        "return Array.from(document.querySelectorAll('a')).map(a => a.getAttribute('href'));")
    assert links == ["clovers/index.html", "coherent-csi/index.html"]
    for link in links:
        browser.get((out / link).as_uri())
        assert _images_loaded(browser) == []
