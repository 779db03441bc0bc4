"""For the browser tests: Debian's Chromium, and axe-core's verdict on a page."""

from __future__ import annotations

import shutil

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def serious(page) -> list[str]:  # type: ignore[no-untyped-def]
    """axe-core's serious and critical findings on the page, one line each."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])}×)"
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


def wider_than_the_screen(page) -> list[str]:  # type: ignore[no-untyped-def]
    """The last few elements reaching past the window's right edge (what makes a phone scroll
    sideways), for the failure message."""
    return page.evaluate("""() => {
      const out = [];
      for (const el of document.querySelectorAll('body *')) {
        const r = el.getBoundingClientRect();
        if (r.right > window.innerWidth + 1)
          out.push(el.tagName + '.' + el.className + ' ' + Math.round(r.right) + ' '
                   + (el.textContent || '').slice(0, 60));
      }
      return out.slice(-6);
    }""")
