"""What a student sees, in a real browser: JupyterLab driven by headless Chromium (Playwright).

A lecture's slider redraws its figure; an exercise shows one ✗ line for a wrong answer and ✓ lines for a
right one, with no traceback; JupyterLab shows no grading tools. (The slide decks: tests/test_slides.py.)

Needs Playwright for Python and a system Chromium (`apt install chromium`; Playwright's own browser
download does not work offline). Without them the test is skipped and says why. Screenshots go to the
test's tmp folder, or to $NNLIB_SCREENSHOTS when set.
"""
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = next((p for p in ("/usr/bin/chromium", "/usr/bin/chromium-browser") if os.path.exists(p)), None)
LECTURE, EXERCISE = "01_linear_regression.ipynb", "01_linear_regression.ipynb"
WRONG = 'def predict(X, w, b):\n    """X: (N, D), w: (D,), b: float -> predictions (N,)."""\n    return X @ w'
RIGHT = 'def predict(X, w, b):\n    """X: (N, D), w: (D,), b: float -> predictions (N,)."""\n    return X @ w + b'

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(CHROMIUM is None, reason="no system Chromium (apt install chromium) for Playwright")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab serving copies of one lecture and one exercise; yields its base URL with the token."""
    folder = tmp_path_factory.mktemp("lab")
    shutil.copy(ROOT / "lectures" / LECTURE, folder / "lecture.ipynb")
    shutil.copy(ROOT / "exercises" / EXERCISE, folder / "exercise.ipynb")
    port, token = free_port(), "nnlib-browser-test"
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}   # (the tests' Agg would draw nothing)
    env.update(JUPYTER_CONFIG_DIR=str(folder / ".jupyter-config"))      # a student's fresh JupyterLab
    server = subprocess.Popen([sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}",
                               f"--ServerApp.token={token}", "--ServerApp.ip=127.0.0.1", "--allow-root",
                               f"--notebook-dir={folder}"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.5)
    yield base, token
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("NNLIB_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def open_notebook(browser, lab, name):
    base, token = lab
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{base}/lab/tree/{name}?token={token}")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000, state="attached")
    select = page.get_by_role("button", name="Select", exact=True)
    try:   # a JupyterLab without saved settings asks once which kernel to start (the preferred one is chosen)
        select.wait_for(timeout=5_000)
        select.click()
    except sync_api.TimeoutError:
        pass
    page.get_by_text("Kernel status: Idle").first.wait_for(timeout=60_000, state="attached")   # the kernel is up
    return page


def run_all(page):
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_text("Run All Cells", exact=True).click()


def wait_idle(page, timeout=120):
    """Until the kernel has run what was queued: JupyterLab's execution indicator says idle for a second.
    (Cell prompts cannot tell: JupyterLab renders only the cells near the viewport.)"""
    status = "[...document.querySelectorAll('.jp-Notebook-ExecutionIndicator')].map(e => e.dataset.status)"
    deadline, idle_since = time.monotonic() + timeout, None
    time.sleep(0.5)
    while time.monotonic() < deadline:
        busy = any(s != "idle" for s in page.evaluate(status))
        if busy:
            idle_since = None
        elif idle_since is None:
            idle_since = time.monotonic()
        elif time.monotonic() - idle_since > 1.0:
            return idle_since
        time.sleep(0.2)
    raise AssertionError(f"the kernel was still busy after {timeout} s")


def test_a_lecture_slider_redraws_its_figure(browser, lab, tmp_path):
    page = open_notebook(browser, lab, "lecture.ipynb")
    start = time.monotonic()
    run_all(page)
    seconds = wait_idle(page) - start
    widget = page.locator(".widget-interact").first
    slider = widget.locator(".widget-slider").first
    slider.scroll_into_view_if_needed()
    figure = lambda: widget.locator("img").last.get_attribute("src", timeout=30_000)  # noqa: E731   the PNG drawn
    handle = slider.locator(".noUi-handle, [role=slider]").first

    def move(steps):
        handle.focus()
        for _ in range(steps):
            page.keyboard.press("ArrowRight")
        page.wait_for_timeout(2500)

    before = figure()   # drawn when the cell ran
    page.screenshot(path=str(shots(tmp_path) / "lecture01_slider_before.png"))
    move(6)
    after = figure()
    page.screenshot(path=str(shots(tmp_path) / "lecture01_slider_after.png"))
    assert before and after and before != after, "moving the slider did not redraw the figure"
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").count()
    print(f"lecture 01 ran in JupyterLab in {seconds:.1f} s; stderr outputs: {errors}")
    # A label cut by CSS ("learning r…") keeps its text but is wider than its box.
    cut = widget.locator(".widget-label").evaluate_all(
        "labels => labels.filter(l => l.scrollWidth > l.clientWidth + 1).map(l => l.textContent)")
    assert widget.locator(".widget-label").count() == 2 and cut == [], f"slider labels cut: {cut}"
    page.close()


def cells(page):
    """The cells of the notebook in the visible tab (JupyterLab keeps other open notebooks in the page)."""
    return page.locator(".jp-NotebookPanel:visible .jp-Notebook .jp-Cell")


def replace_cell(page, index, code):
    editor = cells(page).nth(index).locator(".cm-content")
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(code)


def run_cells(page, first, count):
    cells(page).nth(first).locator(".jp-InputPrompt").click()
    for _ in range(count):
        page.keyboard.press("Shift+Enter")
    wait_idle(page, 60)


def test_an_exercise_says_wrong_then_right_without_a_traceback(browser, lab, tmp_path):
    page = open_notebook(browser, lab, "exercise.ipynb")
    page.get_by_role("tab", name="exercise.ipynb").click()
    run_all(page)                  # the stubs fail: the first check stops the run
    wait_idle(page)
    page.screenshot(path=str(shots(tmp_path) / "exercise01_stub.png"))
    check_output = cells(page).nth(4).locator(".jp-OutputArea")
    assert "✗ predict is not implemented yet (Hint:" in check_output.inner_text()
    replace_cell(page, 3, WRONG)
    run_cells(page, 3, 2)
    wrong = check_output.inner_text()
    check_output.scroll_into_view_if_needed()
    page.screenshot(path=str(shots(tmp_path) / "exercise01_wrong.png"))
    replace_cell(page, 3, RIGHT)
    run_cells(page, 3, 2)
    right = check_output.inner_text()
    page.screenshot(path=str(shots(tmp_path) / "exercise01_right.png"))
    assert "✗ predict: y_pred[" in wrong and "expected" in wrong
    assert len([line for line in wrong.splitlines() if line.strip()]) <= 2, wrong   # a ✓ and the ✗, nothing else
    for noise in ("Traceback", "File ", "nnlib/checks", "----"):
        assert noise not in wrong, wrong
    assert "✓ predict computes X @ w + b" in right and "✗" not in right
    page.close()


def test_jupyterlab_shows_students_no_grading_tools(browser, lab, tmp_path):
    if not (Path(sys.prefix) / ".installed").exists():
        pytest.skip("this environment was not made by `make setup`")
    page = open_notebook(browser, lab, "exercise.ipynb")
    menus = page.locator(".lm-MenuBar-itemLabel").all_inner_texts()
    assert "Nbgrader" not in menus and "Formgrader" not in " ".join(menus), menus
    assert page.get_by_text("Validate", exact=True).count() == 0
    assert page.get_by_text("Create Assignment").count() == 0
    page.screenshot(path=str(shots(tmp_path) / "exercise01_menus.png"))
    page.close()
