"""A fix to django-nested-admin's ``formsetsort`` template filter.

It sorts a re-displayed formset's rows by their posted order values as ``(int(value), row)``
pairs: two equal values compare the rows themselves (TypeError) and a value that is not a
number raises ValueError, so a form shown again with a validation error answered 500. Here
rows sort by their number, ties and non-numbers keeping the order they came in.
"""

from nested_admin.templatetags import nested_admin


def formsetsort(formset, arg):
    if not arg:
        return formset
    rows = list(formset)

    def position(indexed):
        index, row = indexed
        value = str(row.form[arg].data or "").strip()
        if value.lstrip("-").isdigit() and value != "-1":
            return (0, int(value), index)
        return (1, 0, index)

    return [row for _, row in sorted(enumerate(rows), key=position)]


def install():
    nested_admin.register.filters["formsetsort"] = formsetsort
