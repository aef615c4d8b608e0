"""Third-party apps under Japanese names: staff read the admin in Japanese, and neither
django-axes nor django-tasks-db ships a Japanese translation.

Only the labels the admin shows change (``_meta`` after the models are built): migrations
read a model's original options, so no migration of these apps follows.
"""

from axes.apps import AppConfig as BaseAxesConfig
from django_tasks_db.apps import TasksAppConfig as BaseTasksConfig

AXES_FIELDS = {
    "user_agent": "ブラウザ（User-Agent）",
    "ip_address": "IPアドレス",
    "username": "ユーザー名",
    "http_accept": "HTTP Accept",
    "path_info": "パス",
    "attempt_time": "日時",
    "get_data": "GETデータ",
    "post_data": "POSTデータ",
    "failures_since_start": "失敗した回数",
    "locked_out": "ロックされた",
    "logout_time": "ログアウト日時",
    "session_hash": "セッション",
    "access_attempt": "ログイン試行",
    "expires_at": "期限",
}
AXES_MODELS = {
    "accessattempt": "ログインの失敗（ロック中を含む）",
    "accessfailurelog": "ログイン失敗の記録",
    "accesslog": "ログインの記録",
    "accessattemptexpiration": "ロックの期限",
}
TASK_FIELDS = {
    "status": "状態",
    "enqueued_at": "登録日時",
    "started_at": "開始日時",
    "finished_at": "終了日時",
    "args_kwargs": "引数",
    "priority": "優先度",
    "task_path": "処理",
    "worker_ids": "ワーカー",
    "queue_name": "キュー",
    "backend_name": "バックエンド",
    "run_after": "実行予定",
    "return_value": "戻り値",
    "exception_class_path": "例外",
    "traceback": "トレースバック",
}


def relabel(app_config, models: dict[str, str], fields: dict[str, str]) -> None:
    for model in app_config.get_models():
        name = models.get(model._meta.model_name)
        if name:
            model._meta.verbose_name = model._meta.verbose_name_plural = name
        for field in model._meta.fields:
            if field.name in fields:
                field.verbose_name = fields[field.name]


class AxesConfig(BaseAxesConfig):
    verbose_name = "ログイン制限"

    def ready(self):
        super().ready()
        relabel(self, AXES_MODELS, AXES_FIELDS)


class TasksDatabaseConfig(BaseTasksConfig):
    verbose_name = "バックグラウンド処理"

    def ready(self):
        super().ready()
        relabel(self, {"dbtaskresult": "処理の結果"}, TASK_FIELDS)
