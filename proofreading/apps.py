from django.apps import AppConfig


class ProofreadingConfig(AppConfig):
    name = "proofreading"
    verbose_name = "表記チェック"
