from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "access_support.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        # Every form field left empty says what to do, in the reader's wording; a field's own
        # `error_messages={"required": …}` still wins. Forms are imported after apps are ready.
        from django import forms

        from access_support.accounts import reading

        forms.Field.default_error_messages["required"] = reading.REQUIRED_MESSAGE
