"""What every resource of the API shares: the login the API does without, the
refusals (409, 428, 412) and the web's own forms over typed data."""

from django.contrib.auth.decorators import login_not_required
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, status

from kakunin.assessments.workflow import TransitionRefused

# The API needs no web login: its own authentication classes decide (settings.REST_FRAMEWORK).
api_view = method_decorator(login_not_required, name="dispatch")


class StepRefused(exceptions.APIException):
    """The assessment's state (or its unfinished answers) does not allow the step."""

    status_code = status.HTTP_409_CONFLICT


def refused(exc: TransitionRefused) -> StepRefused:
    """A step the web would refuse with a message: 409, the reasons item by item."""
    conflict = StepRefused(str(exc))
    conflict.detail = {"detail": str(exc), "problems": exc.problems}
    return conflict


def checked(form_class, data):
    """The web's own form (its rules: lengths, no control or bidi characters) over
    data whose types the API's serializer has already checked."""
    form = form_class(data)
    if not form.is_valid():
        raise exceptions.ValidationError(form.errors)
    return form.cleaned_data


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = gettext_lazy("If-Match ヘッダーに、読んだときの ETag を付けてください。")


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = gettext_lazy(
        "読んだ後に別の人が回答を変更しました。読み直してから変更してください。"
    )
