from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "access_support.accounts"
    label = "accounts"
    verbose_name = "Accounts"
