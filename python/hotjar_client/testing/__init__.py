"""An offline fake of the Hotjar API, for tests, notebooks, demos and benchmarks.

>>> from hotjar_client.testing import FakeHotjar
>>> with FakeHotjar(seed=1) as fake, fake.client() as client:
...     survey_id = fake.survey_ids[0]
...     assert client.responses(survey_id) == fake.responses(survey_id)

Run it on its own with ``python -m hotjar_client.testing --port 8080``.
"""

from hotjar_client._native import FakeHotjar

__all__ = ["FakeHotjar"]
