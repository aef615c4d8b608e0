"""An import confirmed after someone changed its rows is refused.

The preview (a dry run) notes the newest history record of the model (``mark``); the confirm
carries it back. Any row the confirm would write that has a newer history record was changed
by someone since the preview, and writing it would silently undo that change: the row is an
error, the import is all or nothing, and the user is asked for a new preview.
"""

from django.db.models import Max
from django.utils import timezone


def revision_mark(model) -> int:
    """The newest history id of ``model``'s records (0 when none)."""
    history = model.history.model
    return history.objects.aggregate(mark=Max("history_id"))["mark"] or 0


def changed_since(model, mark: int) -> dict:
    """The newest history record of each row of ``model`` changed after ``mark``, by row id."""
    history = model.history.model
    records = history.objects.filter(history_id__gt=mark).select_related("history_user")
    return {r.id: r for r in records.order_by("history_id")}


def stale_message(record) -> str:
    who = f"{record.history_user}さん" if record.history_user else "別の人"
    when = timezone.localtime(record.history_date).strftime("%Y-%m-%d %H:%M")
    return (
        f"内容を確認した後に、{who}が{when}にこの記録を変更しました。"
        "変更を上書きしないよう取り込みを中止しました。"
        "ファイルをもう一度アップロードして、内容の確認からやり直してください。"
    )


def parse_marks(text: str | None, count: int) -> list[int | None]:
    """Marks carried by a confirm form as "12,0,7"; None each when absent or malformed."""
    parts = (text or "").split(",")
    if len(parts) != count or not all(p.isdigit() for p in parts):
        return [None] * count
    return [int(p) for p in parts]
