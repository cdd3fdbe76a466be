from rest_framework.routers import SimpleRouter

from templates_app.views import TemplateViewSet

router = SimpleRouter(trailing_slash=False)
router.register("templates", TemplateViewSet, basename="templates")

urlpatterns = router.urls
