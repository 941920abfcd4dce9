from django.db import migrations, models


def mark_messages_sent_again(apps, schema_editor):
    """Messages a coordinator sent again before the field existed, still waiting: their
    audit entries say when."""
    AuditEntry = apps.get_model("audit", "AuditEntry")
    OutboxMessage = apps.get_model("notifications", "OutboxMessage")
    asked = AuditEntry.objects.filter(
        action="outbox_retried", object_type="notifications.outboxmessage"
    ).values_list("object_id", "at")
    for object_id, asked_at in asked.iterator():
        if object_id.isdigit():
            OutboxMessage.objects.filter(pk=int(object_id), status="pending").update(
                sent_again_at=asked_at
            )


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
        ("notifications", "0003_email_requests"),
    ]

    operations = [
        migrations.AddField(
            model_name="outboxmessage",
            name="sent_again_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(mark_messages_sent_again, migrations.RunPython.noop),
    ]
