"""The key footer of every screen, in Textual's compact style."""

from __future__ import annotations

from textual.widgets import Footer
from textual.widgets._footer import FooterKey


class CompactFooter(Footer):
    """`Footer(compact=True)` that rebuilds its keys once per change, only when they change, and
    creates them compact.

    Textual's footer rebuilds all its keys after every focus change and every refresh of the
    offered actions, once per notification even when several arrive before the screen is drawn
    (opening a file sends three or four). Here a rebuild already queued absorbs the notifications
    that follow it: it reads the offered actions when it runs, so it shows the latest state. A
    rebuild is skipped when the keys it would show are the ones already shown (same bindings in
    the same order, key displays, enabled state and tooltips): moving the focus between widgets
    that offer the same keys, or refreshing the bindings of a screen whose keys did not change,
    costs nothing. And each new key learns that it is compact only after mounting, restyling
    itself a second time; giving the keys their class before they are mounted makes that second
    styling a no-op.
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(compact=True, **kwargs)
        self._rebuild_queued = False
        self._shown: tuple | None = None
        """What the keys on show were built from (see `_offered`); None before the first build."""

    def bindings_changed(self, screen) -> None:
        if self._rebuild_queued and screen is self.screen:
            return
        super().bindings_changed(screen)
        self._rebuild_queued = self.is_attached and screen is self.screen and bool(screen.app.app_focus)

    def _offered(self) -> tuple:
        """Everything `Footer.compose` builds the keys from, as comparable values."""
        if not self._bindings_ready:
            return ()
        app = self.app
        active = self.screen.active_bindings
        keys = tuple(
            (binding, app.get_key_display(binding), enabled, tooltip)
            for _, binding, enabled, tooltip in active.values()
            if binding.show
        )
        palette = None
        if self.show_command_palette and app.ENABLE_COMMAND_PALETTE:
            entry = active.get(app.COMMAND_PALETTE_BINDING)
            if entry is not None:
                _, binding, enabled, tooltip = entry
                palette = (binding, app.get_key_display(binding), enabled, tooltip)
        return keys, palette, self.compact, self.combine_groups

    async def recompose(self) -> None:
        self._rebuild_queued = False
        if not self.is_attached:
            return
        offered = self._offered()
        if offered == self._shown:
            return
        self._shown = offered
        await super().recompose()

    def compose(self):
        for widget in super().compose():
            if isinstance(widget, FooterKey):
                widget.set_class(True, "-compact", update=False)
            yield widget
