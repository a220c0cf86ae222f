import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from saas_manager.customers.models import Contact, Customer
from saas_manager.imports.models import ImportBatch, ImportStatus

pytestmark = pytest.mark.django_db

UPLOAD_URL = reverse("admin:imports_importbatch_upload")
ODOO_FILE = (
    "ID,Name,Company Type,Related Company,Address Type,Country\n"
    "p1,Acme,Company,,,Belgium\n"
    "p2,Ann,Individual,Acme,Invoice address,\n"
    "p3,Bob,Individual,Nowhere,Contact,\n"
)


def _upload(client, content=ODOO_FILE, **data):
    upload = SimpleUploadedFile("contacts.csv", content.encode(), "text/csv")
    return client.post(
        UPLOAD_URL, {"file": upload, "mapping": "odoo-contacts", "preview": "", **data}
    )


def test_imports_list_links_upload_page(client, billing_clerk):
    client.force_login(billing_clerk)

    response = client.get(reverse("admin:imports_importbatch_changelist"))

    assert response.status_code == 200
    assert UPLOAD_URL in response.content.decode()


def test_upload_page_preview_saves_nothing(client, billing_clerk):
    client.force_login(billing_clerk)

    response = _upload(client, partial="on")

    assert response.status_code == 200
    page = response.content.decode()
    assert "No customer with name Nowhere" in page
    assert "Confirm import" in page
    assert Customer.objects.count() == 0
    assert Contact.objects.count() == 0
    assert ImportBatch.objects.get().status == ImportStatus.PREVIEWED


def test_upload_page_confirm_saves(client, billing_clerk):
    client.force_login(billing_clerk)
    _upload(client, partial="on")
    batch = ImportBatch.objects.get()

    response = client.post(UPLOAD_URL, {"batch": batch.pk, "confirm": ""})

    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == ImportStatus.SAVED
    assert batch.rejected_count == 1
    assert Customer.objects.get().name == "Acme"
    assert Contact.objects.get().is_billing is True
    assert bytes(batch.content) == b""


def test_upload_page_all_or_none_offers_no_confirm(client, billing_clerk):
    client.force_login(billing_clerk)

    response = _upload(client)

    page = response.content.decode()
    assert "Confirm import" not in page
    assert "saves all rows or none" in page


def test_upload_page_confirm_only_once(client, billing_clerk):
    client.force_login(billing_clerk)
    _upload(client, partial="on")
    batch = ImportBatch.objects.get()
    client.post(UPLOAD_URL, {"batch": batch.pk, "confirm": ""})

    response = client.post(UPLOAD_URL, {"batch": batch.pk, "confirm": ""})

    assert response.status_code == 404
    assert Customer.objects.count() == 1


def test_upload_page_confirm_by_other_user_refused(client, billing_clerk, manager):
    client.force_login(billing_clerk)
    _upload(client, partial="on")
    batch = ImportBatch.objects.get()
    client.force_login(manager)

    response = client.post(UPLOAD_URL, {"batch": batch.pk, "confirm": ""})

    assert response.status_code == 404
    assert Customer.objects.count() == 0


def test_upload_page_size_limit(client, billing_clerk, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 50
    client.force_login(billing_clerk)

    response = _upload(client)

    page = response.content.decode()
    assert "the maximum upload is 50 bytes" in page
    assert "IMPORT_MAX_UPLOAD_BYTES" in page
    assert ImportBatch.objects.count() == 0


def test_upload_page_manager_allowed(client, manager):
    client.force_login(manager)

    response = client.get(UPLOAD_URL)

    assert response.status_code == 200


@pytest.mark.parametrize("user", ["reader", "support_agent"])
def test_upload_page_refused_without_permission(client, user, request):
    client.force_login(request.getfixturevalue(user))

    get_response = client.get(UPLOAD_URL)
    post_response = _upload(client, partial="on")

    assert get_response.status_code == 403
    assert post_response.status_code == 403
    assert ImportBatch.objects.count() == 0


def test_upload_page_mapping_file(client, billing_clerk):
    client.force_login(billing_clerk)
    mapping = SimpleUploadedFile("mine.json", b"{not json", "application/json")

    response = _upload(client, mapping="", mapping_file=mapping)

    assert "mine.json is not valid JSON" in response.content.decode()


def test_add_button_goes_to_upload(client, billing_clerk):
    client.force_login(billing_clerk)

    response = client.get(reverse("admin:imports_importbatch_add"))

    assert response.status_code == 302
    assert response.url == UPLOAD_URL


def test_upload_page_deeply_nested_mapping(client, billing_clerk):
    client.force_login(billing_clerk)
    mapping = SimpleUploadedFile("deep.json", b"[" * 100_000, "application/json")

    response = _upload(client, mapping="", mapping_file=mapping)

    assert response.status_code == 200
    assert "nested too deeply" in response.content.decode()


def test_upload_page_file_error_counts_whole_file(client, billing_clerk):
    client.force_login(billing_clerk)

    response = _upload(client, content="Country\nBE\n")

    page = response.content.decode()
    assert "The file cannot be imported" in page
    assert "the whole file" in page
