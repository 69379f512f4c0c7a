# The schedule's rows now belong to the jobs app (jobs 0001 takes the same
# table over); nothing changes in the database.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('billing', '0002_travel_charges'),
        ('jobs', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='ScheduledRun')],
            database_operations=[],
        ),
    ]
