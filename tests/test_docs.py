"""The README is for users and short; the rest of the documentation is in docs/, and every link resolves."""

import re

from tests.conftest import ROOT


def test_the_readme_stays_short_and_its_links_resolve():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 350
    links = re.findall(r"\]\(([^)#]+)\)", readme)
    assert links and all((ROOT / link).exists() for link in links if "://" not in link), links
