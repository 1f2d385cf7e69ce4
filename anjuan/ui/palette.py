"""Command palette (Ctrl+P): open a file by 案号, settle a file from the lead's 合议 queue, or run
any action of the current screen."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import TYPE_CHECKING

from rich.align import Align
from rich.text import Text
from textual.binding import Binding
from textual.command import CommandList, CommandPalette, DiscoveryHit, Hit, Hits, Provider
from textual.markup import escape
from textual.screen import Screen
from textual.widgets.option_list import Option

from .screens.case_list import Haystack, natural, search_terms

if TYPE_CHECKING:
    from .app import AnjuanApp

MAX_CASE_HITS = 40


def screen_keys(screen: Screen) -> Iterator[tuple[str, str, str, str, object]]:
    """(keys, description, tooltip, action, namespace) for each described binding active on a screen.

    Keys bound to the same action are listed together. A single-key binding with a key_display
    (1-9 扣分) stands for its hidden siblings with the same action name (keys 2…9).
    """
    app = screen.app
    actives = list(screen.active_bindings.items())
    summarised = {a.binding.action.split("(")[0] for _, a in actives
                  if a.binding.key_display and a.binding.id and "," not in a.binding.key}
    seen: dict[tuple[str, str], list] = {}
    for key, active in actives:
        binding = active.binding
        if not binding.id or not binding.description or binding.system:
            continue
        name = binding.action.split("(")[0]
        if name in summarised and not binding.key_display and not binding.show:
            continue
        entry = seen.setdefault((binding.action, binding.description), [[], binding.tooltip, active.node])
        display = binding.key_display if name in summarised else app.get_key_display(Binding(key, binding.action))
        if display not in entry[0]:
            entry[0].append(display)
    for (action, description), (keys, tooltip, node) in seen.items():
        yield " / ".join(keys), description, tooltip, action, node


def ordered_keys(screen: Screen) -> list[tuple[str, str, str, str, object]]:
    """screen_keys with the screen's own work first, then moving around, then app-wide keys."""
    app = screen.app
    return sorted(screen_keys(screen), key=lambda e: 0 if e[4] is screen else 2 if e[4] is app else 1)


class WorkbenchCommands(Provider):
    """Files by 案号, the lead's 合议 queue, and the current screen's actions."""

    @property
    def workbench(self) -> AnjuanApp:
        return self.app  # type: ignore[return-value]

    def _actions(self) -> Iterator[tuple[str, str, partial]]:
        for keys, description, _tip, action, node in ordered_keys(self.screen):
            if action != "command_palette":
                yield description, keys, partial(self.app.run_action, action, node)

    async def discover(self) -> Hits:
        for description, keys, run in self._actions():
            yield DiscoveryHit(description, run, help=f"快捷键 {keys}")

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for description, keys, run in self._actions():
            score = matcher.match(description)
            if score > 0:
                yield Hit(score, matcher.highlight(description), run, text=description, help=f"快捷键 {keys}")
        terms = search_terms(query)
        if not terms:
            return
        # The lead's 合议 queue: "合议 20244号" or just the 案号 finds a file waiting for 合议.
        conflicts = [e for e in self.workbench.queue_entries()
                     if all(Haystack(f"合议 {e.case_no}").has(t) for t in terms)][:MAX_CASE_HITS]
        for n, entry in enumerate(conflicts):
            label = f"合议 {entry.case_no}　{entry.title}"
            yield Hit(0.95 - n / 10_000, escape(label), partial(self.workbench.open_conflict, entry.case_id),
                      text=label, help=f"{entry.agency}　{'；'.join(entry.reasons)}")
        matched = []
        for row in self.workbench.case_rows():
            case_no = Haystack(row.case_no)
            if all(case_no.has(t) for t in terms):
                matched.append(row)
                if len(matched) >= MAX_CASE_HITS:
                    break
        matched.sort(key=lambda r: (r.agency, natural(r.case_no)))
        for n, row in enumerate(matched):
            label = f"打开 {row.case_no}　{row.title}"
            # Slightly falling scores keep the files in 案号 order.
            yield Hit(0.9 - n / 10_000, escape(label), partial(self.workbench.open_case, row.case_id),
                      text=label, help=f"{row.agency}　{row.status}")


class ChinesePalette(CommandPalette):
    """The command palette, saying 没有找到 instead of Textual's English "No matches found".

    Textual has no setting for that line, so the countdown that shows it is repeated here with
    our wording (Textual is pinned to an exact version in pyproject.toml).
    """

    def _start_no_matches_countdown(self, search_value: str) -> None:
        self._stop_no_matches_countdown()

        def _show_no_matches() -> None:
            if search_value:
                self.query_one(CommandList).add_option(
                    Option(Align.center(Text("没有找到匹配的案卷或操作", style="not bold")),
                           disabled=True, id=self._NO_MATCHES))
                self._list_visible = True
            else:
                self._list_visible = False

        self._no_matches_timer = self.set_timer(self._NO_MATCHES_COUNTDOWN, _show_no_matches)
