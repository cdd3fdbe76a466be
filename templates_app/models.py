import uuid

from django.db import models

from templates_app.validators import validate_template_body


class RuleTemplateQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published=True)

    def in_catalog_order(self):
        # SPEC §5: featured first, then sort order, then title.
        return self.order_by("-featured", "sort_order", "title", "slug")


class RuleTemplateManager(models.Manager.from_queryset(RuleTemplateQuerySet)):
    def seed(self, templates, *, update: bool = False) -> tuple[int, int]:
        """Create the starter ``templates`` (dicts with a ``slug``) that are missing.

        Idempotent: an existing slug is left as staff edited it, unless
        ``update`` is true, when its fields are reset to the given ones.
        Returns ``(created, updated)``.
        """
        created = updated = 0
        for spec in templates:
            fields = {key: value for key, value in spec.items() if key != "slug"}
            template, was_created = self.get_or_create(slug=spec["slug"], defaults=fields)
            if was_created:
                created += 1
            elif update:
                for name, value in fields.items():
                    setattr(template, name, value)
                template.full_clean()
                template.save()
                updated += 1
        return created, updated


class RuleTemplate(models.Model):
    """A starter rule curated by staff."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=200)
    category = models.CharField(max_length=100, db_index=True)
    description = models.TextField(blank=True)
    body = models.JSONField(validators=[validate_template_body])
    sort_order = models.IntegerField(default=0)
    featured = models.BooleanField(default=False)
    published = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RuleTemplateManager()

    class Meta:
        verbose_name = "rule template"
        ordering = ["-featured", "sort_order", "title"]

    def __str__(self):
        return self.title
