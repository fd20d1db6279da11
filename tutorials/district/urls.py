"""The district picture, under /district/ on the centre's portal."""

from django.urls import path

from . import views

app_name = "district"

urlpatterns = [
    path("", views.index, name="index"),
    path("my-school/", views.my_school, name="my-school"),
    path("my-school/<int:campaign_id>/", views.my_school, name="my-school-campaign"),
    path("my-school/<int:campaign_id>/summary.pdf", views.my_school_pdf, name="my-school-pdf"),
    path("<int:campaign_id>/", views.heatmap, name="heatmap"),
    path("<int:campaign_id>/cell/<int:school_id>/<int:topic_id>/", views.cell, name="cell"),
    path("<int:campaign_id>/year-over-year/", views.yoy, name="yoy"),
    path("<int:campaign_id>/support/", views.support, name="support"),
    path("<int:campaign_id>/refresh/", views.refresh, name="refresh"),
    path("<int:campaign_id>/district.xlsx", views.export_xlsx, name="xlsx"),
    path("<int:campaign_id>/school/<int:school_id>.pdf", views.school_pdf, name="school-pdf"),
]
