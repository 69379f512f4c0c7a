from django.urls import path

from supportledger.console import selling
from supportledger.console.views import customers as views

app_name = "customers"

urlpatterns = [
    path("", views.customer_list, name="list"),
    path("<int:pk>/", views.customer_detail, name="detail"),
    path("<int:pk>/sell/<slug:kind>/", selling.sell, name="sell"),
]
