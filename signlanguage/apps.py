from __future__ import annotations

from django.apps import AppConfig


class SignLanguageConfig(AppConfig):
    name = "signlanguage"
    verbose_name = "Sign-language and written-chat sessions"
