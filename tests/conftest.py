"""Shared fixtures: the unit tests of ganlib (fast, CPU, no downloads) and the browser tests."""
import pytest
import torch


@pytest.fixture
def gen():
    """A CPU torch.Generator seeded with 0."""
    return torch.Generator().manual_seed(0)


@pytest.fixture
def real_logits():
    """Fixed real logits (B=4) shared by the loss tests."""
    return torch.tensor([2.0, -1.0, 0.5, 0.0], dtype=torch.float64, requires_grad=True)


@pytest.fixture
def fake_logits():
    """Fixed fake logits (B=4) shared by the loss tests."""
    return torch.tensor([-3.0, 0.0, 1.5, -0.25], dtype=torch.float64, requires_grad=True)


@pytest.fixture(autouse=True, scope="session")
def one_thread():
    """The unit tests train tiny models: one torch thread is as fast and does not oversubscribe
    a busy CPU (with 2 threads on a loaded 2-core machine, small backward passes slow down ~20x)."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


# ---- browser tests (tests/test_html.py, tests/test_html_interactive.py) -------------------
@pytest.fixture(scope="module")
def server():
    """The built book (tests/_browser.HTML) served on 127.0.0.1; yields the base URL."""
    from _browser import HTML, serve
    with serve(HTML) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    """A headless Debian Chromium driven by Playwright."""
    from _browser import chromium
    with chromium() as b:
        yield b
