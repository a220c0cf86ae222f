"""The four staff groups and exactly what each may do.

Only this table grants permissions to the groups. The data migration creates
the groups from it, and after every `migrate` the groups are set to it again.
So a model added later gets its permissions in the same step, and a
permission granted to a group by hand is removed.
"""

from collections.abc import Iterable

MANAGER = "Manager"
BILLING = "Billing"
SUPPORT = "Support"
READ_ONLY = "Read-only"

# The apps whose models staff work with; Django's own are listed in full below.
PROJECT_APPS = (
    "customers",
    "catalog",
    "hosting",
    "billing",
    "imports",
    "automation",
    "notifications",
)

READ = ("view",)
WRITE = ("view", "add", "change")
ALL = ("view", "add", "change", "delete")

# Per group, the actions on each model ("app_label.model"). "*" stands for
# every model of PROJECT_APPS, and an entry for a model wins over it. Extra
# permissions of a model's Meta are named by their codename.
GROUP_PERMISSIONS: dict[str, dict[str, Iterable[str]]] = {
    MANAGER: {
        "*": ALL,
        "auth.user": WRITE,
        # The single settings row is changed, never added twice or deleted.
        "automation.operatorsettings": ("view", "change"),
    },
    BILLING: {
        "*": READ,
        "customers.customer": WRITE,
        "customers.contact": ALL,
        "customers.bankaccount": ALL,
        "customers.tag": WRITE,
        "billing.payment": WRITE,
        "imports.importbatch": WRITE,
    },
    SUPPORT: {
        "*": READ,
        "customers.customer": WRITE,
        "customers.contact": ALL,
        "customers.bankaccount": ALL,
        "customers.tag": WRITE,
        "hosting.instance": WRITE,
    },
    READ_ONLY: {
        "*": READ,
    },
}


def codenames_for(group: str, models: Iterable[tuple[str, str]]) -> set[str]:
    """Return "app_label.codename" for each permission the group gets.

    `models` lists the (app_label, model_name) pairs that exist, so the table
    can name models that a later migration adds.
    """
    table = GROUP_PERMISSIONS[group]
    granted = set()
    for app_label, model_name in models:
        label = f"{app_label}.{model_name}"
        if label in table:
            actions = table[label]
        elif app_label in PROJECT_APPS and not model_name.startswith("historical"):
            actions = table.get("*", ())
        else:
            continue
        for action in actions:
            if action in ("view", "add", "change", "delete"):
                granted.add(f"{app_label}.{action}_{model_name}")
            else:
                granted.add(f"{app_label}.{action}")
    return granted


def sync_groups(group_model, permission_model, content_type_model) -> None:
    """Create the four groups and set each one's permissions to the table."""
    models = list(content_type_model.objects.values_list("app_label", "model"))
    permissions = {
        f"{app_label}.{codename}": pk
        for pk, app_label, codename in permission_model.objects.values_list(
            "pk", "content_type__app_label", "codename"
        )
    }
    for name in GROUP_PERMISSIONS:
        group, _ = group_model.objects.get_or_create(name=name)
        wanted = codenames_for(name, models)
        group.permissions.set(
            [permissions[code] for code in sorted(wanted) if code in permissions]
        )
