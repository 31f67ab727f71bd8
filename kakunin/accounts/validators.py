from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class CharacterClassValidator:
    """Upper case, lower case and digits: items 5 and 42 of the form, both at once."""

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
