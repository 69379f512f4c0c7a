# The schedule's rows move from billing to jobs: the table stays where it is
# (billing_scheduledrun); only Django's record of which app owns it changes.

from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('billing', '0002_travel_charges'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ScheduledRun',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('job', models.CharField(max_length=40)),
                        ('slot', models.DateField(help_text='The day (policy time zone) the job is due.')),
                        ('enqueued_at', models.DateTimeField(help_text='UTC.')),
                        ('task_id', models.CharField(blank=True, max_length=64)),
                    ],
                    options={
                        'db_table': 'billing_scheduledrun',
                        'ordering': ['-slot', 'job'],
                        'constraints': [models.UniqueConstraint(fields=('job', 'slot'), name='scheduledrun_once')],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
