"""The team's thread on a problem: comments oldest first, and a box to add one (with a character counter)."""
from collections.abc import Awaitable, Callable

from nicegui import ui

from app.i18n import _
from app.models.schemas import COMMENT_LIMIT, CommentPublic
from components.design import TOUCH, local_text


def comment_list(comments: list[CommentPublic]) -> None:
    """The comments, oldest first, each with who wrote it and when (plant-local)."""
    ui.label(_('Comments')).classes('text-lg font-bold')
    with ui.column().classes('w-full gap-2').mark('comments'):
        if not comments:
            ui.label(_('No comments yet.')).classes('text-gray-600 dark:text-gray-300')
        for comment in comments:
            with ui.column().classes('gap-0 w-full'):
                ui.label(f'{comment.author_name or _("Former user")} · {local_text(comment.created_at)}') \
                    .classes('text-sm text-gray-600 dark:text-gray-300')
                ui.label(comment.body).classes('whitespace-pre-wrap break-words').mark('comment')


class CommentBox:
    """A textarea with a counter and an "Add comment" button; it empties itself once the comment is saved."""

    def __init__(self, post: Callable[[str], Awaitable[bool]]) -> None:
        self._post = post
        self.text = ui.textarea(_('Add a comment'), placeholder=_(
            'What you tried, parts ordered, a note for the next shift')) \
            .props(f'outlined autogrow counter maxlength={COMMENT_LIMIT}') \
            .classes('w-full').mark('comment-text')
        self.button = ui.button(_('Add comment'), icon='send', on_click=self._send).classes(TOUCH).mark('comment-add')

    async def _send(self) -> None:
        body = (self.text.value or '').strip()
        if not body:
            ui.notify(_('Type a comment first'), type='warning')
            return
        self.button.props('loading')
        try:
            if await self._post(body):
                self.text.value = ''
        finally:
            self.button.props(remove='loading')
