from django.contrib import admin

from audit.admin import AuditedAdmin
from audit.history import save_audited
from customers.models import Contact, Customer


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0
    can_delete = False
    fields = ["name", "role", "phone", "email", "active"]


@admin.register(Customer)
class CustomerAdmin(AuditedAdmin):
    list_display = ["customer_number", "name", "city", "phone", "active"]
    search_fields = ["customer_number", "name", "city", "phone_e164"]
    list_filter = ["active"]
    inlines = [ContactInline]

    def save_formset(self, request, form, formset, change):
        for contact in formset.save(commit=False):
            save_audited(contact, by=request.user, reason="admin: edit")


@admin.register(Contact)
class ContactAdmin(AuditedAdmin):
    list_display = ["name", "customer", "phone", "email", "active"]
    search_fields = ["name", "phone_e164", "customer__name"]
    list_select_related = ["customer"]
