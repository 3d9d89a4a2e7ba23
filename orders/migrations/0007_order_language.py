from django.db import migrations, models


class Migration(migrations.Migration):
    # After 0007_order_link_version (added beside it): one line of migrations, no merge needed.
    dependencies = [
        ("orders", "0006_email_send_lease"),
        ("orders", "0007_order_link_version"),
    ]

    operations = [
        migrations.AddField(
            model_name="order",
            name="language",
            field=models.CharField(
                default="en",
                help_text="The customer's language at checkout: the order's emails are written in it.",
                max_length=10,
            ),
        ),
    ]
