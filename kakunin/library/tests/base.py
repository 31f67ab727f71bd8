"""The answer library's world: 千代田区 with Chiyoda's form, and 港区 with its own form
(みどり市's sheet, read from its Excel file and tagged as a person confirms the
suggestions), a system of each that alpha serves; bob is alpha's administrator."""

from kakunin.assessments.actions import create_assessment
from kakunin.library import actions
from kakunin.library.composing import proposals
from kakunin.library.models import Product
from testsupport import municipal_form
from testsupport.fixtures import (
    BaseTestCase,
    create_second_municipality,
    fill_everything,
    make_system,
)


def library_world(target) -> None:
    """港区 beside 千代田区, with its own form and a system alpha serves; 千代田区's
    assessment answered by bob, alpha's administrator."""
    create_second_municipality(target)
    target.bob.manages_organisation = True
    target.bob.save()
    target.midori = municipal_form.imported("131032")
    target.web = make_system(target.minato_dept, [target.alpha], created_by=target.mika,
                             name="港区 施設予約システム", serves_web=True)  # fmt: skip
    target.second = create_assessment(
        actor=target.mika, system=target.web, template=target.midori, phase="initial"
    )
    fill_everything(target.assessment, target.bob)


class LibraryWorld(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        library_world(cls)

    def product_from_chiyoda(self, name="施設予約クラウド") -> Product:
        """bob's product, its library built from 千代田区's answered assessment and approved."""
        product = actions.add_product(actor=self.bob, name=name, versions="v5")
        found = proposals(list(self.assessment.answers.select_related("item")), product)
        actions.build(
            actor=self.bob, product=product, proposals=found, source="test", where=self.assessment
        )
        actions.approve(actor=self.bob, entries=list(product.entries.all()))
        return product
