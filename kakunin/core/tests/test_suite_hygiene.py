"""The suite itself: no test class may shadow unittest's own methods.

A helper named `fail` once replaced unittest's `fail`: every failed assertion in
its class ran a login instead, and the tests passed with the feature removed.
"""

import importlib
import inspect
import pkgutil
import unittest

from django.test import SimpleTestCase

import kakunin

# What a test class is meant to define itself.
ALLOWED = {"setUp", "tearDown", "setUpClass", "tearDownClass", "setUpTestData", "run",
           "debug", "countTestCases", "id", "shortDescription", "__init__", "__call__",
           "_fixture_setup", "_fixture_teardown"}  # fmt: skip


def all_test_classes():
    for info in pkgutil.walk_packages(kakunin.__path__, "kakunin."):
        if ".tests." not in info.name:
            continue
        module = importlib.import_module(info.name)
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, unittest.TestCase) and cls.__module__ == module.__name__:
                yield cls


class SuiteHygieneTestCase(SimpleTestCase):
    def test_no_test_class_shadows_unittests_own_methods(self):
        own = {name for name in dir(unittest.TestCase) if not name.startswith("__")}
        shadowing = [
            f"{cls.__module__}.{cls.__qualname__}.{name}"
            for cls in all_test_classes()
            for name in vars(cls)
            if name in own and name not in ALLOWED
        ]
        self.assertEqual(shadowing, [])
