#!/usr/bin/env python
"""Django's command-line utility."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "access_support.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as exc:
        if settings.configured:
            raise  # raised after start-up: a fault in code, whose traceback helps
        # The settings refused the environment (access_support/settings.py): the message names
        # the variable and its value, and a traceback into the settings module would bury it.
        sys.exit(f"ImproperlyConfigured: {exc}")
