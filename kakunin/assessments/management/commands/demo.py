"""Create a clearly marked demo: a ward department, a vendor, their users, a system
and an assessment, for trying Kakunin. Refuses to run when DEBUG is off.

Every demo object carries 【デモ】 in its name and is_demo=True, so that the
account review can find and disable them before going live (test-account-removal).
"""

from django.conf import settings
from django.core.management.base import CommandError
from django.db import transaction

from kakunin.accounts import actions as account_actions
from kakunin.accounts.models import Organisation, Role, User
from kakunin.assessments.actions import create_assessment
from kakunin.catalog.models import Template
from kakunin.systems.actions import add_member, create_system
from kakunin.systems.models import AssetCategory, System
from kakunin.tenants.commands import MunicipalityCommand

PREFIX = "【デモ】"
USERS = [
    ("demo-reviewer", "デモ 審査担当", Role.REVIEWER, "ward-security"),
    ("demo-department", "デモ 所管課担当", Role.DEPARTMENT, "ward-dept"),
    ("demo-vendor", "デモ 事業者担当", Role.VENDOR, "vendor"),
    ("demo-auditor", "デモ 監査人", Role.AUDITOR, None),
]


class Command(MunicipalityCommand):
    help = __doc__

    @transaction.atomic
    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "demo は DEBUG=1 のときだけ実行できます（本番環境にデモデータを作らないため）。"
            )
        template = Template.default()
        if template is None:
            raise CommandError(
                "様式が読み込まれていません。先に manage.py load_catalog を実行してください。"
            )
        if System.objects.filter(is_demo=True).exists():
            self.stdout.write("デモデータは作成済みです。")
            return
        orgs = {
            "ward-security": self.org(f"{PREFIX}情報政策課", Organisation.Kind.WARD),
            "ward-dept": self.org(f"{PREFIX}子ども支援課", Organisation.Kind.WARD),
            "vendor": self.org(f"{PREFIX}株式会社サンプルシステムズ", Organisation.Kind.VENDOR),
        }
        for username, name, role, org in USERS:
            user, password = account_actions.create_user(
                actor=None,
                data={
                    "username": username,
                    "email": f"{username}@example.invalid",
                    "full_name": name,
                    "role": role,
                    "organisation": orgs[org] if org else None,
                    "is_demo": True,
                },
            )
            self.stdout.write(f"{username} / {password}（{user.get_role_display()}）")
        owner = User.objects.get(username="demo-department")
        system = create_system(
            actor=owner,
            data={
                "name": f"{PREFIX}子ども発達支援システム",
                "department": orgs["ward-dept"],
                "description": "発達支援の相談記録を管理するWebシステム（デモ）",
                "asset_categories": [AssetCategory.PERSONAL, AssetCategory.SENSITIVE],
                "asset_notes": "氏名、住所、生年月日、相談歴、療育歴",
                "confidentiality": 3,
                "integrity": 2,
                "availability": 1,
                "uses_servers": True,
                "serves_web": True,
                "uses_external_services": True,
                "my_number_domain": False,
                "is_demo": True,
            },
            vendors=[orgs["vendor"]],
        )
        add_member(actor=owner, system=system, user=User.objects.get(username="demo-vendor"))
        create_assessment(actor=owner, system=system, template=template, phase="initial")
        self.stdout.write(f"{system.name} と新規構築時の確認票を作成しました。")

    def org(self, name: str, kind: str) -> Organisation:
        return account_actions.create_organisation(actor=None, name=name, kind=kind, is_demo=True)
