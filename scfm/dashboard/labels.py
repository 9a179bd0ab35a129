"""Translated names of the statuses and events the dashboard shows (the API keeps the raw values)."""

from django.utils.translation import gettext_lazy as _

STATUS_LABELS = {
    # callouts
    "initialized": _("Initialized"),
    "running": _("Running"),
    "paused": _("Paused"),
    "stopped": _("Stopped"),
    # populations
    "preview": _("Preview"),
    "queued": _("Queued"),
    "finished": _("Finished"),
    # phone calls
    "created": _("Created"),
    "remotely_queued": _("Remotely queued"),
    "errored": _("Errored"),
    "in_progress": _("In progress"),
    "busy": _("Busy"),
    "failed": _("Failed"),
    "not_answered": _("Not answered"),
    "canceled": _("Canceled"),
    "completed": _("Completed"),
    "expired": _("Expired"),
}

EVENT_LABELS = {
    "start": _("Start"),
    "pause": _("Pause"),
    "resume": _("Resume"),
    "stop": _("Stop"),
    "queue": _("Start"),  # a population's queue event is labelled "Start", as in the reference
}

ROLE_LABELS = {"admin": _("Admin"), "member": _("Member")}

CALL_FLOW_LABELS = {
    "CallFlowLogic::HelloWorld": _("Hello World"),
    "CallFlowLogic::PlayMessage": _("Play Message"),
    "CallFlowLogic::PlayMessageStartRapidproFlow": _("Play Message and Start RapidPro Flow"),
}
