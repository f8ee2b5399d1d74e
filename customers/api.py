import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from customers import selectors, services
from customers.forms import ContactEditForm, ContactForm, CustomerEditForm, CustomerForm
from customers.models import Contact, Customer
from supportdesk.api import BooleanFilter, request_data
from supportdesk.schema import CONFLICT, form_body
from workflow.api import edit_request, version_field

# The request bodies, from the forms that validate them.
CustomerWriteSerializer = form_body(CustomerForm, "CustomerWrite")
CustomerEditSerializer = form_body(CustomerEditForm, "CustomerEdit")
ContactCreateSerializer = form_body(ContactForm, "ContactCreate")
ContactEditSerializer = form_body(ContactEditForm, "ContactEdit", version=version_field())


class ContactSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contact
        fields = ["id", "customer", "name", "role", "phone", "phone_e164", "email", "active", "version"]


class CustomerSerializer(serializers.ModelSerializer):
    contacts = ContactSerializer(many=True, read_only=True)

    class Meta:
        model = Customer
        fields = [
            "id",
            "customer_number",
            "name",
            "street",
            "postal_code",
            "city",
            "phone",
            "phone_e164",
            "alt_phone",
            "alt_phone_e164",
            "email",
            "notes",
            "active",
            "contacts",
            "created_at",
            "updated_at",
        ]


def lookup_phone(queryset, name, value):
    return selectors.matching_phone(queryset, value)


def lookup_text(queryset, name, value):
    return selectors.matching_text(queryset, value)


class CustomerFilter(django_filters.FilterSet):
    phone = django_filters.CharFilter(method=lookup_phone, label=_("Telefonnummer"), max_length=40)
    q = django_filters.CharFilter(method=lookup_text, label=_("Suche"), max_length=200)
    active = BooleanFilter()

    class Meta:
        model = Customer
        fields = ["phone", "q", "active"]


@extend_schema_view(
    create=extend_schema(request=CustomerWriteSerializer, responses={201: CustomerSerializer}),
    partial_update=extend_schema(request=CustomerEditSerializer, responses=CustomerSerializer),
)
class CustomerViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = Customer.objects.prefetch_related("contacts").order_by("name", "pk")
    serializer_class = CustomerSerializer
    filterset_class = CustomerFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def create(self, request, *args, **kwargs):
        customer = services.customer_create(by=request.user, data=request_data(request))
        return Response(self.get_serializer(customer).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        customer = self.get_object()
        customer = services.customer_update(
            customer_id=customer.pk, by=request.user, data=request_data(request)
        )
        return Response(self.get_serializer(customer).data)

    @extend_schema(methods=["GET"], responses=ContactSerializer(many=True))
    @extend_schema(methods=["POST"], request=ContactCreateSerializer, responses={201: ContactSerializer})
    @action(
        detail=True,
        methods=["get", "post"],
        serializer_class=ContactSerializer,
        pagination_class=None,  # all the customer's contacts, in one list
    )
    def contacts(self, request, pk=None):
        customer = self.get_object()
        if request.method == "GET":
            return Response(ContactSerializer(customer.contacts.all(), many=True).data)
        contact = services.contact_create(
            customer_id=customer.pk, by=request.user, data=request_data(request)
        )
        return Response(ContactSerializer(contact).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=ContactEditSerializer,
        responses={200: ContactSerializer, 409: CONFLICT},
        parameters=[OpenApiParameter("contact_id", int, OpenApiParameter.PATH)],
    )
    @action(
        detail=True,
        methods=["patch"],
        url_path=r"contacts/(?P<contact_id>[0-9]{1,18})",
        serializer_class=ContactSerializer,
    )
    def contact(self, request, pk=None, contact_id=None):
        """Correct a contact's data with `reason` (R20) and optionally `version` (409 when stale)."""
        customer = self.get_object()
        data, version = edit_request(request)
        contact = services.contact_update(
            customer_id=customer.pk,
            contact_id=int(contact_id),
            by=request.user,
            data=data,
            expected_version=version,
        )
        return Response(ContactSerializer(contact).data)
