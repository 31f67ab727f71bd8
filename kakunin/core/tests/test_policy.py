"""Rules about the code itself (items 40, 51–54, 58): checked over the whole tree,
so that a new view or form cannot forget them."""

import ast
import importlib
import inspect
import re
import tomllib
from pathlib import Path

from django import forms
from django.conf import settings
from django.template import engines
from django.test import SimpleTestCase
from django.urls import URLPattern, URLResolver, get_resolver

from kakunin.accounts.forms import LoginForm
from kakunin.catalog.loader import bundled_files, read_file, vocabulary_keys
from kakunin.core.text import PlainText

ROOT = Path(settings.BASE_DIR)
APP_CODE = [
    p for p in (ROOT / "kakunin").rglob("*.py")
    if "/tests/" not in str(p) and "/migrations/" not in str(p) and p.name not in ("test.py", "browser.py")
]  # fmt: skip

# Every module of views: an app's views.py, and the API's, one module per resource.
VIEW_FILES = [p for p in APP_CODE if p.name == "views.py" or p.parent.name == "views"]
assert any(p.parent.name == "views" for p in VIEW_FILES)

# The pages anyone may open: logging in, resetting a password, choosing a
# language, the health check. Everything else needs a login.
PUBLIC = {
    "account_login", "account_signup", "account_reset_password", "account_reset_password_done",
    "account_reset_password_from_key", "account_reset_password_from_key_done",
    "account_confirm_login_code", "account_request_login_code", "account_confirm_password_reset_code",
    "account_inactive", "account_email_verification_sent", "account_confirm_email",
    "account_verify_email_code", "mfa_authenticate", "mfa_trust", "account_login_code",
    "account_complete_password_reset", "account_password_reset_completed",
    "set_language", "healthz", "account_logout",
    "open", "accept",  # invitations:open, invitations:accept (the e-mailed link)
    "redoc_bundle",  # api:redoc_bundle, Redoc's script (a static file, its logo made local)
    # A municipality's OpenID Connect sign-in (kakunin/directory): its start page, allauth's
    # paths for it (answered by the directory's views), and allauth's pages of a sign-in
    # through a provider, cancelled or failed; connecting and signing up are 404s.
    "oidc_start", "oidc_login", "oidc_callback", "no_connections", "no_signup", "no_password_set",
    "openid_connect_login", "openid_connect_callback", "socialaccount_login_cancelled",
    "socialaccount_login_error", "socialaccount_signup",
}  # fmt: skip


def patterns(resolver=None, prefix=""):
    for p in (resolver or get_resolver()).url_patterns:
        if isinstance(p, URLResolver):
            yield from patterns(p, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p


class PolicyTestCase(SimpleTestCase):
    def test_every_page_needs_a_login_except_the_public_ones(self):
        from rest_framework.permissions import IsAuthenticated
        from rest_framework.views import APIView

        def asks_for_a_login(callback) -> bool:
            """The REST API leaves Django's login to its own authentication (a token
            or the session), and its views ask IsAuthenticated."""
            view = getattr(callback, "cls", None)
            if not (isinstance(view, type) and issubclass(view, APIView)):
                return getattr(callback, "login_required", True)
            return any(isinstance(p, IsAuthenticated) for p in view().get_permissions())

        open_views = {
            p.name or route for route, p in patterns() if not asks_for_a_login(p.callback)
        }
        self.assertLessEqual(open_views, PUBLIC, sorted(open_views - PUBLIC))
        self.assertIn("healthz", open_views)
        self.assertIn("account_login", open_views)

    def test_the_orm_only_no_sql_strings_no_shell_no_paths_from_input(self):
        forbidden = {
            r"\.raw\(": "raw SQL",
            r"\.extra\(": "QuerySet.extra",
            r"RawSQL": "RawSQL",
            r"\bcursor\(": "a database cursor",
            r"shell\s*=\s*True": "a shell",
            r"os\.system|os\.popen|commands\.getoutput": "a shell",
            r"\beval\(|\bexec\(": "eval/exec",
            r"pickle\.loads|yaml\.load\((?!.*Loader=_LineLoader)": "unsafe deserialisation",
        }
        # The one module that speaks SQL, with fixed statements only: the backup's
        # snapshot (SET TRANSACTION, pg_export_snapshot), every table's row count (names
        # from the database's own catalogue, quoted) and the scratch database it verifies
        # in. Nothing from a request or a person reaches it.
        # And the row-level security of PostgreSQL (tenants/rls.py): policies made from the
        # models' own table and column names, quoted, and the municipality's number set
        # as a parameter.
        sql_allowed = {
            ROOT / "kakunin" / "backups" / "database.py",
            ROOT / "kakunin" / "tenants" / "rls.py",
        }
        for path in APP_CODE:
            text = path.read_text(encoding="utf-8")
            for pattern, what in forbidden.items():
                if path in sql_allowed and what == "a database cursor":
                    continue
                with self.subTest(file=str(path.relative_to(ROOT)), rule=what):
                    self.assertIsNone(re.search(pattern, text), f"{what} in {path}")

    def test_views_never_open_files_named_by_the_request(self):
        for path in VIEW_FILES:
            tree = ast.parse(path.read_text(encoding="utf-8"))
            calls = [
                n.func.id
                for n in ast.walk(tree)
                if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
            ]
            with self.subTest(file=str(path.relative_to(ROOT))):
                self.assertNotIn("open", calls)

    def test_templates_autoescape(self):
        for path in [*(ROOT / "templates").rglob("*.html"), *(ROOT / "jinja2").rglob("*.html")]:
            text = path.read_text(encoding="utf-8")
            with self.subTest(template=str(path.relative_to(ROOT))):
                self.assertNotIn("|safe", text)
                self.assertNotIn("autoescape off", text)
                self.assertNotIn("autoescape false", text)

        self.assertTrue(engines["jinja2"].env.autoescape)

    def test_django_template_comments_end_on_their_line(self):
        """A {# #} comment spanning lines is not a comment in Django's language: it is
        printed (the yearly report's PDF showed one under every heading)."""
        from django.template.base import Lexer, TokenType

        django_templates = [
            *(ROOT / "templates").rglob("*.html"),
            *(ROOT / "templates").rglob("*.txt"),
            *(ROOT / "kakunin").rglob("templates/**/*.*"),
        ]
        self.assertGreater(len(django_templates), 50)
        for path in django_templates:
            tokens = Lexer(path.read_text(encoding="utf-8")).tokenize()
            printed = [t for t in tokens if t.token_type == TokenType.TEXT and "{#" in t.contents]
            with self.subTest(template=str(path.relative_to(ROOT))):
                self.assertEqual(
                    [t.lineno for t in printed], [], "use {% comment %} for several lines"
                )

    def test_every_csv_export_neutralises_its_cells(self):
        """One writer (core/csvfile.py) writes every CSV a person downloads: each cell
        neutralised against formula injection (issue 23.12)."""
        writers = [
            str(path.relative_to(ROOT))
            for path in APP_CODE
            if re.search(r"csv\.(writer|DictWriter)\(", path.read_text(encoding="utf-8"))
        ]
        self.assertEqual(writers, ["kakunin/core/csvfile.py"])

    def test_mark_safe_only_where_the_html_was_escaped_by_us(self):
        allowed = {
            "kakunin/core/jinja.py",  # the Jinja2 fragments, autoescaped
            # The kept header: a Django template's output, its slots filled with escape().
            "kakunin/accounts/context_processors.py",
        }
        for path in APP_CODE:
            rel = str(path.relative_to(ROOT))
            if "mark_safe(" in path.read_text(encoding="utf-8"):
                self.assertIn(rel, allowed)

    def test_every_form_field_has_a_length_and_type_limit(self):
        for form_class in self.all_forms():
            for name, field in form_class.base_fields.items():
                with self.subTest(form=form_class.__name__, field=name):
                    if isinstance(field, forms.CharField) and not isinstance(
                        field, forms.ChoiceField
                    ):
                        self.assertIsNotNone(field.max_length, "no max_length")
                    self.assertNotEqual(type(field), forms.Field, "untyped field")

        form = LoginForm(data={"login": "x" * 300, "password": "y"})
        self.assertFalse(form.is_valid())

    def test_every_form_with_text_follows_the_one_text_rule(self):
        """Issue 23.14: every form where people type text refuses the bidirectional
        controls: it is a PlainText form, or calls plain_text_fields itself."""
        for form_class in self.all_forms():
            typed = [
                name
                for name, field in form_class.base_fields.items()
                if isinstance(field, forms.CharField)
                and not isinstance(field, forms.ChoiceField)
                and not isinstance(field.widget, forms.PasswordInput)
            ]
            if not typed:
                continue
            with self.subTest(form=form_class.__name__, fields=typed):
                self.assertTrue(
                    issubclass(form_class, PlainText)
                    or any(
                        "plain_text_fields(self)" in inspect.getsource(c)
                        for c in form_class.__mro__
                        if c.__module__.startswith("kakunin")
                    ),
                    "a form with text fields that does not refuse bidirectional controls",
                )

    def all_forms(self):
        found = []
        for path in (ROOT / "kakunin").rglob("*.py"):
            if "/tests/" in str(path) or "/migrations/" in str(path):
                continue
            module = importlib.import_module(".".join(path.relative_to(ROOT).with_suffix("").parts))
            for value in vars(module).values():
                if (
                    isinstance(value, type)
                    and issubclass(value, forms.BaseForm)
                    and value.__module__ == module.__name__
                ):
                    found.append(value)
        self.assertGreater(len(found), 8)
        return found

    def test_mail_goes_through_djangos_api_only(self):
        for path in APP_CODE:
            text = path.read_text(encoding="utf-8")
            with self.subTest(file=str(path.relative_to(ROOT))):
                self.assertNotRegex(text, r"import smtplib|from smtplib")


def contract_layers() -> list[set[str]]:
    """The layers of pyproject.toml's import contract, top to bottom, as app names."""
    contract = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    layers = next(c for c in contract["contracts"] if c["id"] == "layers")["layers"]
    return [{name.strip().removeprefix("kakunin.") for name in line.split("|")} for line in layers]


def drawn_layers(text: str) -> list[set[str]]:
    """The layers as ARCHITECTURE.md draws them: the lines of the drawing under "## The
    layers" that name apps (before the parenthesis that says what they hold)."""
    section = text.split("## The layers", 1)[1]
    drawing = section.split("```", 2)[1]
    out = []
    for line in drawing.splitlines():
        names = line.split("(", 1)[0].strip()
        if re.fullmatch(r"[a-z_]+( \| [a-z_]+)*", names):
            out.append({n.strip() for n in names.split("|")})
    return out


def calls_to(tree: ast.AST, module: str, names: set[str]) -> list[int]:
    """The lines of the calls of `names` imported from `module` (under any alias), and of
    `module`'s attributes by those names."""
    aliases, modules = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == module:
            aliases |= {a.asname or a.name for a in node.names if a.name in names}
        if isinstance(node, ast.ImportFrom) and f"{node.module}.{node.names[0].name}" == module:
            modules |= {a.asname or a.name for a in node.names}
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and (
            (isinstance(node.func, ast.Name) and node.func.id in aliases)
            or (
                isinstance(node.func, ast.Attribute)
                and node.func.attr in names
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id in modules
            )
        )
    ]


def is_actions(path: Path) -> bool:
    return path.name == "actions.py" or path.parent.name == "actions"


class HouseTestCase(SimpleTestCase):
    """ARCHITECTURE.md tells the truth about the house, and the house keeps its rules."""

    def test_the_drawing_of_the_layers_is_the_contract(self):
        drawn = drawn_layers((ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8"))
        self.assertEqual(drawn, contract_layers())
        # Every app of the package is in it.
        apps = {p.parent.name for p in (ROOT / "kakunin").glob("*/apps.py")}
        self.assertLessEqual(apps, set().union(*drawn))

    def test_the_drawing_is_read_line_by_line(self):
        """The reader of the drawing itself: a layer moved or an app left out differs."""
        text = "## The layers\n```\n  urls\n  a | b   (two)\n   ▼\n  core  (the base)\n```\n"
        self.assertEqual(drawn_layers(text), [{"urls"}, {"a", "b"}, {"core"}])

    def test_every_audited_write_is_an_actions_function(self):
        """audit.trail.record (and record_many) is called from actions modules only, and
        from workflow.advance(), the part every step's action shares, which itself is
        called from actions only."""
        trail = ROOT / "kakunin" / "audit" / "trail.py"
        workflow = ROOT / "kakunin" / "assessments" / "workflow.py"
        for path in APP_CODE:
            if path == trail or is_actions(path):
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            where = calls_to(tree, "kakunin.audit.trail", {"record", "record_many"})
            if path == workflow:
                advance = next(
                    n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "advance"
                )
                where = [n for n in where if not advance.lineno <= n <= advance.end_lineno]
            with self.subTest(file=str(path.relative_to(ROOT))):
                self.assertEqual(where, [], f"audit.trail.record outside actions: {path}")
            if path != workflow:
                advanced = calls_to(tree, "kakunin.assessments.workflow", {"advance"})
                with self.subTest(file=str(path.relative_to(ROOT)), call="advance"):
                    self.assertEqual(advanced, [], f"workflow.advance outside actions: {path}")

    def test_the_finder_of_audit_calls_finds_them(self):
        """The finder itself: a direct call, an alias and the module's attribute."""
        code = (
            "from kakunin.audit.trail import record as audit\n"
            "from kakunin.audit import trail\n"
            "audit('x')\ntrail.record_many([])\nprint('record')\n"
        )
        self.assertEqual(
            calls_to(ast.parse(code), "kakunin.audit.trail", {"record", "record_many"}), [3, 4]
        )

    def test_no_module_is_too_large_and_no_function_too_long(self):
        """Modules within 600 lines and functions within 80 (tests and migrations aside):
        a large one is split by what it holds."""
        for path in APP_CODE:
            text = path.read_text(encoding="utf-8")
            with self.subTest(file=str(path.relative_to(ROOT))):
                self.assertLessEqual(text.count("\n"), 600)
            for node in ast.walk(ast.parse(text)):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    with self.subTest(file=str(path.relative_to(ROOT)), function=node.name):
                        self.assertLessEqual(node.end_lineno - node.lineno + 1, 80)


# A form's own numbering, named in code or in a page: "No.61", "item 36", "items 20–22",
# "項目36", "58④". Kakunin names controls; only the catalog (its data and its loader)
# knows a form's numbers and keys.
ITEM_NUMBER = re.compile(r"No\.\s?\d|\b[Ii]tems?\s\d|項目\s?\d|\d[\u2460-\u2473]")
FORM_AWARE = ("kakunin/catalog/",)


def form_text_files() -> list[Path]:
    pages = [*(ROOT / "templates").rglob("*.html"), *(ROOT / "templates").rglob("*.txt")]
    return [*APP_CODE, *pages, *(ROOT / "jinja2").rglob("*.html")]


def bundled_item_keys() -> set[str]:
    keys = {item["key"] for path in bundled_files() for item in read_file(path).items}
    return keys - vocabulary_keys()


class FormsAsDataTestCase(SimpleTestCase):
    """Nothing outside the catalog names an item of a form by its number or its key:
    the features that read an item's meaning name controls (issue 25)."""

    def test_no_module_or_page_names_an_item_by_its_number(self):
        for path in form_text_files():
            name = str(path.relative_to(ROOT))
            if name.startswith(FORM_AWARE):
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                with self.subTest(file=name, line=number):
                    self.assertIsNone(ITEM_NUMBER.search(line), line.strip())

    def test_no_module_names_an_item_by_its_key(self):
        keys = bundled_item_keys()
        self.assertGreater(len(keys), 50)
        for path in APP_CODE:
            name = str(path.relative_to(ROOT))
            if name.startswith(FORM_AWARE):
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            found = [
                (node.lineno, node.value)
                for node in ast.walk(tree)
                if isinstance(node, ast.Constant) and node.value in keys
            ]
            with self.subTest(file=name):
                self.assertEqual(found, [])

    def test_the_finders_find_what_they_look_for(self):
        for text in ("No.61", "item 36", "items 20–22", "項目36", "58④", "(items 28, 58④)"):
            self.assertIsNotNone(ITEM_NUMBER.search(text), text)
        for text in ("No.{{ n }}", "item's text", "20 items", "Item(", "port 443"):
            self.assertIsNone(ITEM_NUMBER.search(text), text)
        self.assertIn("web-tls-version", bundled_item_keys())
        self.assertNotIn("log-review", bundled_item_keys())  # a control's key as well
