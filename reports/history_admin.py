"""Our SimpleHistoryAdmin: history pages that answer 404 to a malformed id, and a revert that
counts as an edit of the reports showing the record, like any other save (four eyes)."""

from django.http import Http404
from simple_history import admin as history_admin

from reports.editing import affected_reports, touch_report


class SimpleHistoryAdmin(history_admin.SimpleHistoryAdmin):
    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # simple-history passes the ids from the URL to the database as they are.
        if not (str(object_id).isdigit() and str(version_id).isdigit()):
            raise Http404
        response = super().history_form_view(request, object_id, version_id, extra_context)
        if request.method == "POST" and response.status_code == 302:
            obj = self.model._default_manager.filter(pk=object_id).first()
            for report in affected_reports(obj) if obj is not None else []:
                touch_report(report, request.user)
        return response

    def history_view(self, request, object_id, extra_context=None):
        if not str(object_id).isdigit():
            raise Http404
        return super().history_view(request, object_id, extra_context)
