"""Rewrite the Health app's screenshots in docs/img/ from the demo store, in Chromium:
``python tools/web_screenshots.py [--store var/demo]`` (make it with ``healthstore demo
ensure var/demo``). The store is copied first: the script registers a sample app there."""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

from healthstore import HealthStore
from web_timing import ARGS, CHROMIUM, served

DOCS_IMG = Path(__file__).resolve().parents[1] / "docs" / "img"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", default="var/demo")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "store"
        shutil.copytree(args.store, copy)
        store = HealthStore.open(copy)
        store.register_app(
            {
                "bundle_id": "org.example.stepcoach",
                "name": "Step Coach",
                "usage_descriptions": {
                    "NSHealthShareUsageDescription": "Reads your steps to set daily goals.",
                    "NSHealthUpdateUsageDescription": "Saves the walks you log.",
                },
                "privacy_policy_url": "https://stepcoach.example/privacy",
            }
        )
        store.app("org.example.stepcoach").request_authorization(
            share=["stepCount"], read=["stepCount", "heartRate", "sleepAnalysis"]
        )
        store.grant("org.example.stepcoach", read=["stepCount", "heartRate"], share=["stepCount"])
        store.app("org.example.stepcoach").samples("stepCount", limit=500)
        workout = store.samples("workout", sort="-start", limit=1)[0]
        with served(store) as (url, app), sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 1100, "height": 820})
            page.goto(f"{url}/signin/link?token={app.state.web.links.issue()}")
            shots = {
                "summary": "/",
                "heart-rate-year": "/types/heartRate?range=Y",
                "browse": "/browse",
                "app": "/apps/org.example.stepcoach",
                "workout": f"/workouts/{workout.uuid}",
                "sleep-week": "/types/sleepAnalysis?range=W",
                "add-blood-pressure": "/types/bloodPressure?range=M#add-title",
                "transfer": "/transfer",
            }
            DOCS_IMG.mkdir(parents=True, exist_ok=True)
            for name, path in shots.items():
                page.goto(url + path)
                if "types" in path:
                    page.wait_for_selector("#chart[data-drawn=true]")
                if "#" in path:
                    page.locator("#" + path.split("#")[1]).scroll_into_view_if_needed()
                whole = name == "transfer"
                page.screenshot(path=str(DOCS_IMG / f"web-{name}.png"), full_page=whole)
                print(f"wrote docs/img/web-{name}.png")
            browser.close()
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
