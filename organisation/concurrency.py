"""Lost updates across pages: a formset refuses to write a row changed since its page opened.

A contract is edited on its own page and, from an initiative page opened earlier, as a row of
that page's formset. Saving the older page would silently write back its older values. Each
formset therefore carries, in its management form (which every admin template renders), the
history id of each of its rows as the page showed them; a row the save would write or delete
whose newest history record differs is refused, naming who saved it and when.
"""

import json

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Max
from django.utils import timezone
from django.utils.functional import cached_property

REVISIONS = "REVISIONS"


def _history(model):
    manager = getattr(model, "history", None)
    return getattr(manager, "model", None)


def current_revisions(model, pks) -> dict[str, str]:
    """The newest history id of each row, by row id, in one query."""
    history = _history(model)
    if history is None or not pks:
        return {}
    rows = history.objects.filter(id__in=pks).values("id").annotate(newest=Max("history_id"))
    return {str(r["id"]): str(r["newest"]) for r in rows}


def stale_row_message(model, obj, record) -> str:
    who = f"{record.history_user}さん" if record.history_user else "別の人"
    when = timezone.localtime(record.history_date).strftime("%Y-%m-%d %H:%M")
    return (
        f"保存できませんでした。この画面を開いた後に、{model._meta.verbose_name}「{obj}」を"
        f"{who}が{when}に保存しました。変更内容を控えてから、画面を開き直して編集してください。"
    )


class RevisionCheckedFormSet:
    """Formset mixin: refuse to write a row whose history moved on since the page was shown."""

    @cached_property
    def management_form(self):
        form = super().management_form
        if REVISIONS not in form.fields and _history(self.model) is not None:
            form.fields[REVISIONS] = forms.CharField(widget=forms.HiddenInput, required=False)
            if not form.is_bound:
                pks = [f.instance.pk for f in self.initial_forms if f.instance.pk]
                form.initial[REVISIONS] = json.dumps(
                    current_revisions(self.model, pks), separators=(",", ":")
                )
        return form

    def _shown_revisions(self) -> dict | None:
        raw = self.data.get(f"{self.prefix}-{REVISIONS}")
        try:
            shown = json.loads(raw) if raw else None
        except ValueError:
            return None
        return shown if isinstance(shown, dict) else None

    def clean(self):
        super().clean()
        shown = self._shown_revisions()
        if shown is None:
            return
        deleted = set(map(id, self.deleted_forms)) if self.can_delete else set()
        written = [
            f.instance
            for f in self.initial_forms
            if f.instance.pk is not None
            and str(f.instance.pk) in shown
            and (id(f) in deleted or f.has_changed())
        ]
        if not written:
            return
        now = current_revisions(self.model, [obj.pk for obj in written])
        for obj in written:
            if now.get(str(obj.pk)) != shown[str(obj.pk)]:
                record = _history(self.model).objects.filter(id=obj.pk).latest("history_id")
                raise ValidationError(stale_row_message(self.model, obj, record), code="stale")
