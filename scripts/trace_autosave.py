"""One autosave traced call by call: which of Kakunin's modules it passes through, how
often it crosses from one module to another, how often it goes back up a layer, how
many times it asks the gate (kakunin/access.py) and how many rows of the sheet it
builds. Prints figures, asserts nothing (ARCHITECTURE.md quotes them).

    .venv/bin/python scripts/trace_autosave.py [ROOT]

ROOT is a checkout of Kakunin (this one by default): give an older one to compare
(run with PYTHONPATH=ROOT). The layers are the contract's in ROOT's pyproject.toml;
views, URLs and the gate are the web ring above them all.
"""

import sys
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else HERE.parent
sys.path.insert(0, str(HERE))
sys.argv[1:] = []

import bench  # noqa: E402  (sets up Django on a fresh SQLite database, as `make bench`)
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

WEB = (".views", ".urls", ".context_processors")


def layers() -> dict[str, int]:
    """{app module: height}, the web ring highest."""
    contract = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    names = next(c for c in contract["contracts"] if c["id"] == "layers")["layers"]
    height = {}
    for n, line in enumerate(reversed(names)):
        for name in line.split("|"):
            height[name.strip()] = n
    return height


def height_of(module: str, height: dict[str, int]) -> int:
    if module.endswith(WEB) or module == "kakunin.access":
        return len(height) + 1
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        if ".".join(parts[:n]) in height:
            return height[".".join(parts[:n])]
    return -1


def main() -> None:
    world = bench.build()
    answer = world.assessment.answers.select_related("item").get(item__number=8)
    key = answer.item.key
    client = Client()
    client.force_login(world.bob)
    url = reverse("assessments:save_item", args=[world.assessment.pk, key])
    data = {f"{key}-status": "done", f"{key}-text": "保存のたびに変わる回答", f"{key}-version": 0}

    def post(n: int):
        data[f"{key}-text"] = f"保存のたびに変わる回答 {n}"
        data[f"{key}-version"] = world.assessment.answers.get(pk=answer.pk).version
        return client.post(url, data, headers={"HX-Request": "true"})

    assert post(0).status_code == 200  # warmed: templates compiled, caches filled
    height = layers()
    modules: set[str] = set()
    crossings = ups = access_calls = rows_built = 0
    stack: list[str] = []
    asked: list[str] = []
    inside = [False]  # within the view (save_item), middleware and the rest aside

    def profile(frame, event, arg):
        nonlocal crossings, ups, access_calls, rows_built
        if event == "return":
            if stack:
                stack.pop()
            if frame.f_code.co_name == "save_item":
                inside[0] = False
            return
        if event != "call":
            return
        module = frame.f_globals.get("__name__", "")
        if module.endswith(".views") and frame.f_code.co_name == "save_item":
            inside[0] = True
            stack.clear()
        if not inside[0]:
            return
        ours = module.startswith("kakunin.") and ".tests" not in module
        caller = next((m for m in reversed(stack) if m), "")
        stack.append(module if ours else "")
        if not ours:
            return
        modules.add(module)
        name = frame.f_code.co_name
        if module == "kakunin.access" and caller != "kakunin.access":
            access_calls += 1
            asked.append(frame.f_code.co_name)
        if name == "__init__" and type(frame.f_locals.get("self")).__name__ == "Row":
            rows_built += 1
        if caller and caller != module:
            crossings += 1
            if height_of(module, height) > height_of(caller, height):
                ups += 1

    sys.setprofile(profile)
    response = post(1)
    sys.setprofile(None)
    assert response.status_code == 200
    print(f"autosave of one answer ({ROOT.name}): {len(modules)} modules, {crossings} crossings "
          f"between them, {ups} back up a layer; the gate asked {access_calls} times; "
          f"{rows_built} rows built")  # fmt: skip
    print(f"  the gate: {', '.join(asked)}")
    for module in sorted(modules):
        print(f"  {module}")


if __name__ == "__main__":
    main()
