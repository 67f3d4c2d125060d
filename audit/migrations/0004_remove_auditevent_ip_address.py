"""The IP address of an event now lives in its erasable personal part (0003 moved the old ones)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_personal_data_apart")]

    operations = [migrations.RemoveField(model_name="auditevent", name="ip_address")]
