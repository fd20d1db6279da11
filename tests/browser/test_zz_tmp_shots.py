import time
import pytest
from accounts.models import Role
from tests.conftest import member
from tests.browser.test_consultation_booking import _sign_in, _video_slot, _week_of, CENTRE

pytestmark = [pytest.mark.browser, pytest.mark.live]


def test_shots(committed_db, live_stack, district, browser):
    slot = _video_slot(district, days=3)
    slot2 = _video_slot(district, days=4)
    t = member(district.school_a, Role.TEACHER).user
    page = browser.new_context(locale="ru-RU", viewport={"width": 1024, "height": 800}).new_page()
    _sign_in(page, live_stack, CENTRE, t.email)
    page.screenshot(path="/tmp/shot_dash.png", full_page=True)
    page.goto(live_stack.url(CENTRE, f"/consultations/?week={_week_of(slot, district)}"))
    page.screenshot(path="/tmp/shot_week.png", full_page=True)
    page.goto(live_stack.url(CENTRE, f"/consultations/slots/{slot.pk}/book/"))
    page.fill("textarea[name=question]", "Вопрос")
    page.click("form#booking-form button[type=submit]")
    page.wait_for_url("**/my/")
    page.screenshot(path="/tmp/shot_my.png", full_page=True)
    times = []
    w = browser.new_context().new_page()
    t2 = member(district.school_b, Role.TEACHER).user
    _sign_in(w, live_stack, CENTRE, t2.email)
    w.goto(live_stack.url(CENTRE, f"/consultations/?week={_week_of(slot2, district)}&tutor={slot2.tutor_id}"))
    w.wait_for_selector("[data-live='1']", state="attached")
    page.goto(live_stack.url(CENTRE, f"/consultations/slots/{slot2.pk}/book/"))
    page.fill("textarea[name=question]", "Вопрос 2")
    start = time.monotonic()
    page.click("form#booking-form button[type=submit]")
    w.wait_for_selector(f"[data-slot-id='{slot2.pk}'].full", state="attached")
    print("LIVE from click", time.monotonic() - start)
