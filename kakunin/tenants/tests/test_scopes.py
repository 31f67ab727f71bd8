"""The first lock: every model holding a municipality's data answers inside the active
municipality's scope only, and raises outside any."""

from django.apps import apps
from django_scopes import ScopeError, scope

from kakunin.assessments.models import Answer, Assessment
from kakunin.systems.models import System
from kakunin.tenants.active import activated
from testsupport.fixtures import BaseTestCase, create_second_municipality

# Models that reach a system but keep the plain manager, and why.
UNSCOPED = {
    # A person's own PDF download, found by its number and the person asking.
    "reports.PdfJob": "a person's own download, checked against its requester",
    # Reached through the answer, record or response that holds it (all scoped), and
    # every download is checked by the gate against that holder.
    "evidence.Evidence": "reached through its scoped holder; the gate checks each download",
    # A vendor's answer library is no municipality's: its file's evidence holds no answer.
    "library.EntryFile": "the vendor company's own, given by the gate to its people only",
}


def reaches_a_system(model, seen=()) -> bool:
    """Whether the model's rows belong to a system (a relation leads to System)."""
    if model is System:
        return True
    for field in model._meta.get_fields():
        if not (field.many_to_one or field.one_to_one) or not field.concrete:
            continue
        target = field.related_model
        if target in seen or target is model or target._meta.app_label in ("accounts",):
            continue
        if reaches_a_system(target, (*seen, model)):
            return True
    return False


class ScopesTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        create_second_municipality(cls)

    def test_every_model_of_a_systems_data_is_scoped(self):
        found = []
        for model in apps.get_models():
            if not model.__module__.startswith("kakunin.") or not reaches_a_system(model):
                continue
            label = model._meta.label
            found.append(label)
            if label in UNSCOPED:
                continue
            # Scopes on, no municipality: a scoped manager refuses to answer.
            with self.subTest(model=label), scope(), self.assertRaises(ScopeError):
                list(model._default_manager.all())
        self.assertIn("assessments.Answer", found)
        self.assertIn("scans.ScanResult", found)

    def test_a_query_outside_any_scope_raises_and_never_returns_everything(self):
        with scope():  # scopes on, no municipality: as a command that forgot it
            for model in (System, Assessment, Answer):
                with self.subTest(model=model.__name__), self.assertRaises(ScopeError):
                    list(model.objects.all())

    def test_inside_a_municipality_only_its_rows(self):
        with activated(self.minato):
            self.assertEqual(list(System.objects.all()), [self.minato_system])
            self.assertEqual(
                set(Answer.objects.values_list("assessment", flat=True)),
                {self.minato_assessment.pk},
            )
            # A related manager is scoped too.
            self.assertEqual(self.system.assessments.count(), 0)
        with activated(None):  # in none (an anonymous page)
            self.assertFalse(System.objects.exists())
