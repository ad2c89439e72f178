"""The FAQ import job's page in the states issue 8 added: interrupted (its
worker died; the file is kept and the job can run again) and finished (the
file deleted). Screenshots at 375 and 1280 px in English and Japanese
(test-artifacts/screenshots/<language>-<width>-import-<state>.png), with the
same checks as test_screenshots: 200, the right language, no sideways scrolling."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from qa.models import ImportJob
from tests.browser.test_screenshots import OVERFLOW, WIDTHS

pytestmark = pytest.mark.browser


@pytest.fixture
def jobs(settings, tmp_path, staff):
    settings.MEDIA_ROOT = tmp_path / "media"
    long_ago = timezone.now() - timedelta(seconds=settings.IMPORT_JOB_LEASE_SECONDS + 60)
    interrupted = ImportJob(
        file_name="よくある質問_2026年11月版_全カテゴリ.csv",
        file_size=52_000_000,
        encoding="utf-8",
        status=ImportJob.Status.RUNNING,
        bytes_read=21_000_000,
        created=34_120,
        unchanged=12,
        failed=3,
        failures=[[17, "The answer is empty."], [230, "The answer is empty."], [4_411, "The answer is empty."]],
        started_by=staff,
        started_at=long_ago,
        heartbeat_at=long_ago,
        run_number=1,
    )
    interrupted.file.save("interrupted.csv", ContentFile(b"question,answer\n"), save=False)
    interrupted.save()
    finished = ImportJob.objects.create(
        file_name="faq.csv",
        file_size=2_900_000,
        encoding="cp932",
        status=ImportJob.Status.DONE,
        bytes_read=2_900_000,
        created=5_000,
        started_by=staff,
        finished_at=timezone.now(),
    )
    return {"interrupted": interrupted, "finished": finished}


@pytest.mark.parametrize("language", ["en", "ja"])
def test_screenshots_of_the_import_job_page(site, new_page, signed_in, screenshot_dir, jobs, staff, language):
    page, _problems = new_page(locale="ja-JP" if language == "ja" else "en-US")
    page.context.add_cookies([{"name": "django_language", "value": language, "url": site}])
    signed_in(page.context, staff)
    problems_found = []
    for state, job in jobs.items():
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            response = page.goto(site + reverse("admin:qa_tip_import_job", args=[job.pk]))
            assert response.status == 200
            assert page.locator("html").get_attribute("lang") == language
            target = screenshot_dir / f"{language}-{width}-import-{state}.png"
            page.screenshot(path=str(target), full_page=True)
            overflow = page.evaluate(OVERFLOW)
            if overflow["scrollWidth"] > overflow["width"] + 1:
                problems_found.append(f"{target.name}: {overflow['scrollWidth']}px wide: {overflow['wide']}")
    assert not problems_found, "Sideways scrolling:\n" + "\n".join(problems_found)
    # Viewing the page found the dead worker; the button runs the job again.
    assert ImportJob.objects.get(pk=jobs["interrupted"].pk).can_run_again
    page.goto(site + reverse("admin:qa_tip_import_job", args=[jobs["interrupted"].pk]))
    page.locator("form[action$='/run-again/'] button[type=submit]").click()
    page.wait_for_load_state()
    # The browser suite runs Celery eagerly: the job ran again at once (its file has no rows).
    job = ImportJob.objects.get(pk=jobs["interrupted"].pk)
    assert (job.status, job.run_number, job.file.name) == ("done", 2, "")
