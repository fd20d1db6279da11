"""Subjects get an English name for the English interface; the usual school subjects get theirs."""

from django.db import migrations, models

ENGLISH = {
    "math": "Mathematics",
    "russian": "Russian language",
    "literature": "Literature",
    "physics": "Physics",
    "chemistry": "Chemistry",
    "biology": "Biology",
    "history": "History",
    "social-studies": "Social studies",
    "geography": "Geography",
    "informatics": "Computer science",
    "english": "English language",
}


def name_known_subjects(apps, schema_editor):  # type: ignore[no-untyped-def]
    Subject = apps.get_model("tenants", "Subject")
    for code, name_en in ENGLISH.items():
        Subject.objects.filter(code=code, name_en="").update(name_en=name_en)


class Migration(migrations.Migration):
    dependencies = [("tenants", "0002_postgres_extensions")]

    operations = [
        migrations.AddField(
            model_name="subject",
            name="name_en",
            field=models.CharField(blank=True, default="", max_length=120, verbose_name="name in English"),
        ),
        migrations.RunPython(name_known_subjects, migrations.RunPython.noop),
    ]
