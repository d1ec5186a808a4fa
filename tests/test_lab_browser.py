"""Browser test of the training lab (issue 6): JupyterLab on localhost + headless Chromium.

Opens a notebook that embeds `TrainingLab`, runs it, moves a slider, clicks Train, checks that
the plot changes and that Pause stops it; keeps a screenshot in `_build/artifacts/`.
Skips (with the reason) only when Chromium, JupyterLab or Playwright is missing.
"""
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("GANLIB_CHROMIUM", "/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "_build" / "artifacts"
TOKEN = "ganlib-lab-test"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
CELLS = [
    "from ganlib.widgets import TrainingLab",
    'lab = TrainingLab("ring", batch_size=64, hidden=64, steps=100000)\nlab',
]


def _missing():
    if not os.path.exists(CHROMIUM):
        return f"Chromium not found at {CHROMIUM}"
    for mod in ("jupyterlab", "playwright", "ipykernel"):
        try:
            __import__(mod)
        except ImportError:
            return f"{mod} is not installed"
    return None


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    reason = _missing()
    if reason:
        pytest.skip(reason)
    root = tmp_path_factory.mktemp("lab")
    nb = {"cells": [{"cell_type": "code", "metadata": {}, "source": c, "outputs": [],
                     "execution_count": None} for c in CELLS],
          "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                      "language": "python"}},
          "nbformat": 4, "nbformat_minor": 5}
    (root / "lab_test.ipynb").write_text(json.dumps(nb))
    port = _free_port()
    env = {**os.environ, "GANLIB_LAB_STATIC": "0", "JUPYTER_CONFIG_DIR": str(root / ".cfg"),
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    log = open(root / "server.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}",
         "--ip=127.0.0.1", f"--ServerApp.root_dir={root}", f"--IdentityProvider.token={TOKEN}",
         "--LabApp.expose_app_in_browser=True", "--ServerApp.open_browser=False",
         "--ServerApp.allow_root=True",
         "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                urllib.request.urlopen(f"{url}/api/status?token={TOKEN}", timeout=1)
                break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail("jupyter lab exited:\n" + (root / "server.log").read_text())
                time.sleep(0.25)
        yield url, root
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _img_src(page):
    return page.eval_on_selector(".jp-OutputArea-output .widget-image", "e => e.src")


def _status(page):
    return page.inner_text(".jp-OutputArea-output .widget-html:has-text('G steps')")


def test_lab_in_jupyterlab(server):
    from playwright.sync_api import sync_playwright
    url, root = server
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            page.goto(f"{url}/lab/tree/lab_test.ipynb?token={TOKEN}", timeout=90_000)
            page.wait_for_selector(".jp-Notebook", timeout=90_000)
            page.wait_for_function(
                "() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
                " && window.jupyterapp.shell.currentWidget.sessionContext"
                " && window.jupyterapp.shell.currentWidget.sessionContext.session"
                " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel",
                timeout=90_000)
            page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
            page.wait_for_selector(".jp-OutputArea-output .widget-image", timeout=120_000)
            page.wait_for_function(
                "() => { const i = document.querySelector('.jp-OutputArea-output .widget-image');"
                " return i && i.naturalWidth > 0; }", timeout=60_000)
            src0 = _img_src(page)

            # move a slider (lr_d): keyboard on the focused noUiSlider handle
            handle = page.locator(".widget-slider:has-text('lr_d') .noUi-handle").first
            handle.click()
            handle.press("ArrowLeft")
            page.wait_for_selector("text=applied to the running trainer", timeout=30_000)

            page.locator(".jp-OutputArea-output button:has-text('Train')").first.click()
            page.wait_for_function(
                "s => { const i = document.querySelector('.jp-OutputArea-output .widget-image');"
                " return i && i.src !== s; }", arg=src0, timeout=60_000)
            page.wait_for_selector("text=training", timeout=30_000)
            time.sleep(2.0)
            src1 = _img_src(page)
            assert src1 != src0, "the plot did not change while training"

            page.locator(".jp-OutputArea-output button:has-text('Pause')").first.click()
            page.wait_for_selector(".jp-OutputArea-output .widget-html:has-text('paused')",
                                   timeout=30_000)
            time.sleep(1.0)
            status, src2 = _status(page), _img_src(page)
            time.sleep(2.0)
            assert _status(page) == status and _img_src(page) == src2, "Pause did not stop it"
            steps = int(status.split("G steps")[1].split()[0])
            assert steps > 0, status
        finally:
            page.screenshot(path=str(ARTIFACTS / "lab_browser.png"), full_page=True)
            browser.close()
