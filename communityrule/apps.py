from django.apps import AppConfig


class CommunityRuleConfig(AppConfig):
    name = "communityrule"
    verbose_name = "Community Rule"

    def ready(self):
        from communityrule import checks  # noqa: F401  (registers the system checks)
