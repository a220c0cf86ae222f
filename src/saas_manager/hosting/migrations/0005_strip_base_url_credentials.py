"""Remove a user name and password from the stored base URLs of servers.

The base URL now accepts no credentials, because they were stored as plain
text in the server and in its history. Nothing reads credentials from the
URL, so removing them changes no behaviour. An Odoo master password belongs
in the server's master password field, where it is encrypted.
"""

from urllib.parse import urlsplit

from django.db import migrations


def without_credentials(url: str) -> str:
    """Return the URL without its user name and password."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if "@" not in parts.netloc:
        return url
    return parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()


def strip_credentials(apps, schema_editor) -> None:
    for model_name in ("Server", "HistoricalServer"):
        model = apps.get_model("hosting", model_name)
        rows = model.objects.filter(base_url__contains="@")
        for pk, url in rows.values_list("pk", "base_url"):
            cleaned = without_credentials(url)
            if cleaned != url:
                model.objects.filter(pk=pk).update(base_url=cleaned)


class Migration(migrations.Migration):
    dependencies = [
        ("hosting", "0004_server_base_url_http_only"),
    ]

    operations = [
        # The credentials removed are not kept, so there is nothing to restore.
        migrations.RunPython(strip_credentials, migrations.RunPython.noop),
    ]
