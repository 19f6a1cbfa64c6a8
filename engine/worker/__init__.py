"""The worker: due BPMN timers, the policy's scheduled jobs exactly once per period, and the outbox.

Modules: ``loop`` (``Worker``: one sweep, the scheduling and claiming), ``jobs`` (reminders, slow
cases, reviews, the volume watch, the job table), ``penalties`` (missed progress, late 督办令,
overdue bands, the monthly close), ``lateness`` (who is late from when, on which clock),
``overdue`` (alerts when a fined task goes overdue), ``context`` (a job run and the case history
from the audit log), ``people`` (who holds a role for a case), ``outbox`` (``Notifier``: in-app rows
and outbox messages in the cause's transaction), ``delivery`` (SMTP and webhook transports,
retries), ``templates`` (rendering the policy's message texts), ``export`` (the ledger as CSV and
Excel), ``events`` (messages caused by a transition), ``notices`` (in-app notifications for the
web UI).
"""

from engine.worker.delivery import SmtpTransport, WebhookTransport, deliver, transports_from
from engine.worker.jobs import JOBS, Job
from engine.worker.loop import SweepReport, Worker
from engine.worker.notices import mark_notifications_read, notifications_for, unread_count

__all__ = ["JOBS", "Job", "SmtpTransport", "SweepReport", "WebhookTransport", "Worker", "deliver",
           "mark_notifications_read", "notifications_for", "transports_from", "unread_count"]
