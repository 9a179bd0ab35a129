"""Read a rendered page's form as a browser would submit it, to post a page back unchanged."""

from html.parser import HTMLParser


class _FormReader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._disabled_depth = 0  # inside a disabled fieldset
        self._fieldsets: list[bool] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        disabled = "disabled" in attributes
        if tag == "fieldset":
            self._fieldsets.append(disabled)
            return
        if any(self._fieldsets) or disabled:
            return
        name = attributes.get("name")
        if tag == "input" and name:
            kind = attributes.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attributes:
                    self.fields.append((name, attributes.get("value", "on")))
            elif kind not in ("file", "submit", "button"):
                self.fields.append((name, attributes.get("value", "")))
        elif tag == "select" and name:
            self._select, self._options = name, []
        elif tag == "option" and self._select is not None:
            self._options.append((attributes.get("value", ""), "selected" in attributes))

    def handle_endtag(self, tag):
        if tag == "fieldset" and self._fieldsets:
            self._fieldsets.pop()
        elif tag == "select" and self._select is not None:
            chosen = [value for value, selected in self._options if selected] or [self._options[0][0]]
            self.fields.append((self._select, chosen[0]))
            self._select = None


def submitted_fields(html: str, form_start: str) -> dict[str, list[str]]:
    """Return {name: [values]} that the first form of `html` starting with `form_start` submits as shown."""
    start = html.index(form_start)
    end = html.index("</form>", start)
    reader = _FormReader()
    # <template> rows are not part of the form.
    body = html[start:end]
    while "<template" in body:
        body = body[: body.index("<template")] + body[body.index("</template>") + len("</template>") :]
    reader.feed(body)
    fields: dict[str, list[str]] = {}
    for name, value in reader.fields:
        fields.setdefault(name, []).append(value)
    fields.pop("csrfmiddlewaretoken", None)
    return fields
