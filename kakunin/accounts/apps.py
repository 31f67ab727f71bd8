from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "kakunin.accounts"
    label = "accounts"

    def ready(self):
        # Imports here, not at the top: Django calls ready() once every app's models are
        # loaded, the documented place to connect receivers and fill the registries.
        # django-axes' receivers first: ours read the failure axes has just counted.
        from axes import signals as axes_signals  # noqa: F401
        from django.utils.translation import gettext_lazy as _

        from kakunin.accounts import checks, receivers  # noqa: F401
        from kakunin.accounts.models import Role, UserSession
        from kakunin.audit.words import register

        register(
            actions={
                "auth.login": _("ログイン"),
                "auth.logout": _("ログアウト"),
                "auth.login_failed": _("ログインの失敗"),
                "auth.mfa_failed": _("二要素認証コードの誤り"),
                "auth.login_refused": _("ロック中のログインを拒否"),
                "auth.lockout": _("アカウントのロック"),
                "auth.address_lockout": _("接続元のログイン制限"),
                "auth.unlock": _("ロックの解除"),
                "auth.sessions_end": _("セッションの終了"),
                "mfa.enrolled": _("二要素認証の登録"),
                "mfa.removed": _("二要素認証の削除"),
                "user.create": _("利用者の登録"),
                "user.update": _("利用者の変更"),
                "user.identity": _("初期管理者の本人のIDへの変更"),
                "user.disable": _("利用者の無効化"),
                "user.enable": _("利用者の有効化"),
                "user.password_reset": _("管理者によるパスワードの再設定"),
                "user.password_change": _("パスワードの変更"),
                "user.password_expired": _("パスワードの有効期限切れ"),
                "organisation.create": _("組織の登録"),
                "account_review.complete": _("アカウントの棚卸しの完了"),
            },
            fields={
                "username": _("ユーザID"),
                "full_name": _("氏名"),
                "email": _("メールアドレス"),
                "role": _("ロール"),
                "organisation": _("所属"),
                "is_active": _("有効"),
                "manages_organisation": _("事業者の管理者"),
                "login": _("入力されたID"),
                "address": _("接続元"),
                "reason": _("理由"),
                "type": _("種類"),
                "state": _("状態"),
                "user": _("利用者"),
                "ended": _("終了したセッション"),
                "listed": _("棚卸しの対象"),
                "password_changed_at": _("パスワードの変更日時"),
                "name": _("名称"),
                "kind": _("種別"),
                "corporate_number": _("法人番号"),
            },
            values={
                "role": dict(Role.choices),
                "type": {"totp": "TOTP", "recovery_codes": _("回復コード")},
                "reason": {
                    **dict(UserSession.End.choices),
                    "account": _("アカウントのロック中"),
                    "address": _("接続元の制限中"),
                },
            },
        )
