from __future__ import annotations

from django.apps import AppConfig


class ProxiesConfig(AppConfig):
    name = "proxies"
    verbose_name = "Senior Support"

    def ready(self) -> None:
        # The core names no app: it learns of the acting-for context and the demo data here.
        from access_support import extensions
        from access_support.notifications import services as notifications
        from proxies import acting, demo, selectors, services

        notifications.register(services.notice_kinds())
        notifications.register(services.proxy_notice_kinds())

        extensions.register_acting(
            extensions.Acting(
                members_for=selectors.members_for_proxy_json,
                seconds_left=acting.seconds_left,
                keep_alive=acting.keep_alive,
            )
        )
        extensions.register_demo(demo.seed)
