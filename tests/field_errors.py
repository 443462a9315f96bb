"""Every error message of a page is tied to its field: each control marked aria-invalid names in
aria-describedby only ids the page has, and the named elements hold the messages."""

from __future__ import annotations

from html.parser import HTMLParser


class _Controls(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.controls: dict[str, dict[str, str]] = {}
        self.texts: dict[str, str] = {}
        self._open: list[tuple[str, str]] = []  # (tag, id) of elements with an id

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {key: value or "" for key, value in attrs}
        if tag in ("input", "select", "textarea") and found.get("type") != "hidden":
            self.controls[found.get("id") or found.get("name", "")] = found
        if "id" in found:
            self.texts.setdefault(found["id"], "")
            if tag not in ("input", "br", "img"):
                self._open.append((tag, found["id"]))

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index][0] == tag:
                del self._open[index:]
                break

    def handle_data(self, data: str) -> None:
        for _, element_id in self._open:
            self.texts[element_id] += data


def invalid_controls(html: str) -> dict[str, str]:
    """{control id: the text of what its aria-describedby names} for each control marked
    invalid; fails when a named id is missing from the page."""
    parser = _Controls()
    parser.feed(html)
    described: dict[str, str] = {}
    for control_id, attrs in parser.controls.items():
        if attrs.get("aria-invalid") != "true":
            continue
        ids = attrs.get("aria-describedby", "").split()
        assert ids, f"{control_id} is invalid but describedby nothing"
        missing = [i for i in ids if i not in parser.texts]
        assert not missing, f"{control_id} names missing ids {missing}"
        described[control_id] = " ".join(parser.texts[i].strip() for i in ids)
    return described


def control_attrs(html: str, control_id: str) -> dict[str, str]:
    parser = _Controls()
    parser.feed(html)
    return parser.controls[control_id]
