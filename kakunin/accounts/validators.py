from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kakunin.accounts.models import User
from kakunin.tenants.active import current


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's, with the minimum of the person's municipality where it asks more
    (Municipality.min_password_length, never less than the service's)."""

    def _length_for(self, user) -> int:
        municipality = getattr(user, "municipality", None) if user is not None else None
        if municipality is None and user is None:
            municipality = current()
        if municipality is not None:
            return max(self.min_length, municipality.min_password_length)
        return self.min_length

    def validate(self, password, user=None):
        length = self._length_for(user)
        if len(password) < length:
            raise ValidationError(
                _("パスワードは%(n)d文字以上にしてください。") % {"n": length},
                code="password_too_short",
                params={"min_length": length},
            )

    def get_help_text(self):
        return _("%(n)d文字以上にしてください。") % {"n": self._length_for(None)}


class CharacterClassValidator:
    """Upper case, lower case and digits (password-rules: the strictest of the usual forms)."""

    def validate(self, password, user=None):
        missing = []
        if not any(c.isascii() and c.isupper() for c in password):
            missing.append(_("英大文字"))
        if not any(c.isascii() and c.islower() for c in password):
            missing.append(_("英小文字"))
        if not any(c.isdigit() for c in password):
            missing.append(_("数字"))
        if missing:
            raise ValidationError(
                _("パスワードには%(missing)sを含めてください。") % {"missing": "・".join(missing)},
                code="password_character_classes",
            )

    def get_help_text(self):
        return _("英大文字・英小文字・数字をそれぞれ1文字以上含めてください。")


class PasswordHistoryValidator:
    """Neither the current password nor the PASSWORD_HISTORY before it may come back."""

    def validate(self, password, user=None):
        if user is None or not user.pk:
            return
        n = settings.PASSWORD_HISTORY
        # The stored hash: a form may already have set the new one on `user`.
        current = User.objects.filter(pk=user.pk).values_list("password", flat=True).first()
        recent = user.password_history.values_list("password", flat=True)[:n]
        for encoded in {current, *recent} - {None, ""}:
            if check_password(password, encoded):
                raise ValidationError(
                    _("現在のパスワードと、最近使った%(n)d個のパスワードは使えません。") % {"n": n},
                    code="password_reused",
                )

    def get_help_text(self):
        n = settings.PASSWORD_HISTORY
        return _("現在のパスワードと、最近使った%(n)d個のパスワードは使えません。") % {"n": n}
