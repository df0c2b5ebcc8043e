from django.apps import AppConfig


class PeopleConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "people"
    verbose_name = "People and organisations"

    def ready(self) -> None:
        from people.deletion import deletion_part_register, deletion_rules_connect
        from people.models import Alias

        deletion_part_register(Alias, owner_field="person")
        deletion_rules_connect()  # nothing is deleted that recorded facts depend on
