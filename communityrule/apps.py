from django.apps import AppConfig


class CommunityRuleConfig(AppConfig):
    name = "communityrule"
    verbose_name = "Community Rule"
