urlpatterns = []  # being written
