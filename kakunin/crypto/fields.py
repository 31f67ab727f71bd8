"""A text field stored encrypted (AES-256-GCM, see keys.py). It cannot be searched."""

from django.db import models

from kakunin.crypto import keys


class EncryptedTextField(models.TextField):
    description = "Text encrypted at rest with AES-256-GCM"

    def context(self) -> str:
        return f"{self.model._meta.db_table}.{self.column}"

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return keys.encrypt(value.encode(), self.context())

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return keys.decrypt(value, self.context()).decode()

    def get_lookup(self, lookup_name):
        if lookup_name not in ("isnull", "exact"):
            raise TypeError(f"{self.name} is encrypted and cannot be searched with {lookup_name!r}")
        return super().get_lookup(lookup_name)
