"""accounts.models rules the database enforces, whatever path a row takes."""

import pytest
from django.db import IntegrityError, transaction

from accounts.models import User


@pytest.mark.django_db
def test_email_is_unique_regardless_of_case_even_without_normalising():
    # objects.create() skips normalize_email: the database constraint decides.
    User.objects.create(email="a@x.org")

    with pytest.raises(IntegrityError, match="accounts_user_email_ci_unique"), transaction.atomic():
        User.objects.create(email="A@x.org")

    User.objects.create(email="b@x.org")  # another address is fine
    assert sorted(User.objects.values_list("email", flat=True)) == ["a@x.org", "b@x.org"]


@pytest.mark.django_db
def test_create_user_lowercases_so_a_differently_cased_address_is_the_same_user():
    User.objects.create_user("a@x.org")

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user("  A@X.ORG ")

    assert User.objects.get_by_natural_key("A@X.org").email == "a@x.org"
