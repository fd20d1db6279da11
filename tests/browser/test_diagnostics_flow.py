"""In real Chromium against the live stack, a diagnostic campaign end to end: the methodologist
imports a small Moodle XML bank through the import page, opens a campaign with the wizard and
adds a questionnaire question, and drafts a second campaign as a blueprint (items drawn per
topic), which another teacher starts, is shown the items drawn for her, answers and submits by
hand; a teacher of school 1 takes the first on the centre's site, closes the page mid-way and
resumes on another "device" with the answers still there, and runs out of time, so the attempt
is submitted automatically; a tutor grades the extended answer blind; the teacher sees the
per-topic result; the methodologist sees the item analysis.

The teachers' part (sign in, start, answer, submit, see the result) is done with the keyboard
alone (issue 14): Tab, arrows, Space, Enter and typing; every control reached shows its focus
(``tab_to``)."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from accounts.models import User
from codifier.models import Codifier
from tests.browser.axe import assert_accessible
from tests.browser.test_keyboard_walk import (
    arrow_to,
    choose_file,
    choose_tag,
    press_on,
    retype_into,
    sign_in_by_keyboard,
    tab_to,
    type_datetime,
    type_into,
)
from tests.conftest import District, LiveStack
from tests.diagnostics_campaigns.helpers import make_cast
from tutorials.diagnostics.campaigns.models import Attempt, Campaign
from tutorials.diagnostics.models import ItemType, ItemVersion

pytestmark = [pytest.mark.browser, pytest.mark.live]

CENTRE = "centre.localhost"

# The bank a centre brings from Moodle: one question of each type the flow needs, tagged
# with the codifier's codes (single 1.1, multiple 1.2, short 2.1, numeric 1.1 and 2.1,
# an essay worth 3 points on 3.1).
MOODLE_BANK = """<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="category"><category><text>$course$/ОГЭ/Сентябрь</text></category></question>
  <question type="multichoice">
    <name><text>Сложение</text></name>
    <questiontext format="html"><text><![CDATA[<p>2 + 2 = ?</p>]]></text></questiontext>
    <defaultgrade>1</defaultgrade><single>true</single><shuffleanswers>false</shuffleanswers>
    <answer fraction="0" format="html"><text>3</text></answer>
    <answer fraction="100" format="html"><text>4</text></answer>
    <tags><tag><text>1.1</text></tag></tags>
  </question>
  <question type="multichoice">
    <name><text>Равные дроби</text></name>
    <questiontext format="html">
      <text><![CDATA[<p>Какие дроби равны \\(\\frac12\\)?</p>]]></text>
    </questiontext>
    <defaultgrade>2</defaultgrade><single>false</single><shuffleanswers>false</shuffleanswers>
    <answer fraction="50" format="html"><text>2/4</text></answer>
    <answer fraction="50" format="html"><text>3/6</text></answer>
    <answer fraction="-100" format="html"><text>2/3</text></answer>
    <tags><tag><text>1.2</text></tag></tags>
  </question>
  <question type="shortanswer">
    <name><text>Уравнение</text></name>
    <questiontext format="html"><text><![CDATA[<p>Решите x + 1 = 4</p>]]></text></questiontext>
    <defaultgrade>1</defaultgrade>
    <answer fraction="100" format="moodle_auto_format"><text>3</text></answer>
    <tags><tag><text>КЭС 2.1</text></tag></tags>
  </question>
  <question type="numerical">
    <name><text>Корень</text></name>
    <questiontext format="html"><text><![CDATA[<p>Корень уравнения 2x = 7</p>]]></text></questiontext>
    <defaultgrade>1</defaultgrade>
    <answer fraction="100" format="moodle_auto_format"><text>3.5</text><tolerance>0</tolerance></answer>
    <tags><tag><text>1.1</text></tag><tag><text>2.1</text></tag></tags>
  </question>
  <question type="essay">
    <name><text>График</text></name>
    <questiontext format="html"><text><![CDATA[<p>Постройте график y = x²</p>]]></text></questiontext>
    <defaultgrade>3</defaultgrade>
    <graderinfo format="html"><text><![CDATA[<p>Парабола, вершина в нуле</p>]]></text></graderinfo>
    <tags><tag><text>3.1</text></tag></tags>
  </question>
</quiz>
"""


def _page(browser: Any, stack: LiveStack, user: User) -> Any:
    page = browser.new_context(locale="ru-RU").new_page()
    sign_in_by_keyboard(page, stack, CENTRE, user.email)
    return page


def _wait_saved(page: Any) -> None:
    # A locator assertion, not wait_for_function: the page's CSP forbids the eval that uses.
    expect(page.locator("#save-state")).to_have_text("Сохранено")


def _teacher_page(browser: Any, stack: LiveStack, user: User) -> Any:
    """A teacher's device, signed in by keyboard on the centre's site, at "My diagnostics"."""
    page = browser.new_context(locale="ru-RU").new_page()
    sign_in_by_keyboard(page, stack, CENTRE, user.email)
    page.goto(stack.url(CENTRE, "/diagnostics/my/"))
    return page


def _arrow_to(page: Any, group: str, wanted: str) -> None:
    """Tab into a radio group (``group`` selects its radios) and arrow until ``wanted`` is chosen."""
    tab_to(page, group)
    for _ in range(10):
        if page.is_checked(wanted):
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"the arrows never chose {wanted}")


def _wizard_common(page: Any, cast: Any, title: str, minutes: str, now: Any) -> None:
    """The wizard's first fields by keyboard: title, year, subject, the window, the time limit."""
    type_into(page, "input[name=title]", title)
    tab_to(page, "select[name=academic_year]")
    arrow_to(page, str(cast.year.pk))
    tab_to(page, "select[name=subject]")
    arrow_to(page, str(cast.subject.pk))
    type_datetime(page, "input[name=opens_at]", now - timedelta(minutes=5))
    type_datetime(page, "input[name=closes_at]", now + timedelta(hours=2))
    retype_into(page, "input[name=time_limit_minutes]", minutes)


def test_a_campaign_from_the_wizard_to_the_item_analysis(
    committed_db: None, live_stack: LiveStack, district: District, browser: Any, tmp_path: Any
) -> None:
    with tenant_context(district.centre):
        cast = make_cast(district)
    codifier = Codifier.objects.get(subject=cast.subject)
    zone = district.centre.zone

    # --- the methodologist imports the Moodle bank through the import page ---
    methodologist = _page(browser, live_stack, cast.user("methodologist"))
    methodologist.goto(live_stack.url(CENTRE, "/diagnostics/bank/import/"))
    bank_file = tmp_path / "september.xml"
    bank_file.write_text(MOODLE_BANK, encoding="utf-8")
    # By keyboard: the codifier by arrows, the file chooser opened with Space, Enter on «Импорт».
    tab_to(methodologist, "select[name=codifier]")
    arrow_to(methodologist, str(codifier.pk))
    choose_file(methodologist, "input[name=file]", str(bank_file))
    press_on(methodologist, "form.stack button[type=submit]")
    assert methodologist.url.endswith("/diagnostics/bank/")
    assert "5" in methodologist.inner_text(".messages")
    with tenant_context(district.centre):
        imported = {
            v.item.type: v
            for v in ItemVersion.objects.select_related("item").filter(item__subject=cast.subject)
        }
        assert len(imported) == 5
        assert {t.code for t in imported[ItemType.NUMERIC].topics.all()} == {"1.1", "2.1"}
    versions = imported
    right_choice = next(c["id"] for c in versions[ItemType.SINGLE].body["choices"] if c.get("correct"))

    # --- the methodologist opens a campaign with the wizard and a questionnaire question ---
    methodologist.goto(live_stack.url(CENTRE, f"/diagnostics/campaigns/new/?subject={cast.subject.pk}"))
    title = f"Сентябрьская диагностика {cast.subject.code}"
    now = timezone.localtime(timezone.now(), zone)
    _wizard_common(methodologist, cast, title, "2", now)
    _arrow_to(methodologist, "input[name=form]", "input[name=form][value=fixed]")
    for version in versions.values():  # the tag field by keyboard: type the item's name, Enter
        choose_tag(methodologist, "id_version_ids", version.item.name, str(version.pk))
    press_on(methodologist, "form.wizard button[type=submit]:not([name=refresh])")
    with tenant_context(district.centre):
        campaign = Campaign.objects.get(title=title)
    assert_accessible(methodologist, "the campaign page (its questionnaire step)")
    tab_to(methodologist, "select[name=kind]")
    arrow_to(methodologist, "scale")
    type_into(methodologist, "input[name=text]", "Решение уравнений")
    tab_to(methodologist, "select[name=topic]")
    arrow_to(methodologist, str(cast.topics["2.1"].pk))
    press_on(methodologist, "form.question-form button[type=submit]")
    press_on(methodologist, "#publish")
    with tenant_context(district.centre):
        campaign.refresh_from_db()
        assert campaign.published_at is not None and campaign.questions.count() == 1

    # --- a second campaign as a blueprint: one item drawn per topic for each teacher ---
    methodologist.goto(live_stack.url(CENTRE, f"/diagnostics/campaigns/new/?subject={cast.subject.pk}"))
    blueprint_title = f"Диагностика по темам {cast.subject.code}"
    _wizard_common(methodologist, cast, blueprint_title, "30", now)
    _arrow_to(methodologist, "input[name=form]", "input[name=form][value=blueprint]")
    tab_to(methodologist, "details:has(#id_blueprint_topic_ids) > summary")
    methodologist.keyboard.press("Enter")  # opens «Темы»
    for code, title_word in (("1.2", "Дроби"), ("3.1", "Функции")):
        choose_tag(methodologist, "id_blueprint_topic_ids", title_word, str(cast.topics[code].pk))
    retype_into(methodologist, "input[name=per_topic]", "1")
    press_on(methodologist, "form.wizard button[type=submit]:not([name=refresh])")
    with tenant_context(district.centre):
        blueprint = Campaign.objects.get(title=blueprint_title)
        assert blueprint.form == Campaign.Form.BLUEPRINT and blueprint.per_topic == 1
        assert {t.code for t in blueprint.blueprint_topics.all()} == {"1.2", "3.1"}
    press_on(methodologist, "#publish")
    # The other teacher, by keyboard: starts it, answers, submits by hand, sees her result.
    other_teacher = _teacher_page(browser, live_stack, cast.user("teacher2"))
    press_on(other_teacher, f"#campaign-{blueprint.pk} button[type=submit]")
    # 1.2 has only the multiple choice, 3.1 only the essay: the draw is these two.
    multiple = versions[ItemType.MULTIPLE]
    other_teacher.wait_for_selector(f"#item-{multiple.pk}")
    expect(other_teacher.locator(f"#item-{versions[ItemType.EXTENDED].pk}")).to_have_count(1)
    expect(other_teacher.locator(f"#item-{versions[ItemType.SINGLE].pk}")).to_have_count(0)
    # The checkboxes are Tab stops of their own: Space ticks the two right fractions.
    for choice in (c["id"] for c in multiple.body["choices"] if c.get("correct")):
        tab_to(other_teacher, f"#item-{multiple.pk} input[value='{choice}']")
        other_teacher.keyboard.press("Space")
        _wait_saved(other_teacher)
    type_into(other_teacher, f"#item-{versions[ItemType.EXTENDED].pk} textarea", "Парабола")
    _wait_saved(other_teacher)
    # The confirmation is the browser's own dialog (outside the page): accepted as Enter would.
    other_teacher.once("dialog", lambda dialog: dialog.accept())
    press_on(other_teacher, "#submit")
    other_teacher.wait_for_url("**/diagnostics/attempts/*/result/")
    assert "проверяются" in other_teacher.inner_text("main")
    with tenant_context(district.centre):
        drawn = Attempt.objects.get(campaign=blueprint, teacher=cast.user("teacher2"))
        assert drawn.status == Attempt.Status.SUBMITTED and not drawn.submitted_automatically
        assert drawn.items.get(version=multiple).points == multiple.max_points
    other_teacher.context.close()

    # --- the teacher starts, answers, closes the page ---
    # --- the teacher starts, answers, closes the page (by keyboard) ---
    teacher = _teacher_page(browser, live_stack, cast.user("teacher"))
    press_on(teacher, f"#campaign-{campaign.pk} button[type=submit]")
    single, short = versions[ItemType.SINGLE].pk, versions[ItemType.SHORT].pk
    teacher.wait_for_selector(f"#item-{single} input[value='{right_choice}']")
    assert teacher.inner_text("#countdown").startswith(("1:", "2:0"))
    _arrow_to(teacher, f"#item-{single} input[type=radio]", f"#item-{single} input[value='{right_choice}']")
    _wait_saved(teacher)
    type_into(teacher, f"#item-{short} input", "3")
    _wait_saved(teacher)
    teacher.context.close()

    # --- ... and resumes on another device, where the answers are still there ---
    again = _teacher_page(browser, live_stack, cast.user("teacher"))
    with tenant_context(district.centre):
        attempt = Attempt.objects.get(campaign=campaign, teacher=cast.user("teacher"))
        question_id = campaign.questions.get().pk
    # The server holds the deadline: the start plus the campaign's 2 minutes.
    assert attempt.deadline == attempt.started_at + timedelta(minutes=2)
    press_on(again, f"#attempt-{attempt.pk} a")
    again.wait_for_selector(f"#item-{single} input[value='{right_choice}']")
    assert again.is_checked(f"#item-{single} input[value='{right_choice}']")
    assert again.input_value(f"#item-{short} input") == "3"
    _arrow_to(
        again, f"#question-{question_id} input[type=radio]", f"#question-{question_id} input[value='2']"
    )
    _wait_saved(again)
    type_into(
        again, f"#item-{versions[ItemType.EXTENDED].pk} textarea", "Парабола, вершина в начале координат"
    )
    _wait_saved(again)

    # --- the time runs out: the page submits and shows the result being graded ---
    # The live server's clock cannot be moved, so rather than sit out the 2 minutes the
    # attempt's deadline is brought forward to a few seconds from now; the page, opened
    # again, counts down by it and the server, past it, submits the attempt automatically.
    with tenant_context(district.centre):
        Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() + timedelta(seconds=3))
    again.reload()
    again.wait_for_url(f"**/diagnostics/attempts/{attempt.pk}/result/", timeout=60_000)
    with tenant_context(district.centre):
        attempt.refresh_from_db()
        assert attempt.status == Attempt.Status.SUBMITTED and attempt.submitted_automatically
        item_id = attempt.items.get(needs_grading=True).pk
    assert "проверяются" in again.inner_text("main")

    # --- a tutor grades the extended answer, blind ---
    tutor = _page(browser, live_stack, cast.user("tutor"))
    tutor.goto(live_stack.url(CENTRE, "/diagnostics/grading/"))
    # By keyboard: the methodologist's buttons above and the tutor's grading (issue 14).
    press_on(tutor, f"a[href='/diagnostics/grading/{item_id}/']")
    assert "Парабола" in tutor.inner_text("#answer")
    assert cast.user("teacher").last_name not in tutor.inner_text("main")
    type_into(tutor, "input[name=points]", "2")
    press_on(tutor, "#grade-form button[type=submit]")

    # --- the teacher sees the result per topic (from "My diagnostics", by keyboard) ---
    again.goto(live_stack.url(CENTRE, "/diagnostics/my/"))
    press_on(again, f"#result-{attempt.pk} a")
    again.wait_for_selector("#topics")
    codes = again.eval_on_selector_all("#topics tr[data-code]", "rows => rows.map(r => r.dataset.code)")
    assert codes == ["1.1", "1.2", "2.1", "3.1"]
    assert again.inner_text("#score").strip() in ("4.00", "4,00")
    assert "2.1" in again.inner_text("#deficits")

    # --- the methodologist sees the item analysis ---
    deadline = time.monotonic() + 30
    while True:
        methodologist.goto(live_stack.url(CENTRE, f"/diagnostics/campaigns/{campaign.pk}/analysis/"))
        rows = methodologist.locator("#items-stats tbody tr[data-version]").count()
        if rows == 5 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert rows == 5
    assert methodologist.locator("#few-attempts").count() == 1
