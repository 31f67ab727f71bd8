from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "kakunin.directory"
    label = "directory"

    def ready(self):
        # Imports here, not at the top: Django calls ready() once every app's models are
        # loaded, the documented place to connect receivers and fill the registries below.
        from django.utils.translation import gettext_lazy as _

        from kakunin.accounts import external
        from kakunin.audit.words import register
        from kakunin.directory import receivers, states

        receivers.connect()
        external.register_state(states.directory_state)
        external.register_mfa_rule(states.mfa_needed)
        register(
            actions={
                "directory.configure": _("ディレクトリの設定"),
                "directory.account": _("ディレクトリによるアカウントの作成"),
                "directory.adopt": _("既存のアカウントをディレクトリに連携"),
                "directory.move": _("ディレクトリによるロール・所属の変更"),
                "directory.leaver": _("ディレクトリから削除・無効化された利用者"),
                "directory.break_glass": _("緊急用の管理者のサインイン"),
                "auth.directory_failed": _("ディレクトリでのサインインの失敗"),
            },
            fields={
                "directory": _("ディレクトリ"),
                "detail": _("詳細"),
                "state": _("ディレクトリの状態"),
            },
        )
