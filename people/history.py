"""What every history row keeps about its author, and the history of staff accounts and roles.

simple-history links a row to its author by a foreign key that Django sets to NULL when
the account is deleted, so the name is copied onto the row when it is written: history
then still says who did it after the account is gone.
"""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import Group, User
from django.db import models
from django.dispatch import receiver
from simple_history import register
from simple_history.signals import pre_create_historical_record


class HistoryAuthor(models.Model):
    """Added to every historical model through `HistoricalRecords(bases=[HistoryAuthor])`."""

    history_username = models.CharField(
        "changed by (name kept)",
        max_length=150,
        blank=True,
        help_text="The author's user name when the change was made; kept if the account goes.",
    )

    # simple-history adds these to each historical model it builds at run time, where the
    # type checker cannot see them; declared (not assigned) so they create no field here.
    history_user_id: int | None
    history_user: AbstractBaseUser | None

    class Meta:
        abstract = True

    @property
    def history_author(self) -> str:
        """Who made the change: the account if it still exists, else the name it had."""
        if self.history_user_id is not None and self.history_user is not None:
            return self.history_user.get_username()
        return self.history_username


@receiver(pre_create_historical_record, dispatch_uid="history_author_name")
def history_author_name_keep(sender, history_instance, history_user=None, **kwargs) -> None:
    if history_user is not None and hasattr(history_instance, "history_username"):
        history_instance.history_username = history_user.get_username()


def staff_history_register() -> None:
    """Record every change to staff accounts, their roles (groups) and the roles' permissions.

    The password hash is never copied into history, and neither is the last login, which
    would add a row at every login without telling anything about who may do what.
    """
    register(
        User,
        app="people",
        m2m_fields=["groups", "user_permissions"],
        excluded_fields=["password", "last_login"],
        bases=[HistoryAuthor],
    )
    register(Group, app="people", m2m_fields=["permissions"], bases=[HistoryAuthor])
