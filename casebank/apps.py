from django.apps import AppConfig


class CasebankConfig(AppConfig):
    name = "casebank"
