"""The report site and the rendered notebooks as a reader sees them, in headless Chromium.

Drives the Debian ``chromium`` through ``chromedriver`` (both installed by ``.ci/system-deps.sh``;
nothing is downloaded at run time). The site is built in a temporary reports folder from
fixture results plus, when the main job has written them, the real executed notebooks in
``reports/``, rendered again with the current exporter; it is opened from disk (file://) and from
a static server on 127.0.0.1. Every page — the index, "How we judge" and each notebook's reader and
full version — must load nothing from the network (Chromium's own network log is read), show every
image, and fit a 1400 px wide window without horizontal scrolling. Every page is opened once per way of
opening it (the ``visits`` fixture) and what it showed is recorded for the tests that check it. The index's
screenshot is always taken (a test checks it drew something); with ``--screenshots`` a notebook's two versions
are saved at full size and every page of the survey at half size, to be looked at, in the test's temporary
folder (the path is printed with ``-s``). Without it they are not taken: no test reads them, and they were a
third of the survey's time.
"""

from __future__ import annotations

import base64
import json
import pkgutil
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from talentmarket import paths
from talentmarket.report import site
from talentmarket.report.pages import render_html
from talentmarket.results import registry as claims_registry
from test_claims import FIXTURE_RESULTS
from test_site import write_fixture_notebooks, write_scorecard_and_site

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (CHROMIUM and CHROMEDRIVER),
        reason="headless browser check needs Debian packages chromium and chromium-driver: run .ci/system-deps.sh",
    ),
]
PAGE_LOAD_TIMEOUT_SECONDS = 60
WINDOW_WIDTH = 1400
LOCAL_SCHEMES = ("file", "data", "about", "blob", "chrome", "chrome-extension")
SURVEY_SCALE = 0.5
"""Screenshots of the survey of every page are half size: a quarter of the pixels to draw and encode (a
16,000 px notebook page took 6 s at full size, 2 s at half size under load), still enough to look over a page's
layout; the pages the tests below look at closely are shot at full size."""
ALL_IMAGES_LOADED = "return Array.from(document.images).map(i => [i.getAttribute('src'), i.complete && i.naturalWidth > 0])"
IS_DISPLAYED = pkgutil.get_data("selenium.webdriver.remote", "isDisplayed.js").decode("utf-8")
ROWS_CODE_AND_DISPLAYED = f"const isDisplayed = ({IS_DISPLAYED}); return arguments[0].map(row => [row.querySelector('code').innerText.trim(), isDisplayed(row)])"
"""Each scorecard row's claim id and whether it is displayed, in one request to the browser instead of three per
row: Selenium's own ``isDisplayed`` atom (what ``WebElement.is_displayed`` sends for one element) applied to every
row, and the id's rendered text, trimmed as ``WebElement.text`` is."""
ABSENT_IDS = "return arguments[0].filter(id => document.getElementById(id) === null)"


def _real_executed_notebooks() -> list[Path]:
    """Report folders of notebooks the main job has executed (with results.json and the executed .ipynb)."""
    root = paths.REPO_ROOT / "reports"
    return sorted(folder for folder in root.glob("[0-9][0-9]_*")
                  if (folder / "results.json").is_file() and (folder / f"{folder.name}.ipynb").is_file())


@pytest.fixture(scope="module")
def site_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real executed notebooks (when the main job has run), rendered again with the current exporter,
    and fixture reports for the others (written only when one is missing: the fixtures' figures cost 0.7 s);
    then the scorecard's forest plot and the site built over all of them."""
    root = tmp_path_factory.mktemp("browser") / "reports"
    real = _real_executed_notebooks()
    for folder in real:
        shutil.copytree(folder, root / folder.name, ignore=shutil.ignore_patterns("*.html"))
        render_html(root / folder.name / f"{folder.name}.ipynb", synthetic=False)
    if set(FIXTURE_RESULTS) - {r.name for r in real}:
        fixtures = write_fixture_notebooks(tmp_path_factory.mktemp("fixture") / "reports")
        for folder in sorted(fixtures.iterdir()):
            if folder.name not in {r.name for r in real}:
                shutil.copytree(folder, root / folder.name)
    write_scorecard_and_site(root)
    return root


def _pages(site_root: Path) -> list[Path]:
    """Every HTML page of the site: the index, How we judge, and each notebook's reader and full version."""
    return [site_root / "index.html", site_root / site.METHODS_FILE, *sorted(site_root.glob("[0-9][0-9]_*/*.html"))]


@pytest.fixture(scope="module")
def server_url(site_root: Path) -> Iterator[str]:
    """A static web server on 127.0.0.1 serving the reports folder."""
    handler = partial(_QuietHandler, directory=str(site_root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """Keep the test output free of access-log lines."""


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-background-networking", f"--window-size={WINDOW_WIDTH},1000", "--hide-scrollbars"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(PAGE_LOAD_TIMEOUT_SECONDS)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("screenshots")
    print(f"\nscreenshots: {folder}")
    return folder


@pytest.fixture(scope="module")
def shown_screenshots(request: pytest.FixtureRequest, screenshots: Path) -> Path | None:
    """The screenshots folder when ``--screenshots`` asks for the ones only a person looks at, else ``None``."""
    return screenshots if request.config.getoption("screenshots") else None


def save_full_page(driver: webdriver.Chrome, target: Path, scale: float = 1) -> Path:
    """A screenshot of the whole page height (up to 16,000 px), not only the first screen, ``scale`` times
    the window's size.

    Taken through Chromium's DevTools beyond the viewport, so the window is not resized to the page's height
    and back (each resize lays the whole page out again), with PNG encoding optimised for speed (a larger
    file): together about half the time of a window-sized screenshot on a long notebook page."""
    height = driver.execute_script("return document.documentElement.scrollHeight")
    clip = {"x": 0, "y": 0, "width": WINDOW_WIDTH, "height": min(int(height) + 40, 16000), "scale": scale}
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True,
                                                             "optimizeForSpeed": True, "clip": clip})
    target.write_bytes(base64.b64decode(shot["data"]))
    return target


def open_page(driver: webdriver.Chrome, url: str) -> None:
    """Open ``url`` and fail unless it loaded (Chromium's error pages and the test server's carry these marks).

    Only the first 3,000 characters of the page are fetched: ``driver.page_source`` would send the whole
    document (2 MB for a notebook page with its embedded figures) to be cut."""
    driver.get(url)
    start = driver.execute_script("return document.documentElement.outerHTML.slice(0, 3000)")
    assert "ERR_" not in start and driver.title != "Error response", f"{url} did not load"


def requested_urls(driver: webdriver.Chrome) -> list[str]:
    """Every URL the pages opened since the last call asked the network for (Chromium's performance log)."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def external(urls: list[str], server_url: str) -> list[str]:
    """The URLs that leave the machine: neither local files, data URIs nor the test's own server."""
    own = urlparse(server_url).netloc
    return [url for url in urls if urlparse(url).scheme not in LOCAL_SCHEMES and urlparse(url).netloc != own]


def horizontal_overflow(driver: webdriver.Chrome) -> int:
    """How many pixels the page is wider than the window (0 when it fits)."""
    return int(driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth"))


def page_url(mode: str, page: Path, site_root: Path, server_url: str) -> str:
    """The address of ``page`` opened from disk (``file``) or from the test server (``http``)."""
    return page.as_uri() if mode == "file" else urljoin(server_url, page.relative_to(site_root).as_posix())


def site_url(mode: str, site_root: Path, server_url: str) -> str:
    return page_url(mode, site_root / "index.html", site_root, server_url)


@dataclass(frozen=True)
class Visit:
    """What a page showed when it was opened: the URLs it asked for, its images (``[src, loaded]``) and
    how many pixels it is wider than the window."""

    requested: list[str]
    images: list[list]
    overflow: int


@pytest.fixture(scope="module")
def visits(browser, site_root, server_url, shown_screenshots) -> dict[str, Visit]:
    """Every page of the site opened once from disk and once from the server, by address.

    The network, image and width tests read these records instead of opening the same pages again (each
    opening of a notebook page costs about a second); with ``--screenshots`` the page-by-page survey's
    screenshots are taken from the server's copies."""
    requested_urls(browser)  # drop what earlier tests logged
    seen = {}
    for mode in ("file", "http"):
        for page in _pages(site_root):
            url = page_url(mode, page, site_root, server_url)
            open_page(browser, url)
            seen[url] = Visit(requested_urls(browser), browser.execute_script(ALL_IMAGES_LOADED), horizontal_overflow(browser))
            if mode == "http" and shown_screenshots:
                shot = page.relative_to(site_root).as_posix().replace("/", "__") + ".png"
                save_full_page(browser, shown_screenshots / shot, scale=SURVEY_SCALE)
    return seen


@pytest.mark.parametrize("mode", ["file", "http"])
def test_reader_sees_the_scorecard_with_every_claim(browser, site_root, server_url, screenshots, mode):
    open_page(browser, site_url(mode, site_root, server_url))
    rows = browser.execute_script(ROWS_CODE_AND_DISPLAYED, browser.find_elements(By.CSS_SELECTOR, "#scorecard-table tr.claim-row"))
    assert [code for code, _ in rows] == claims_registry.load_registry()["id"].tolist()
    assert all(displayed for _, displayed in rows)
    assert browser.find_element(By.ID, "summary").text.startswith("Of the essay's 22 claims")
    assert "The AI Talent Market in 2026" in browser.find_element(By.TAG_NAME, "header").text
    assert save_full_page(browser, screenshots / f"index_{mode}.png").stat().st_size > 50_000


@pytest.mark.parametrize("mode", ["file", "http"])
def test_every_image_on_the_site_loads(visits, site_root, server_url, mode):
    images = visits[site_url(mode, site_root, server_url)].images
    assert len(images) >= 3  # the forest plot and at least two notebook thumbnails
    assert [src for src, loaded in images if not loaded] == []


@pytest.mark.parametrize("mode", ["file", "http"])
def test_no_link_on_the_site_is_broken(browser, visits, site_root, server_url, mode):
    start = site_url(mode, site_root, server_url)
    open_page(browser, start)
    hrefs = browser.execute_script("return Array.from(document.links).map(a => a.href)")
    local = [href for href in hrefs if urlparse(href).netloc == urlparse(start).netloc and urlparse(href).scheme == urlparse(start).scheme]
    anchors = sorted({urlparse(href).fragment for href in local if urlparse(href).fragment})
    assert browser.execute_script(ABSENT_IDS, anchors) == []
    pages = sorted({href.split("#")[0] for href in local} - {start})
    assert any(href.endswith("_reader.html") for href in pages)
    for href in pages:
        if href not in visits:  # the pages among them have opened in the survey already
            open_page(browser, href)


def test_reader_version_of_a_rendered_notebook_shows_figures_and_no_code(browser, site_root, server_url, shown_screenshots):
    open_page(browser, urljoin(server_url, "index.html"))
    reader_links = [a.get_attribute("href") for a in browser.find_elements(By.LINK_TEXT, "Read the report (no code)")]
    assert reader_links, "no card links to a reader version"
    open_page(browser, reader_links[0])
    if shown_screenshots:
        save_full_page(browser, shown_screenshots / "notebook_reader.png")
    if _real_executed_notebooks():
        images = browser.execute_script(ALL_IMAGES_LOADED)
        assert images and all(loaded for _, loaded in images), images
        assert browser.find_elements(By.CSS_SELECTOR, ".jp-CodeMirrorEditor") == []
        full = reader_links[0].replace("_reader.html", ".html")
        open_page(browser, full)
        assert browser.find_elements(By.CSS_SELECTOR, ".jp-CodeMirrorEditor"), "the full version shows the code"
        if shown_screenshots:
            save_full_page(browser, shown_screenshots / "notebook_full.png")
    else:
        assert "Reader version" in browser.find_element(By.TAG_NAME, "h1").text


@pytest.mark.parametrize("mode", ["file", "http"])
def test_no_page_loads_anything_from_the_network(visits, site_root, server_url, mode):
    for page in _pages(site_root):
        url = page_url(mode, page, site_root, server_url)
        requested = visits[url].requested
        assert url in requested, f"the network log missed {url} itself"  # the log is read, not empty
        assert external(requested, server_url) == [], f"{page.relative_to(site_root)} loads from the network"


def test_every_page_shows_its_images_and_fits_1400_pixels(visits, site_root, server_url):
    for page in _pages(site_root):
        visit = visits[page_url("http", page, site_root, server_url)]
        name = page.relative_to(site_root).as_posix()
        assert [src[:80] for src, loaded in visit.images if not loaded] == [], f"{name}: broken images"
        assert visit.overflow <= 0, f"{name} is wider than {WINDOW_WIDTH} px"


def test_pages_contain_no_script_tags(site_root):
    with_scripts = [page.relative_to(site_root).as_posix() for page in _pages(site_root) if "<script" in page.read_text(encoding="utf-8")]
    assert with_scripts == []
