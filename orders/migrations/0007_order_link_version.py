from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0006_email_send_lease"),
    ]

    operations = [
        migrations.AddField(
            model_name="order",
            name="link_version",
            field=models.PositiveIntegerField(
                default=0,
                help_text="Raised by staff to revoke the order links already sent (orders.links).",
            ),
        ),
    ]
