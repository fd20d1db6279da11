urlpatterns: list = []  # filled by the school/centre administration work
