"""Bring operator settings saved before the number ranges into those ranges.

The next migration adds check constraints for the ranges, which a stored
row outside them would fail. Such a value (a grace period of 99999999999
days, say) made every run of the rules fail, so the nearest value in range
keeps the operator's intent as far as it can be kept.
"""

from django.db import migrations

# The ranges as the next migration's constraints have them.
RANGES = {
    "grace_period_days": (0, 3650),
    "termination_warning_days": (0, 3650),
    "termination_days": (1, 3650),
    "provisioning_timeout_hours": (1, 720),
    "pending_payment_days": (1, 3650),
    "storage_alert_percent": (1, 100),
}


def clamp_numbers(apps, schema_editor):
    OperatorSettings = apps.get_model("automation", "OperatorSettings")
    for row in OperatorSettings.objects.all():
        changed = []
        for name, (minimum, maximum) in RANGES.items():
            value = getattr(row, name)
            clamped = min(max(value, minimum), maximum)
            if clamped != value:
                setattr(row, name, clamped)
                changed.append(name)
        # The warning must still come before the termination.
        if row.termination_warning_days >= row.termination_days:
            row.termination_warning_days = row.termination_days - 1
            changed.append("termination_warning_days")
        if changed:
            row.save(update_fields=sorted(set(changed)))


class Migration(migrations.Migration):
    dependencies = [("automation", "0001_initial")]

    operations = [migrations.RunPython(clamp_numbers, migrations.RunPython.noop)]
