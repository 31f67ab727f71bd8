from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "kakunin.tenants"
    label = "tenants"
    verbose_name = "Municipalities"

    def ready(self):
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate

        from kakunin.tenants import rls

        connection_created.connect(rls.on_connect, dispatch_uid="kakunin-rls")
        post_migrate.connect(rls.after_migrate, sender=self, dispatch_uid="kakunin-rls")
