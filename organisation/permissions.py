"""Who may see, change and publish what: division roles, queryset scoping, stale-form refusal."""

from django import forms
from django.contrib.admin.utils import flatten_fieldsets
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone

from organisation.models import Division, DivisionRole


def division_path(model) -> str | None:
    """The lookup from ``model`` to its division (its ``division_path``), or None for shared
    records (vendors, years)."""
    return getattr(model, "division_path", None)


def _role_ids(user, role: str | None = None) -> set[int]:
    """The ids of the divisions where ``user`` has ``role`` (any role when None), read once per
    user object: an admin page asks this for every inline and field."""
    if isinstance(user, AnonymousUser) or not user.is_active:
        return set()
    roles = user.__dict__.get("_division_roles")
    if roles is None:
        roles = list(DivisionRole.objects.filter(user=user).values_list("division_id", "role"))
        user.__dict__["_division_roles"] = roles
    return {division for division, r in roles if role is None or r == role}


def divisions_for(user, role: str | None = None) -> QuerySet[Division]:
    """The divisions ``user`` works for (all of them for an administrator)."""
    if user.is_superuser:
        return Division.objects.all()
    return Division.objects.filter(pk__in=_role_ids(user, role))


def scope(queryset: QuerySet, user) -> QuerySet:
    """Only the rows of ``user``'s divisions; shared records pass unchanged."""
    path = division_path(queryset.model)
    if path is None or user.is_superuser:
        return queryset
    return queryset.filter(**{f"{path}__in" if path else "pk__in": divisions_for(user)})


def division_of(obj) -> Division | None:
    path = division_path(type(obj))
    if path is None:
        return None
    for part in filter(None, path.split("__")):
        obj = getattr(obj, part)
    return obj


def can_edit(user, division: Division) -> bool:
    return user.is_superuser or division.pk in _role_ids(user)


def can_approve(user, division: Division) -> bool:
    if user.is_superuser:
        return True
    return user.has_perm("reports.publish_report") and (
        division.pk in _role_ids(user, DivisionRole.Role.APPROVER)
    )


FOREIGN_ROW = (
    "この画面で編集できない行が送られてきたため、保存しませんでした（別の項目の行か、"
    "担当していない課の行です）。画面を開き直してから編集してください。"
)


class ParentScopedFormSet:
    """Formset mixin: every posted row id must name a row of this formset's own parent inside
    the user's divisions. Nested formsets load any posted id, so a forged POST could otherwise
    move or change another division's rows."""

    user = None

    def _allowed_pks(self) -> set[str]:
        if self.instance is None or self.instance.pk is None:
            return set()
        rows = self.model._default_manager.filter(**{self.fk.name: self.instance})
        if self.user is not None:
            rows = scope(rows, self.user)
        return {str(pk) for pk in rows.values_list("pk", flat=True)}

    def clean(self):
        super().clean()
        pk_name = self.model._meta.pk.name
        allowed = None
        for form in self.forms:
            raw = str(form.data.get(form.add_prefix(pk_name)) or "").strip()
            if not raw:
                continue
            if allowed is None:
                allowed = self._allowed_pks()
            if raw not in allowed:
                raise ValidationError(FOREIGN_ROW, code="foreign_row")


class ParentScopedInline:
    """Inline mixin: its formset only ever loads rows of its own parent (ParentScopedFormSet)."""

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        return type(formset.__name__, (ParentScopedFormSet, formset), {"user": request.user})


class DivisionScopedAdmin:
    """Admin mixin: lists, forms, choices and objects limited to the user's divisions."""

    def get_queryset(self, request):
        return scope(super().get_queryset(request), request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and division_path(db_field.related_model) is not None:
            field.queryset = scope(field.queryset, request.user)
        return field

    def _in_scope(self, request, obj) -> bool:
        # A row being added has no division yet: the add permission and the scoped choices
        # of its form decide.
        if obj is None or obj.pk is None or request.user.is_superuser:
            return True
        division = division_of(obj)
        return division is None or can_edit(request.user, division)

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and self._in_scope(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._in_scope(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._in_scope(request, obj)


def latest_change(obj):
    """The newest history record of ``obj`` (simple-history), or None."""
    return obj.history.order_by("-history_date", "-history_id").first()


def _revision_of(obj) -> str:
    record = latest_change(obj)
    return str(record.history_id) if record else ""


class StaleFormGuard:
    """Admin mixin: a form opened before someone else saved the same record is refused."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            return super().get_form(request, obj, change=change, **kwargs)
        base = kwargs.pop("form", self.form)

        def clean(form):
            cleaned = super(guarded, form).clean()
            record = latest_change(form.instance)
            if record and str(record.history_id) != (cleaned.get("revision") or ""):
                who = f"{record.history_user}さん" if record.history_user else "別の人"
                when = timezone.localtime(record.history_date).strftime("%Y-%m-%d %H:%M")
                raise ValidationError(
                    f"保存できませんでした。編集している間に{who}が{when}に保存しました。"
                    "変更内容を控えてから、画面を開き直して編集してください。",
                    code="stale",
                )
            return cleaned

        guarded = type(
            base.__name__,
            (base,),
            {
                "revision": forms.CharField(
                    widget=forms.HiddenInput, required=False, initial=_revision_of(obj)
                ),
                "clean": clean,
            },
        )
        return super().get_form(request, obj, change=change, form=guarded, **kwargs)

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is not None and "revision" not in flatten_fieldsets(fieldsets):
            fieldsets.append((None, {"fields": ["revision"], "classes": ["hidden"]}))
        return fieldsets
