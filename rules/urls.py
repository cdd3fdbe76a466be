from rest_framework.routers import SimpleRouter

from rules.views import RuleViewSet

router = SimpleRouter(trailing_slash=False)
# SimpleRouter routes the detail=False action (rules/me) before rules/{pk}.
router.register("rules", RuleViewSet, basename="rules")

urlpatterns = router.urls
