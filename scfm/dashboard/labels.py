"""Translated names of the statuses and events the dashboard shows (the API keeps the raw values)."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

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
    "CallFlowLogic::EWSLaosRegistration": _("Laos Early Warning System Registration"),
    "CallFlowLogic::EWSRegistration": _("Cambodian Early Warning System Registration"),
    "CallFlowLogic::MamaInfoRegistration": _("Mama Info Registration"),
}

# The services' validation messages are the API's (English, reference wording); the dashboard shows
# them translated. gettext_noop only marks them for the catalog; templates translate at render time.
SERVICE_MESSAGES = [
    gettext_noop("can't be blank"),
    gettext_noop("has already been taken"),
    gettext_noop("is an invalid number"),
    gettext_noop("is invalid"),
    gettext_noop("is not included in the list"),
    gettext_noop("must be a hash"),
    gettext_noop("must be a string"),
    gettext_noop("must be filled"),
    gettext_noop("must be unique"),
    gettext_noop("must exist"),
    gettext_noop("must not have an extension"),
    gettext_noop("is not a valid role"),
    gettext_noop("cannot be changed once the population is queued"),
    gettext_noop("Cannot delete record because dependent callouts exist"),
    gettext_noop("Cannot delete record because dependent phone calls exist"),
    gettext_noop("Cannot delete record because dependent callout participations exist"),
    gettext_noop("Cannot delete record because dependent batch operations exist"),
    gettext_noop("Cannot delete record because status is running"),
    gettext_noop("The account's last admin cannot be made a member."),
    gettext_noop("The account's last admin cannot be removed."),
    gettext_noop("This user created callouts and cannot be removed."),
    gettext_noop("You cannot remove yourself."),
]

# Names of the fields the services report errors on.
FIELD_LABELS = {
    "msisdn": _("Phone number"),
    "metadata": _("Metadata"),
    "settings": _("Settings"),
    "call_flow_logic": _("Call flow"),
    "audio_url": _("Audio URL"),
    "audio_file": _("Audio file"),
    "contact": _("Contact"),
    "callout": _("Callout"),
    "contact_filter_params": _("Contact filter"),
    "parameters": _("Parameters"),
    "email": _("Email"),
    "password": _("Password"),
    "role": _("Role"),
    "permissions": _("Permissions"),
    "event": _("Event"),
    "platform_provider_name": _("Provider"),
    "twilio_account_sid": _("Twilio account SID"),
    "somleng_account_sid": _("Somleng account SID"),
    "priority": _("Priority"),
    "calling_window": _("Calling window"),
    "retry_policy": _("Retries"),
    "start_at": _("Start dialing at"),
    "stop_at": _("Stop dialing at"),
    "schedule_time_zone": _("Time zone"),
}
