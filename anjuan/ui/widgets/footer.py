"""The key footer of every screen, in Textual's compact style."""

from __future__ import annotations

from textual.widgets import Footer
from textual.widgets._footer import FooterKey


class CompactFooter(Footer):
    """`Footer(compact=True)` that rebuilds its keys once per change, and creates them compact.

    Textual's footer rebuilds all its keys after every focus change and every refresh of the
    offered actions, once per notification even when several arrive before the screen is drawn
    (opening a file sends three or four). Here a rebuild already queued absorbs the notifications
    that follow it: it reads the offered actions when it runs, so it shows the latest state. And
    each new key learns that it is compact only after mounting, restyling itself a second time;
    giving the keys their class before they are mounted makes that second styling a no-op.
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(compact=True, **kwargs)
        self._rebuild_queued = False

    def bindings_changed(self, screen) -> None:
        if self._rebuild_queued and screen is self.screen:
            return
        super().bindings_changed(screen)
        self._rebuild_queued = self.is_attached and screen is self.screen and bool(screen.app.app_focus)

    async def recompose(self) -> None:
        self._rebuild_queued = False
        await super().recompose()

    def compose(self):
        for widget in super().compose():
            if isinstance(widget, FooterKey):
                widget.set_class(True, "-compact", update=False)
            yield widget
