"""Professional routes, under /routes/ on an organisation's site (namespace ``routes``)."""

from django.urls import path

from . import views

app_name = "routes"

urlpatterns = [
    path("", views.route_list, name="list"),
    path("start/", views.start, name="start"),
    path("<int:route_id>/", views.route_page, name="route"),
    path("<int:route_id>/items/", views.add_item, name="add-item"),
    path("<int:route_id>/evidence/", views.add_evidence, name="add-evidence"),
    path("<int:route_id>/sections/", views.sections, name="sections"),
    path("<int:route_id>/step/", views.transition, name="step"),
    path("<int:route_id>/tutor/", views.choose_tutor, name="tutor"),
    path("<int:route_id>/collect/", views.collect_evidence, name="collect"),
    path("<int:route_id>/items/<int:item_id>/decide/", views.decide, name="decide"),
    path("<int:route_id>/evidence/<int:evidence_id>/confirm/", views.confirm, name="confirm"),
    path("<int:route_id>/docx/", views.docx, name="docx"),
    path("<int:route_id>/comments/", views.comment, name="comment"),
    path("portfolio/", views.my_portfolio, name="my-portfolio"),
    path("<int:route_id>/portfolio/", views.portfolio, name="portfolio"),
    path("<int:route_id>/portfolio/docx/", views.portfolio_docx, name="portfolio-docx"),
    path("<int:route_id>/portfolio/pdf/", views.portfolio_pdf, name="portfolio-pdf"),
    path("<int:route_id>/pdf/", views.route_pdf, name="pdf"),
]

# Group routes, next year's draft, proposals for a campaign, booking from an item.
from . import group_views, propose_views  # noqa: E402

urlpatterns += [
    path("groups/", group_views.group_list, name="groups"),
    path("groups/new/", group_views.group_create, name="group-create"),
    path("groups/<int:group_id>/", group_views.group_page, name="group"),
    path("groups/<int:group_id>/do/", group_views.group_action, name="group-action"),
    path("<int:route_id>/items/<int:item_id>/detach/", group_views.item_detach, name="item-detach"),
    path("<int:route_id>/items/<int:item_id>/book/", group_views.item_book, name="item-book"),
    path("<int:route_id>/unlink/", group_views.route_unlink, name="unlink"),
    path("<int:route_id>/carry-over/", group_views.carry, name="carry-over"),
    path("propose/", propose_views.campaigns, name="propose"),
    path("propose/<int:campaign_id>/", propose_views.campaign, name="propose-campaign"),
    path("propose/<int:campaign_id>/do/", propose_views.propose, name="propose-do"),
]
